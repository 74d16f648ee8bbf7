package dev.kindred.bench;

import dev.kindred.env.Autoreset;
import dev.kindred.env.BatchedEnv;
import dev.kindred.env.Config;
import dev.kindred.env.World;
import dev.kindred.env.WorldRegistry;
import dev.kindred.env.WorldType;
import dev.kindred.replay.RecordingWorld;
import dev.kindred.replay.ReplaySink;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The CPU cost of recording replays, measured as CPU time rather than wall time, so that a
 * loaded machine (where the background writer waits for a core, and the stepping thread for it)
 * still gives the cost itself: one S1 copy stepped unrecorded and one recorded (every episode,
 * into a sink that drops the bytes) in alternating rounds in this JVM, the stepping thread's CPU
 * time per step of each, and the background writer thread's.
 */
final class RecordingCpu {
  private RecordingCpu() {}

  private static BatchedEnv env(String worldId, Map<String, Object> worldConfig, boolean record, long seed) {
    WorldType type = WorldRegistry.builtIn().get(worldId);
    Config config = type.schema().resolve(worldConfig);
    World world = type.create(config, 1);
    if (record) {
      world = new RecordingWorld(world, config, ReplaySink.discard(), "bench", RecordingWorld.EpisodeFilter.all());
    }
    BatchedEnv env = new BatchedEnv(world, Autoreset.NEXT_STEP, seed, List.of());
    env.reset(null, null);
    return env;
  }

  private static long writerCpu(ThreadMXBean mx) {
    long sum = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().equals("kindred-replay-writer")) {
        sum += Math.max(0, mx.getThreadCpuTime(t.getId()));
      }
    }
    return sum;
  }

  /**
   * The row: per round, the recorded stepping thread's extra CPU time as a percentage of the
   * unrecorded one's; details the medians of each in µs per step.
   */
  static BenchHarness.Row measure(String name, String worldId, Map<String, Object> worldConfig, int rounds,
      int stepsPerRound, long seed, Map<String, Object> config) {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    BatchedEnv[] envs = {env(worldId, worldConfig, false, seed), env(worldId, worldConfig, true, seed)};
    int agents = envs[0].spec().numAgents();
    int[][] table = EnergyBench.actionTable(1024, 1, agents, seed);
    double[] plain = new double[rounds];
    double[] recorded = new double[rounds];
    double[] writer = new double[rounds];
    double[] percent = new double[rounds];
    int warmup = Math.max(3, rounds / 5);
    for (int r = -warmup; r < rounds; r++) {
      for (int k = 0; k < 2; k++) {
        long w0 = writerCpu(mx);
        long c0 = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < stepsPerRound; i++) {
          envs[k].step(table[i & 1023]);
        }
        long c1 = mx.getCurrentThreadCpuTime();
        if (r >= 0) {
          double us = (c1 - c0) / 1e3 / stepsPerRound;
          if (k == 0) {
            plain[r] = us;
          } else {
            recorded[r] = us;
            writer[r] = (writerCpu(mx) - w0) / 1e3 / stepsPerRound;
          }
        }
      }
      if (r >= 0) {
        percent[r] = 100 * (recorded[r] / plain[r] - 1);
      }
    }
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("plain_us_per_step", BenchHarness.median(plain));
    extra.put("recorded_us_per_step", BenchHarness.median(recorded));
    extra.put("writer_thread_us_per_step", BenchHarness.median(writer));
    return BenchHarness.Row.of(name, "percent_cpu", percent, stepsPerRound, config, extra);
  }
}
