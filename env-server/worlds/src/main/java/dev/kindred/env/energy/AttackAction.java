package dev.kindred.env.energy;

/**
 * Fires at one cell of the 3x3 block ahead: argument = 3 * (distance - 1) + (lateral + 1),
 * distance 1..3 cells forward, lateral -1 (left of the facing direction), 0, +1 (right).
 * So 1 is the cell just in front, 4 two ahead, 7 three ahead. Fails unless an agent that is
 * not frozen stands there. A shielded target loses attack_damage energy (not below 0); an
 * unshielded one is frozen for freeze_duration steps and its crystals go to the attacker (as
 * many as fit; the rest stay with the target).
 */
final class AttackAction extends EnergyAction {
  AttackAction(int id) {
    super(id, "attack", "3 * (distance - 1) + (lateral + 1): distance 1..3 ahead, lateral -1 left .. +1 right",
        9);
  }

  @Override
  boolean apply(EnergyState s, int agent, int arg) {
    int cell = s.ahead(agent, arg / 3 + 1, arg % 3 - 1);
    if (cell < 0) {
      return false;
    }
    int code = s.grid[cell];
    if (code >= 0) {
      return false;
    }
    int target = EnergyState.agentOf(code);
    int t = s.step;
    if (s.isFrozen(target, t)) {
      return false;
    }
    int sa = agent * Stats.COUNT;
    int st = target * Stats.COUNT;
    s.stats[sa + Stats.ATTACKS] += 1;
    if (s.shield[target]) {
      int loss = Math.min(s.energy[target], s.econ[Economy.ATTACK_DAMAGE]);
      s.energy[target] -= loss;
      s.stats[st + Stats.ATTACKS_BLOCKED] += 1;
      return true;
    }
    s.frozenUntil[target] = t + s.econ[Economy.FREEZE_DURATION];
    s.stats[sa + Stats.FREEZES] += 1;
    s.stats[st + Stats.TIMES_FROZEN] += 1;
    for (int item = 0; item < EnergyState.ITEMS; item++) {
      int from = target * EnergyState.ITEMS + item;
      int to = agent * EnergyState.ITEMS + item;
      int n = Math.min(s.inventory[from], s.maxInventory - s.inventory[to]);
      s.inventory[from] -= n;
      s.inventory[to] += n;
    }
    return true;
  }
}
