package dev.kindred.agents;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.EpisodeSummary;
import dev.kindred.env.StepBatch;
import dev.kindred.env.VectorEnv;
import dev.kindred.env.WorldRegistry;
import dev.kindred.local.LocalVectorEnv;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The actions counted per episode are the ones taken, episode by episode, as the world saw them. */
class EvaluationTest {
  static final Map<String, Object> ALTAR_ONLY = Map.of("max_steps", 30);

  @Test
  void countsEachEpisodesActionsAsTheWorldSawThem() {
    int copies = 3;
    List<EpisodeSummary> summaries = new ArrayList<>();
    List<Evaluation.EpisodeActions> counted = new ArrayList<>();
    try (VectorEnv env = LocalVectorEnv.create(WorldRegistry.builtIn(), "energy.altar_only", ALTAR_ONLY, copies, 4)) {
      // Two rounds of episodes: the step between them only resets the copies, and must not count.
      Evaluation.episodes(new RandomPolicy(env.spec(), 9), env, 2 * copies, 17, (e, a) -> {
        summaries.add(e);
        counted.add(a);
      });
    }
    assertEquals(2 * copies, summaries.size());
    int values = 8;
    for (int i = 0; i < summaries.size(); i++) {
      EpisodeSummary e = summaries.get(i);
      Evaluation.EpisodeActions a = counted.get(i);
      assertEquals(4, a.agents());
      assertEquals(values, a.values());
      for (int agent = 0; agent < 4; agent++) {
        Map<String, Double> stats = e.agentStats().get(agent);
        // One action per agent per step of the episode.
        assertEquals(e.length(), a.attempts(agent), "episode " + i + " agent " + agent);
        long failed = 0;
        for (int v = 0; v < values; v++) {
          failed += a.attempts(agent, v) - a.successes(agent, v);
        }
        // The world counts the actions that had no effect, and the altar's uses (its only object).
        assertEquals(stats.get("actions_failed"), (double) failed, "episode " + i + " agent " + agent);
        assertEquals(stats.get("hearts"), (double) a.successes(agent, 3), "episode " + i + " agent " + agent);
      }
    }

    // The first round against a plain loop over the same seeds: every action sent, every success.
    try (VectorEnv env = LocalVectorEnv.create(WorldRegistry.builtIn(), "energy.altar_only", ALTAR_ONLY, copies, 4)) {
      BatchPolicy policy = new RandomPolicy(env.spec(), 9);
      long[][] attempts = new long[copies][4 * values];
      long[][] successes = new long[copies][4 * values];
      int[] actions = new int[copies * 4 * 2];
      StepBatch b = env.reset(17);
      for (int t = 0; t < 30; t++) {
        policy.act(b, actions);
        b = env.step(actions);
        for (int row = 0; row < copies * 4; row++) {
          int k = (row % 4) * values + actions[2 * row];
          attempts[row / 4][k]++;
          successes[row / 4][k] += b.actionSuccess()[row];
        }
      }
      for (int i = 0; i < copies; i++) {
        int c = summaries.get(i).copy();
        assertArrayEquals(attempts[c], counted.get(i).attempts(), "copy " + c);
        assertArrayEquals(successes[c], counted.get(i).successes(), "copy " + c);
      }
    }
  }

  @Test
  void talliesPerAgentEpisode() {
    ActionTally tally = new ActionTally(List.of("a", "b", "c"));
    tally.add(new Evaluation.EpisodeActions(2, 3, new long[] {4, 0, 6, 1, 1, 8}, new long[] {2, 0, 6, 1, 0, 8}), 0);
    tally.add(new Evaluation.EpisodeActions(2, 3, new long[] {4, 0, 6, 1, 1, 8}, new long[] {2, 0, 6, 1, 0, 8}), 1);
    assertEquals(2, tally.agentEpisodes());
    assertEquals(2.5, tally.attemptsPerAgentEpisode(0));
    assertEquals(0.6, tally.successFraction(0), 1e-12);
    assertEquals(0.5, tally.attemptsPerAgentEpisode(1));
    assertEquals(0.0, tally.successFraction(1));
    assertEquals(7.0, tally.attemptsPerAgentEpisode(2));
    assertEquals(1.0, tally.successFraction(2));
    assertTrue(Double.isNaN(new ActionTally(List.of("x")).successFraction(0)), "never attempted: no fraction");
    @SuppressWarnings("unchecked")
    Map<String, Object> a = (Map<String, Object>) tally.fields().get("a");
    assertEquals(Map.of("attempts_per_agent_episode", 2.5, "success_fraction", 0.6, "attempts", 5L, "successes", 3L),
        a);
  }
}
