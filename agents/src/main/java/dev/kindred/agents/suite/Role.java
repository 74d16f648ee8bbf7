package dev.kindred.agents.suite;

import java.util.List;

/**
 * Agents of a test that are not under test (an attacker, a relative in need): their seats and
 * who plays them, either a built-in brain ({@link #BRAINS}) or a script, a cycle of actions
 * written {@code "NAME"} or {@code "NAME ARGUMENT"} with the world's action names (the energy
 * world's {@code "rotate 2"}: turn to face down; {@code "attack 1"}: attack the cell in front),
 * restarted at every episode's start. Exactly one of {@code brain} and {@code script} is set.
 */
public record Role(List<Integer> seats, String brain, List<String> script) {

  /** The built-in brains a role may name: the same baselines a scorecard's columns may be. */
  public static final List<String> BRAINS = Brain.BUILT_IN;

  public Role {
    seats = List.copyOf(seats);
    script = script == null ? null : List.copyOf(script);
  }

  /** How the role is played, in words for the scorecard's records. */
  public String describe() {
    return brain != null ? brain : "script " + script;
  }
}
