package dev.kindred.env.energy;

/**
 * The heart altar, the only source of reward: a use takes {@code altar_cost} energy and gives
 * the agent {@code altar_reward} raw reward (one heart). Fails when cooling down or when the
 * agent has less than altar_cost energy left after the use cost.
 */
final class Altar extends EnergyObject {
  static final Altar INSTANCE = new Altar();

  private Altar() {
    super(CellKind.ALTAR, Observer.ALTAR);
  }

  @Override
  boolean use(EnergyState s, int agent, int obj) {
    int t = s.step;
    int price = s.econ[Economy.ALTAR_COST];
    if (t < s.objReadyAt[obj] || s.energy[agent] < price) {
      return false;
    }
    s.energy[agent] -= price;
    s.raw[agent] += s.econ[Economy.ALTAR_REWARD];
    int st = agent * Stats.COUNT;
    s.stats[st + Stats.ENERGY_SPENT] += price;
    s.stats[st + Stats.HEARTS] += 1;
    s.objReadyAt[obj] = t + s.econ[Economy.ALTAR_COOLDOWN] + 1;
    return true;
  }
}
