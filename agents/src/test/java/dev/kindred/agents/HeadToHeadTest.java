package dev.kindred.agents;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.VectorEnv;
import dev.kindred.env.WorldRegistry;
import dev.kindred.local.LocalVectorEnv;
import dev.kindred.stats.SampleStats;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Head-to-head by seats, swapped on the same seeds: symmetric for equal brains, decisive for unequal ones. */
class HeadToHeadTest {
  static final Map<String, Object> ROOM = Map.of("width", 9, "height", 9, "agents", 2, "altars", 1, "converters", 1,
      "green_generators", 2, "yellow_generators", 2, "walls", 0, "max_steps", 100);

  static HeadToHead.Brain forager(String name, long seed) {
    return new HeadToHead.Brain(name, s -> new ScriptedForager(s, seed));
  }

  static HeadToHead.Result play(HeadToHead.Brain a, HeadToHead.Brain b, int episodes) {
    try (VectorEnv env = LocalVectorEnv.create(WorldRegistry.builtIn(), "energy.room", ROOM, 8, 1)) {
      return HeadToHead.play(env, a, b, new int[] {0}, episodes, 21, "hearts", null);
    }
  }

  @Test
  void theForagerAgainstItselfIsSymmetricWithinTheInterval() {
    HeadToHead.Result r = play(forager("left", 5), forager("right", 6), 48);
    assertEquals(48, r.pairs());
    assertEquals(96, r.games());
    assertEquals(r.games(), r.wins()[0] + r.wins()[1] + r.draws());
    assertEquals(r.wins()[1], r.losses(0));
    assertArrayEquals(new int[] {0}, r.seats()[0]);
    assertArrayEquals(new int[] {1}, r.seats()[1]);
    double diff = SampleStats.mean(r.difference());
    double ci = SampleStats.ci95(r.difference());
    assertTrue(r.mean(0) > 1 && r.mean(1) > 1, "foragers earn hearts: " + r.mean(0) + ", " + r.mean(1));
    assertEquals(r.mean(0) - r.mean(1), diff, 1e-9);
    assertTrue(Math.abs(diff) <= ci, "difference " + diff + " ± " + ci + " excludes 0");
    assertTrue(Math.abs(r.mean(0) - r.mean(1)) <= Math.min(r.ci95(0), r.ci95(1)),
        r.mean(0) + " ± " + r.ci95(0) + " vs " + r.mean(1) + " ± " + r.ci95(1));
    // Wins against losses: within the sign test's 95% band.
    int decided = r.wins()[0] + r.wins()[1];
    assertTrue(Math.abs(r.wins()[0] - r.wins()[1]) <= 1.96 * Math.sqrt(decided),
        r.wins()[0] + " wins, " + r.wins()[1] + " losses");
    // Each brain played agents x pairs agent-episodes: one seat in each game of each pair.
    assertEquals(2L * r.pairs(), r.actions()[0].agentEpisodes());
    assertEquals(2L * r.pairs(), r.actions()[1].agentEpisodes());
  }

  @Test
  void theForagerBeatsRandomAndTheSameSeedGivesTheSameResult() {
    HeadToHead.Brain random = new HeadToHead.Brain("random", s -> new RandomPolicy(s, 3));
    HeadToHead.Result r = play(forager("forager", 5), random, 16);
    assertTrue(SampleStats.mean(r.difference()) - SampleStats.ci95(r.difference()) > 0,
        "forager " + r.mean(0) + " vs random " + r.mean(1));
    assertTrue(r.wins()[0] > r.wins()[1], r.wins()[0] + " vs " + r.wins()[1]);
    HeadToHead.Result again = play(forager("forager", 5), random, 16);
    assertArrayEquals(r.hearts()[0], again.hearts()[0]);
    assertArrayEquals(r.hearts()[1], again.hearts()[1]);
    assertArrayEquals(r.wins(), again.wins());
  }

  @Test
  void refusesSeatsThatLeaveABrainOut() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
      try (VectorEnv env = LocalVectorEnv.create(WorldRegistry.builtIn(), "energy.room", ROOM, 2, 1)) {
        HeadToHead.play(env, forager("a", 1), forager("b", 2), new int[] {0, 1}, 2, 1, "hearts", null);
      }
    });
    assertTrue(e.getMessage().contains("seats for both brains"), e.getMessage());
  }
}
