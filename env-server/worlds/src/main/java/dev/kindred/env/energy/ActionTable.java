package dev.kindred.env.energy;

import dev.kindred.env.ActionDimension;
import dev.kindred.env.ActionSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Action ids to handlers. An agent's action is two ints: {@code [action, argument]}, the
 * argument read by the handler (see each class). Adding an action is a class and a line here
 * (plus its cost in {@link Economy}, whose indices 0..7 follow these ids).
 */
final class ActionTable {
  private ActionTable() {}

  static final int NOOP = 0;
  static final int MOVE = 1;
  static final int ROTATE = 2;
  static final int USE = 3;
  static final int ATTACK = 4;
  static final int SHIELD = 5;
  static final int SWAP = 6;
  static final int GIVE = 7;

  static final EnergyAction[] TABLE = {
      new NoopAction(NOOP),
      new MoveAction(MOVE),
      new RotateAction(ROTATE),
      new UseAction(USE),
      new AttackAction(ATTACK),
      new ShieldAction(SHIELD),
      new SwapAction(SWAP),
      new GiveAction(GIVE),
  };

  static final int COUNT = TABLE.length;
  static final int ARGUMENTS = 9;
  /** Elements of one agent's action mask: every [action, argument] pair, at action * ARGUMENTS + argument. */
  static final int PAIRS = COUNT * ARGUMENTS;
  /** Name of the action-mask observation. */
  static final String MASK_OBSERVATION = "action_mask";

  /** Agent order values of the {@code agent_order} key: a random permutation each step, or index order. */
  static final String ORDER_RANDOM = "random";
  static final String ORDER_INDEX = "index";
  static final List<String> ORDERS = List.of(ORDER_RANDOM, ORDER_INDEX);

  /** The canonical pairs, in (action, argument) order. */
  static List<List<Integer>> canonicalPairs() {
    List<List<Integer>> pairs = new ArrayList<>();
    for (EnergyAction a : TABLE) {
      for (int arg = 0; arg < a.arguments; arg++) {
        pairs.add(List.of(a.id, arg));
      }
    }
    return pairs;
  }

  /**
   * The action spec; {@code agentOrder} ({@link #ORDER_RANDOM} or {@link #ORDER_INDEX}) is the
   * order in which agents act within a step.
   */
  static ActionSpec spec(String agentOrder) {
    List<String> names = new ArrayList<>();
    StringBuilder doc = new StringBuilder();
    for (EnergyAction a : TABLE) {
      names.add(a.name);
      doc.append(a.id).append(' ').append(a.name).append(" (argument: ").append(a.argument).append("); ");
    }
    List<String> args = new ArrayList<>();
    for (int i = 0; i < ARGUMENTS; i++) {
      args.add(Integer.toString(i));
    }
    String order = agentOrder.equals(ORDER_INDEX)
        ? "Agents act one after another in index order (agent_order = index). "
        : "Agents act one after another in an order drawn anew every step, a uniformly random permutation "
            + "from the copy's seeded stream (agent_order = random), so no agent always moves first; the same "
            + "seed and actions still give the same trajectory. ";
    return new ActionSpec(List.of(
        new ActionDimension("action", "which action: " + doc.toString().trim(), COUNT, names),
        new ActionDimension("argument", "the action's argument, 0..8; values an action does not define make it "
            + "fail, except for actions that ignore it (noop, use, shield, swap), where every value is accepted "
            + "and equivalent to 0", ARGUMENTS, args)),
        "[action, argument] per agent. " + order + "A frozen agent, or one whose "
            + "energy is below the action's cost (sampled economy x body multiplier), cannot act: success 0, "
            + "nothing paid. An action without effect is refunded and reported with success 0. The valid "
            + "combinations are the " + canonicalPairs().size() + " canonical pairs: each action with each argument "
            + "it defines, and the actions that ignore their argument once, with argument 0. The per-agent "
            + "observation " + MASK_OBSERVATION + " marks the canonical pairs the agent is free to do and can pay for "
            + "next step.",
        canonicalPairs(), MASK_OBSERVATION);
  }
}
