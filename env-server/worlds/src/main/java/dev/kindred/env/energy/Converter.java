package dev.kindred.env.energy;

/**
 * A converter ("battery"): takes {@code converter_green} green and {@code converter_yellow}
 * yellow crystals from the agent and gives it {@code converter_energy} energy (capped at
 * max_energy). Fails when cooling down or when the agent lacks the crystals.
 */
final class Converter extends EnergyObject {
  static final Converter INSTANCE = new Converter();

  private Converter() {
    super(CellKind.CONVERTER, Observer.CONVERTER);
  }

  @Override
  boolean use(EnergyState s, int agent, int obj) {
    int t = s.step;
    int g = agent * EnergyState.ITEMS + EnergyState.GREEN;
    int y = agent * EnergyState.ITEMS + EnergyState.YELLOW;
    int needG = s.econ[Economy.CONVERTER_GREEN];
    int needY = s.econ[Economy.CONVERTER_YELLOW];
    if (t < s.objReadyAt[obj] || s.inventory[g] < needG || s.inventory[y] < needY) {
      return false;
    }
    s.inventory[g] -= needG;
    s.inventory[y] -= needY;
    int before = s.energy[agent];
    s.energy[agent] = Math.min(s.maxEnergy, before + s.econ[Economy.CONVERTER_ENERGY]);
    s.stats[agent * Stats.COUNT + Stats.ENERGY_GATHERED] += s.energy[agent] - before;
    s.objReadyAt[obj] = t + s.econ[Economy.CONVERTER_COOLDOWN] + 1;
    return true;
  }
}
