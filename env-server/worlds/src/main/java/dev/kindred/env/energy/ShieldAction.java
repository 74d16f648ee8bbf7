package dev.kindred.env.energy;

/**
 * Toggles the shield (argument ignored). While it is on, shield_upkeep is drained at the end
 * of every step (the step it is raised included); when the agent cannot pay, the shield drops.
 */
final class ShieldAction extends EnergyAction {
  ShieldAction(int id) {
    super(id, "shield", "ignored (toggles)");
  }

  @Override
  boolean apply(EnergyState s, int agent, int arg) {
    boolean on = !s.shield[agent];
    s.shield[agent] = on;
    if (on) {
      s.stats[agent * Stats.COUNT + Stats.SHIELDS] += 1;
    }
    return true;
  }
}
