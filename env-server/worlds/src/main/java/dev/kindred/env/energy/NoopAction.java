package dev.kindred.env.energy;

/** Does nothing (pays noop_cost, default 0); always succeeds. */
final class NoopAction extends EnergyAction {
  NoopAction(int id) {
    super(id, "noop", "ignored");
  }

  @Override
  boolean apply(EnergyState s, int agent, int arg) {
    return true;
  }
}
