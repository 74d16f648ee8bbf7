package dev.kindred.env.energy;

/**
 * The base type of every action. One shared instance per action in {@link ActionTable};
 * an action reads and writes only the copy's {@link EnergyState}.
 *
 * <p>Cost policy (the step loop, not the action, applies it): an agent that is frozen, or
 * whose energy is below the action's cost, cannot act (success 0, nothing paid). Otherwise the
 * cost is paid and the action applied; if it has no effect (returns false) the cost is
 * refunded, so a failed action changes nothing.
 */
abstract class EnergyAction {
  final int id;
  final String name;
  /** What the argument means for this action (values outside it make the action fail). */
  final String argument;

  EnergyAction(int id, String name, String argument) {
    this.id = id;
    this.name = name;
    this.argument = argument;
  }

  /** Applies the action of {@code agent} with {@code arg}; the cost is already paid. */
  abstract boolean apply(EnergyState s, int agent, int arg);
}
