package dev.kindred.env.energy;

import static dev.kindred.env.energy.EnergyKit.*;

import dev.kindred.env.Autoreset;
import dev.kindred.env.BatchedEnv;
import dev.kindred.env.WorldType;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A sanity timing, printed and never asserted (tests are not benchmarks): agent-steps per second
 * through BatchedEnv.step(int[]) with random valid actions and full observations, one thread.
 */
class EnergySpeedTest {

  static double agentStepsPerSecond(WorldType type, int copies, long millis) {
    EnergyWorld w = world(type, Map.of(), copies);
    BatchedEnv env = new BatchedEnv(w, Autoreset.NEXT_STEP, 1L, List.of());
    env.reset(null, null);
    int agents = w.spec().numAgents();
    SplittableRandom rng = new SplittableRandom(2);
    int pool = 64;
    int[][] actions = new int[pool][copies * agents * 2];
    for (int[] a : actions) {
      for (int i = 0; i < a.length; i += 2) {
        a[i] = rng.nextInt(ActionTable.COUNT);
        a[i + 1] = rng.nextInt(ActionTable.ARGUMENTS);
      }
    }
    long steps = 0;
    long warm = System.nanoTime() + millis * 1_000_000L / 2;
    while (System.nanoTime() < warm) {
      env.step(actions[(int) (steps++ % pool)]);
    }
    steps = 0;
    long start = System.nanoTime();
    long end = start + millis * 1_000_000L;
    long now;
    do {
      for (int k = 0; k < 64; k++) {
        env.step(actions[(int) (steps++ % pool)]);
      }
      now = System.nanoTime();
    } while (now < end);
    return steps * (double) copies * agents / ((now - start) / 1e9);
  }

  @Test
  void printsRoughSpeeds() {
    WorldType[] types = {new EnergyWorldType.S1(), new EnergyWorldType.S2(), new EnergyWorldType.S3()};
    long[] millis = {1000, 500, 500};
    for (int i = 0; i < types.length; i++) {
      double rate = agentStepsPerSecond(types[i], 1, millis[i]);
      System.out.printf("%s in-process, 1 thread, 1 copy: %.2f M agent-steps/s (sanity figure, not a benchmark)%n",
          types[i].id(), rate / 1e6);
    }
  }
}
