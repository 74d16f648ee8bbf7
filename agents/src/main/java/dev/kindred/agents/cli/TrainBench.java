package dev.kindred.agents.cli;

import dev.kindred.agents.nn.ActorCritic;
import dev.kindred.agents.ppo.PpoTrainer;
import dev.kindred.agents.ppo.TrainConfig;
import dev.kindred.bench.BenchHarness;
import dev.kindred.bench.Json;
import dev.kindred.client.StepBatch;
import dev.kindred.client.VectorEnv;
import dev.kindred.env.WorldRegistry;
import dev.kindred.server.KindredServer;
import dev.kindred.server.ServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code kindred bench train}: environment steps per second of PPO training end to end
 * (rollouts with inference, and updates) in process and over gRPC on loopback, and of
 * inference only (acting, no updates); where the time goes (env / inference / update); and the
 * process's resident memory before and after each case, to show native memory stays flat.
 */
final class TrainBench {
  private TrainBench() {}

  static final String USAGE = """
      Usage: kindred bench train [--config FILE|JSON] [--iterations N] [--runs N] [--json]

        --config      training configuration (default agents/configs/energy-small.json's settings)
        --iterations  PPO iterations per run (default 8)
        --runs        runs per case; the median is reported (default 3)
        --json        one JSON object per row
      """;

  static int run(String[] args) throws IOException {
    if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
      System.out.print(USAGE);
      return 0;
    }
    Flags f = new Flags(args, Flags.set("config", "iterations", "runs"), Flags.set("json"), USAGE);
    TrainConfig cfg = new TrainConfig().apply(TrainConfig.readJson("""
        {"world": "energy.room", "world_config": {"width": 9, "height": 9, "agents": 2, "altars": 1,
         "converters": 1, "green_generators": 2, "yellow_generators": 2, "walls": 0, "max_steps": 200},
         "copies": 16, "horizon": 64, "hidden": 128, "conv_channels": 16, "steps": 100000000}"""));
    for (String c : f.all("config")) {
      cfg.apply(TrainConfig.readJson(c));
    }
    int iterations = (int) f.longValue("iterations", 8);
    int runs = (int) f.longValue("runs", 3);
    boolean json = f.has("json");
    List<Map<String, Object>> rows = new ArrayList<>();
    try (KindredServer server = KindredServer.start(ServerConfig.builder().port(0).host("127.0.0.1").build(),
        WorldRegistry.builtIn())) {
      String address = "127.0.0.1:" + server.port();
      rows.add(measure("train.in-process", cfg, null, iterations, runs, false));
      rows.add(measure("train.grpc", cfg, address, iterations, runs, false));
      rows.add(measure("inference.in-process", cfg, null, iterations, runs, true));
    }
    for (Map<String, Object> r : rows) {
      if (json) {
        System.out.println(Json.write(r));
      }
    }
    if (!json) {
      System.out.printf(Locale.ROOT, "%-22s %-16s %10s %10s %10s %5s %6s %6s %6s %12s%n", "name", "unit", "median",
          "min", "max", "runs", "env", "infer", "update", "rss MiB");
      for (Map<String, Object> r : rows) {
        System.out.printf(Locale.ROOT, "%-22s %-16s %10.0f %10.0f %10.0f %5d %5.0f%% %5.0f%% %5.0f%% %5.0f -> %4.0f%n",
            r.get("name"), r.get("unit"), r.get("median"), r.get("min"), r.get("max"), r.get("runs"),
            100 * (double) r.get("env_fraction"), 100 * (double) r.get("inference_fraction"),
            100 * (double) r.get("update_fraction"), r.get("rss_mib_start"), r.get("rss_mib_end"));
      }
      System.out.println("config: " + cfg.world + " " + cfg.worldConfig + ", " + cfg.copies + " copies, horizon "
          + cfg.horizon + ", " + iterations + " iterations per run; env_steps_per_s counts copy-steps (x agents "
          + "for agent-steps)");
    }
    return 0;
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
          ActorCritic policy = new ActorCritic(e.spec(), cfg.inputs, cfg.hidden, cfg.convChannels, cfg.seed)) {
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
    row.put("unit", "env_steps_per_s");
    row.put("median", BenchHarness.median(rates));
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
    config.put("server", server == null ? "in-process" : "grpc-loopback");
    row.put("config", config);
    row.put("environment", BenchHarness.environment());
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
