package dev.kindred.agents.cli;

import dev.kindred.agents.nn.ActorCritic;
import dev.kindred.agents.ppo.PpoTrainer;
import dev.kindred.agents.ppo.TrainConfig;
import dev.kindred.bench.BenchHarness;
import dev.kindred.bench.JsonLines;
import dev.kindred.bench.LoopbackServer;
import dev.kindred.cli.support.Cli;
import dev.kindred.env.StepBatch;
import dev.kindred.env.VectorEnv;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kindred bench train}: environment steps per second of PPO training end to end
 * (rollouts with inference, and updates) in process and over gRPC on loopback, and of
 * inference only (acting, no updates); where the time goes (env / inference / update); and the
 * process's resident memory before and after each case, to show native memory stays flat.
 */
@Command(name = "train",
    description = {
        "End-to-end PPO training throughput, in process and over gRPC, and inference alone.",
        "",
        "Environment steps per second of PPO training (rollouts with inference, and updates) in process and over "
            + "gRPC on loopback, and of inference only; where the time goes (env / inference / update); and the "
            + "resident memory over one long training run."})
final class TrainBench implements Callable<Integer> {

  @Option(names = "--config", paramLabel = "FILE|JSON",
      description = "training configuration (default agents/configs/energy-small.json's settings); repeatable")
  List<String> configs = new ArrayList<>();

  @Option(names = "--iterations", paramLabel = "N", description = "PPO iterations per run (default ${DEFAULT-VALUE})")
  int iterations = 8;

  @Option(names = "--runs", paramLabel = "N", description = "runs per case; the median is reported (default ${DEFAULT-VALUE})")
  int runs = 3;

  @Option(names = "--memory-iterations", paramLabel = "N",
      description = "iterations of one long in-process run sampled for resident memory and live NDArrays "
          + "(default ${DEFAULT-VALUE}; 0 skips it)")
  int memoryIterations = 120;

  @Option(names = "--json", description = "one JSON object per row")
  boolean json;

