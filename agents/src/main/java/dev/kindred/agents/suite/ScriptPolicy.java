package dev.kindred.agents.suite;

import dev.kindred.agents.ActionTally;
import dev.kindred.agents.BatchPolicy;
import dev.kindred.env.ActionDimension;
import dev.kindred.env.ActionSpec;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.StepBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Every agent plays the same cycle of actions, from its start at each episode's first
 * observation: step k of an episode sends entry {@code k mod length}. An entry is
 * {@code "NAME"} or {@code "NAME V1 V2 ..."}: a value name of the first action dimension, then
 * the values of the others (0 where left out), e.g. {@code "rotate 2"}, {@code "attack 1"},
 * {@code "noop"} in the energy world.
 */
public final class ScriptPolicy implements BatchPolicy {
  private final int[][] script;
  private final int dims;
  private int[] next = new int[0];

  /**
   * @throws IllegalArgumentException naming the first entry the world's action cannot take
   *                                  (unknown name, a value out of range, a combination the
   *                                  world does not list as valid)
   */
  public ScriptPolicy(SessionSpec spec, List<String> entries) {
    ActionSpec actions = spec.world().actions();
    this.dims = actions.size();
    this.script = new int[entries.size()][];
    for (int i = 0; i < entries.size(); i++) {
      script[i] = parse(actions, spec, entries.get(i));
    }
  }

  private static int[] parse(ActionSpec actions, SessionSpec spec, String entry) {
    String[] words = entry.trim().split("\\s+");
    List<String> names = ActionTally.actionNames(spec);
    int action = names.indexOf(words[0]);
    if (action < 0) {
      throw new IllegalArgumentException("'" + entry + "': unknown action '" + words[0] + "'; " + spec.worldId()
          + "'s actions are " + String.join(", ", names));
    }
    if (words.length > actions.size()) {
      throw new IllegalArgumentException("'" + entry + "': " + (words.length - 1) + " value(s) after the action; "
          + spec.worldId() + "'s action has " + (actions.size() - 1) + " more dimension(s)");
    }
    int[] values = new int[actions.size()];
    values[0] = action;
    for (int d = 1; d < words.length; d++) {
      ActionDimension dim = actions.dimensions().get(d);
      int v;
      try {
        v = Integer.parseInt(words[d]);
      } catch (NumberFormatException e) {
        v = -1;
      }
      if (v < 0 || v >= dim.numValues()) {
        throw new IllegalArgumentException("'" + entry + "': " + dim.name() + " '" + words[d] + "' is not a number "
            + "from 0 to " + (dim.numValues() - 1));
      }
      values[d] = v;
    }
    List<List<Integer>> valid = actions.validCombinations();
    if (!valid.isEmpty() && !valid.contains(Arrays.stream(values).boxed().toList())) {
      List<String> same = new ArrayList<>();
      for (List<Integer> c : valid) {
        if (c.get(0) == action) {
          StringBuilder b = new StringBuilder(words[0]);
          for (int d = 1; d < c.size(); d++) {
            b.append(' ').append(c.get(d));
          }
          same.add("\"" + b + "\"");
        }
      }
      throw new IllegalArgumentException("'" + entry + "' is not one of " + spec.worldId() + "'s valid actions; with "
          + words[0] + ": " + String.join(", ", same));
    }
    return values;
  }

  @Override
  public void act(StepBatch observation, int[] actions) {
    int copies = observation.copies();
    int agents = observation.agents();
    if (next.length != copies) {
      next = new int[copies];
    }
    byte[] reset = observation.resetMask();
    for (int c = 0; c < copies; c++) {
      if (reset[c] != 0) {
        next[c] = 0;
      }
      int[] a = script[next[c]];
      for (int j = 0; j < agents; j++) {
        System.arraycopy(a, 0, actions, (c * agents + j) * dims, dims);
      }
      next[c] = (next[c] + 1) % script.length;
    }
  }
}
