package dev.kindred.env;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kindred.env.EpisodeSummary;
import dev.kindred.env.StepBatch;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Stepping the copies of a session on several threads gives exactly the results of stepping
 * them one after another: observations, rewards, flags, success and episode statistics, with
 * autoresets in the middle, for every world family.
 */
class ParallelStepTest {
  static final ForkJoinPool POOL = new ForkJoinPool(3);

  @AfterAll
  static void stop() {
    POOL.shutdownNow();
  }

  private static BatchedEnv env(String worldId, Map<String, Object> config, int copies, Autoreset mode) {
    WorldRegistry registry = new WorldRegistry(List.of(new CounterWorld.Type(), WorldRegistry.builtIn().get("spin.lattice"),
        WorldRegistry.builtIn().get("energy.s3")));
    WorldType type = registry.get(worldId);
    return new BatchedEnv(type.create(type.schema().resolve(config), copies), mode, 77, List.of());
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"test.counter,NEXT_STEP", "spin.lattice,SAME_STEP", "energy.s3,NEXT_STEP", "energy.s3,SAME_STEP"})
  void parallelEqualsSequential(String worldId, Autoreset mode) {
    Map<String, Object> config = switch (worldId) {
      case "spin.lattice" -> Map.of("width", 8, "height", 8, "controlled", List.of(0, 5, 40), "max_steps", 7);
      case "energy.s3" -> Map.of("max_steps", 9);
      default -> Map.of("agents", 3, "max_steps", 4);
    };
    int copies = 13;
    BatchedEnv sequential = env(worldId, config, copies, mode);
    BatchedEnv parallel = env(worldId, config, copies, mode).stepCopiesOn(POOL, 0); // every step split
    int[] limits = sequential.spec().actions().dimensions().stream().mapToInt(ActionDimension::numValues).toArray();
    int[] actions = new int[copies * sequential.spec().numAgents() * limits.length];
    SplittableRandom rng = new SplittableRandom(5);
    same(sequential.reset(null, null), parallel.reset(null, null), -1);
    for (int t = 0; t < 40; t++) {
      for (int i = 0; i < actions.length; i++) {
        actions[i] = rng.nextInt(limits[i % limits.length]);
      }
      same(sequential.step(actions), parallel.step(actions), t);
    }
    assertEquals(sequential.episodesEnded(), parallel.episodesEnded());
  }

  private static void same(StepBatch a, StepBatch b, int t) {
    for (int i = 0; i < a.observationCount(); i++) {
      assertArrayEquals(a.observation(i).array(), b.observation(i).array(), a.observationName(i) + " at step " + t);
      if (a.hasFinalObservations()) {
        assertArrayEquals(a.finalObservation(i).array(), b.finalObservation(i).array(), "final " + t);
      }
    }
    assertArrayEquals(a.rewards(), b.rewards(), "rewards at step " + t);
    assertArrayEquals(a.terminated(), b.terminated());
    assertArrayEquals(a.truncated(), b.truncated(), "truncated at step " + t);
    assertArrayEquals(a.actionSuccess(), b.actionSuccess());
    assertArrayEquals(a.resetMask(), b.resetMask());
    assertEquals(describe(a), describe(b), "episodes at step " + t);
  }

  private static String describe(StepBatch batch) {
    StringBuilder out = new StringBuilder();
    for (EpisodeSummary e : batch.episodes()) {
      out.append(e.copy()).append(' ').append(e.episode()).append(' ').append(e.length()).append(' ')
          .append(e.terminated()).append(e.truncated()).append(java.util.Arrays.toString(e.returns()))
          .append(e.agentStats()).append(e.stats()).append('\n');
    }
    return out.toString();
  }
}