  @Override
  public Integer call() {
    Cli.positive("--iterations", iterations);
    Cli.positive("--runs", runs);
    Cli.atLeast("--memory-iterations", memoryIterations, 0);
    // energy-small.json as shipped (a copy on the classpath), with steps enough that the learning
    // rate does not decay during the measurement.
    TrainConfig cfg = new TrainConfig().apply(TrainConfig.readJson(energySmall())).apply(Map.of("steps", 100_000_000L));
    for (String c : configs) {
      cfg.apply(TrainConfig.readJson(c));
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    try (LoopbackServer server = LoopbackServer.start()) {
      String address = server.address();
      rows.add(measure("train.in-process", cfg, null, iterations, runs, false));
      rows.add(measure("train.grpc", cfg, address, iterations, runs, false));
      rows.add(measure("inference.in-process", cfg, null, iterations, runs, true));
    }
    if (memoryIterations > 0) {
      rows.add(memory(cfg, memoryIterations, json));
    }
    for (Map<String, Object> r : rows) {
      if (json) {
        System.out.println(JsonLines.write(r));
      }
    }
    if (!json) {
      System.out.printf(Locale.ROOT, "%-22s %-16s %10s %10s %10s %5s %14s %6s %6s %6s %12s%n", "name", "unit",
          "median", "min", "max", "runs", "agent-steps/s", "env", "infer", "update", "rss MiB");
      for (Map<String, Object> r : rows) {
        if (!r.get("unit").equals("copy_steps_per_s")) {
          continue;
        }
        System.out.printf(Locale.ROOT,
            "%-22s %-16s %10.0f %10.0f %10.0f %5d %14.0f %5.0f%% %5.0f%% %5.0f%% %5.0f -> %4.0f%n",
            r.get("name"), r.get("unit"), r.get("median"), r.get("min"), r.get("max"), r.get("runs"),
            r.get("agent_steps_per_s_median"),
            100 * (double) r.get("env_fraction"), 100 * (double) r.get("inference_fraction"),
            100 * (double) r.get("update_fraction"), r.get("rss_mib_start"), r.get("rss_mib_end"));
      }
      System.out.println("config: " + cfg.world + " " + cfg.worldConfig + ", " + cfg.copies + " copies, horizon "
          + cfg.horizon + ", epochs " + cfg.epochs + " x minibatches " + cfg.minibatches + ", encoder " + cfg.imageEncoder
          + ", self-play " + cfg.selfplayFraction + " with a full pool of " + cfg.poolSize + ", torch threads "
          + ai.djl.pytorch.jni.JniUtils.getNumThreads() + (cfg.overlap ? ", overlap on (the update runs beside the "
          + "rollout, so env + infer + update add up to more than 100% of the wall time)" : ", overlap off") + "; "
          + iterations + " iterations per run; copy_steps_per_s "
          + "counts steps of one copy (every agent of the copy acting once), agent-steps/s every agent's action");
    }
    return 0;
  }

  /** The text of agents/configs/energy-small.json, from the classpath. */
  static String energySmall() {
    try (java.io.InputStream in = TrainBench.class.getResourceAsStream("/configs/energy-small.json")) {
      if (in == null) {
        throw new IllegalStateException("configs/energy-small.json is not on the classpath; rebuild the agents module");
      }
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static Map<String, Object> measure(String name, TrainConfig cfg, String server, int iterations, int runs,
      boolean inferenceOnly) {
    double[] rates = new double[runs];
    double env = 0;
    double infer = 0;
    double update = 0;
    double rssStart = rssMiB();
    int agents = 0;
    for (int run = 0; run < runs; run++) {
      try (VectorEnv e = Envs.open(server, cfg.world, cfg.worldConfig, cfg.copies, cfg.seed + run);
          ActorCritic policy = cfg.newPolicy(e.spec(), cfg.seed)) {
        agents = e.agents();
        if (inferenceOnly) {
          StepBatch b = e.reset();
          int[] actions = new int[e.copies() * e.agents() * e.actionDimensions()];
          int steps = iterations * cfg.horizon;
          long t0 = System.nanoTime();
          long envNanos = 0;
          for (int t = 0; t < steps; t++) {
            policy.act(b, actions);
            long s = System.nanoTime();
            b = e.step(actions);
            envNanos += System.nanoTime() - s;
          }
          double seconds = (System.nanoTime() - t0) / 1e9;
          rates[run] = (double) steps * e.copies() / seconds;
          env += envNanos / 1e9 / seconds;
          infer += 1 - envNanos / 1e9 / seconds;
        } else {
          try (PpoTrainer trainer = new PpoTrainer(e, policy, cfg, 0, 0)) {
            trainer.fillPool(); // self-play as configured, with a full pool from the start
            trainer.iterate(); // warm-up
            long t0 = System.nanoTime();
            long s0 = trainer.steps();
            double en = 0;
            double in = 0;
            double up = 0;
            for (int i = 0; i < iterations; i++) {
              PpoTrainer.Iteration it = trainer.iterate();
              en += it.envSeconds();
              in += it.inferenceSeconds();
              up += it.updateSeconds();
            }
            trainer.finishUpdate(); // with overlap, the last rollout's update belongs to this run
            double seconds = (System.nanoTime() - t0) / 1e9;
            rates[run] = (trainer.steps() - s0) / seconds;
            env += en / seconds;
            infer += in / seconds;
            update += up / seconds;
          }
        }
      }
    }
    double[] sorted = rates.clone();
    Arrays.sort(sorted);
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("name", name);
    row.put("unit", "copy_steps_per_s");
    row.put("median", BenchHarness.median(rates));
    row.put("agent_steps_per_s_median", BenchHarness.median(rates) * agents);
    row.put("min", sorted[0]);
    row.put("max", sorted[sorted.length - 1]);
    row.put("runs", runs);
    row.put("env_fraction", env / runs);
    row.put("inference_fraction", infer / runs);
    row.put("update_fraction", update / runs);
    row.put("rss_mib_start", rssStart);
    row.put("rss_mib_end", rssMiB());
    row.put("agents_per_copy", agents);
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("world", cfg.world);
    config.put("world_config", cfg.worldConfig);
    config.put("copies", cfg.copies);
    config.put("horizon", cfg.horizon);
    config.put("iterations", iterations);
    config.put("selfplay_fraction", cfg.selfplayFraction);
    config.put("pool_size", cfg.poolSize);
    config.put("epochs", cfg.epochs);
    config.put("minibatches", cfg.minibatches);
    config.put("image_encoder", cfg.imageEncoder);
    config.put("overlap", cfg.overlap);
    config.put("torch_threads", ai.djl.pytorch.jni.JniUtils.getNumThreads());
    config.put("server", server == null ? "in-process" : "grpc-loopback");
    row.put("config", config);
    row.put("environment", BenchHarness.environment());
    return row;
  }

  /**
   * One long in-process training run (self-play on, as configured), sampled at about ten points:
   * resident set size, live NDArrays of the learner and of the snapshot pool, Java heap in use.
   * Native memory is flat when the RSS and the learner's array count stop growing after the
   * warm-up (the pool's grows only until it holds pool_size snapshots).
   */
  private static Map<String, Object> memory(TrainConfig base, int iterations, boolean json) {
    TrainConfig cfg = new TrainConfig().apply(base.toMap());
    if (cfg.selfplayFraction == 0) { // exercise the snapshot pool too: it must stay bounded
      cfg.apply(Map.of("selfplay_fraction", 0.5, "snapshot_every", 10, "pool_size", 5));
    }
    List<Map<String, Object>> samples = new ArrayList<>();
    int every = Math.max(1, iterations / 10);
    if (!json) {
      System.out.printf(Locale.ROOT, "memory over one training run of %d iterations (in process, self-play %.2f, "
          + "pool %d):%n", iterations, cfg.selfplayFraction, cfg.poolSize);
      System.out.printf(Locale.ROOT, "  %9s %11s %9s %14s %15s %9s %9s%n", "iteration", "env steps", "rss MiB",
          "learner arrays", "snapshot arrays", "pool", "heap MiB");
    }
    long t0 = System.nanoTime();
    try (VectorEnv e = Envs.open(null, cfg.world, cfg.worldConfig, cfg.copies, cfg.seed);
        ActorCritic policy = cfg.newPolicy(e.spec(), cfg.seed);
        PpoTrainer trainer = new PpoTrainer(e, policy, cfg, 0, 0)) {
      for (int i = 1; i <= iterations; i++) {
        trainer.iterate();
        if (i == 1 || i % every == 0 || i == iterations) {
          trainer.finishUpdate(); // with overlap: count the arrays with no update in flight
          Runtime rt = Runtime.getRuntime();
          int[] live = trainer.liveArrays();
          Map<String, Object> s = new LinkedHashMap<>();
          s.put("iteration", i);
          s.put("env_steps", trainer.steps());
          s.put("rss_mib", rssMiB());
          s.put("learner_arrays", live[0]);
          s.put("snapshot_arrays", live[1]);
          s.put("pool", trainer.poolSize());
          s.put("heap_mib", (rt.totalMemory() - rt.freeMemory()) / 1048576.0);
          samples.add(s);
          if (!json) {
            System.out.printf(Locale.ROOT, "  %9d %,11d %9.0f %14d %15d %9d %9.0f%n", i, trainer.steps(),
                (double) s.get("rss_mib"), live[0], live[1], trainer.poolSize(), (double) s.get("heap_mib"));
          }
        }
      }
    }
    // Growth over the second half of the run (after warm-up and, usually, a full pool).
    Map<String, Object> mid = samples.get(samples.size() / 2);
    Map<String, Object> end = samples.get(samples.size() - 1);
    double rssGrowth = (double) end.get("rss_mib") - (double) mid.get("rss_mib");
    int arrayGrowth = (int) end.get("learner_arrays") - (int) mid.get("learner_arrays");
    if (!json) {
      System.out.printf(Locale.ROOT, "  second half (iterations %d -> %d): rss %+.0f MiB, learner arrays %+d; %.0f s%n",
          (int) mid.get("iteration"), (int) end.get("iteration"), rssGrowth, arrayGrowth,
          (System.nanoTime() - t0) / 1e9);
    }
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("name", "train.memory");
    row.put("unit", "rss_mib");
    row.put("iterations", iterations);
    row.put("rss_growth_second_half_mib", rssGrowth);
    row.put("learner_array_growth_second_half", arrayGrowth);
    row.put("samples", samples);
    return row;
  }

  /** Resident set size of this process (native memory included), from /proc. */
  static double rssMiB() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // Not Linux: no figure.
    }
    return Double.NaN;
  }
}
