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
  /**
   * The arguments the action defines are {@code 0 .. arguments - 1}: its canonical
   * {@code [action, argument]} pairs, listed in the action spec and masked by the action mask.
   */
  final int arguments;
  /**
   * The action ignores its argument: every value is accepted and equivalent, and the one
   * canonical pair is argument 0 ({@link #arguments} is 1).
   */
  final boolean ignoresArgument;

  /** An action that defines the arguments {@code 0 .. arguments - 1}; others make it fail. */
  EnergyAction(int id, String name, String argument, int arguments) {
    this(id, name, argument, arguments, false);
  }

  /** An action that ignores its argument (canonical pair: argument 0). */
  EnergyAction(int id, String name, String argument) {
    this(id, name, argument, 1, true);
  }

  private EnergyAction(int id, String name, String argument, int arguments, boolean ignoresArgument) {
    this.id = id;
    this.name = name;
    this.argument = argument;
    this.arguments = arguments;
    this.ignoresArgument = ignoresArgument;
  }

  /** Applies the action of {@code agent} with {@code arg}; the cost is already paid. */
  abstract boolean apply(EnergyState s, int agent, int arg);
}
