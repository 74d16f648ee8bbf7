package dev.kindred.agents;

import dev.kindred.env.ActionDimension;
import dev.kindred.env.SessionSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Actions attempted and actions that succeeded, by the value of the action's first dimension
 * (the energy world's action: noop, move, rotate, use, attack, shield, swap, give), summed over
 * whole agent-episodes: how often a policy tries each action and how often it works.
 */
public final class ActionTally {
  private final List<String> names;
  private final long[] attempts;
  private final long[] successes;
  private long agentEpisodes;

  /** A tally for the values of {@code spec}'s first action dimension ({@link #actionNames}). */
  public ActionTally(SessionSpec spec) {
    this(actionNames(spec));
  }

  public ActionTally(List<String> names) {
    this.names = List.copyOf(names);
    this.attempts = new long[names.size()];
    this.successes = new long[names.size()];
  }

  /** The names of the first action dimension's values (their indices where the spec names none). */
  public static List<String> actionNames(SessionSpec spec) {
    ActionDimension d = spec.world().actions().dimensions().get(0);
    List<String> names = new ArrayList<>();
    for (int v = 0; v < d.numValues(); v++) {
      names.add(v < d.valueNames().size() ? d.valueNames().get(v) : Integer.toString(v));
    }
    return names;
  }

  /** Adds agent {@code agent}'s actions over one ended episode. */
  public void add(Evaluation.EpisodeActions episode, int agent) {
    if (episode.values() != names.size()) {
      throw new IllegalArgumentException("the episode counts " + episode.values() + " action values; this tally "
          + names.size());
    }
    for (int v = 0; v < names.size(); v++) {
      attempts[v] += episode.attempts(agent, v);
      successes[v] += episode.successes(agent, v);
    }
    agentEpisodes++;
  }

  public List<String> names() {
    return names;
  }

  public long agentEpisodes() {
    return agentEpisodes;
  }

  public long attempts(int value) {
    return attempts[value];
  }

  public long successes(int value) {
    return successes[value];
  }

  /** Attempts of the value per agent-episode (NaN before any episode). */
  public double attemptsPerAgentEpisode(int value) {
    return agentEpisodes == 0 ? Double.NaN : attempts[value] / (double) agentEpisodes;
  }

  /** The fraction of the value's attempts that succeeded (NaN when it was never attempted). */
  public double successFraction(int value) {
    return attempts[value] == 0 ? Double.NaN : successes[value] / (double) attempts[value];
  }

  /**
   * The tally as JSON fields: for each action name, {@code attempts_per_agent_episode},
   * {@code success_fraction} (null when never attempted), {@code attempts} and {@code successes}.
   */
  public Map<String, Object> fields() {
    Map<String, Object> out = new LinkedHashMap<>();
    for (int v = 0; v < names.size(); v++) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("attempts_per_agent_episode", attemptsPerAgentEpisode(v));
      m.put("success_fraction", successFraction(v));
      m.put("attempts", attempts[v]);
      m.put("successes", successes[v]);
      out.put(names.get(v), m);
    }
    return out;
  }
}
