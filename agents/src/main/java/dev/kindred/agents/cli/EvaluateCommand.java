package dev.kindred.agents.cli;

import dev.kindred.agents.ActiveInferenceSpinPolicy;
import dev.kindred.agents.BatchPolicy;
import dev.kindred.agents.Evaluation;
import dev.kindred.agents.RandomPolicy;
import dev.kindred.agents.ScriptedForager;
import dev.kindred.agents.nn.ActorCritic;
import dev.kindred.agents.ppo.Checkpoint;
import dev.kindred.agents.ppo.TrainConfig;
import dev.kindred.agents.report.SpinRulePlot;
import dev.kindred.bench.JsonLines;
import dev.kindred.cli.support.Cli;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.StepBatch;
import dev.kindred.env.TensorSpec;
import dev.kindred.env.VectorEnv;
import dev.kindred.stats.SampleStats;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kindred evaluate}: a checkpoint against baselines on its own world. Energy worlds:
 * hearts per agent-episode, mean ± 95% interval over at least {@code --episodes} episodes, for
 * the checkpoint, a random policy and the scripted forager. Spin worlds: reward per step
 * against random and the active-inference spin, and the learned P(up | neighbours) against
 * σ(2(ζ + γΣσ)) over every neighbour configuration (distance printed, PNG with both curves).
 */
@Command(name = "evaluate",
    description = {
        "Evaluate a checkpoint against random and scripted baselines on its own world.",
        "",
        "Energy worlds: hearts per agent-episode for the checkpoint, a random policy and the scripted forager. "
            + "Spin worlds: reward per step against random and the active-inference spin, and the learned "
            + "P(up | neighbours) against the active-inference rule (spin_rule.png in the run directory)."})
final class EvaluateCommand implements Callable<Integer> {

  @Option(names = "--checkpoint", paramLabel = "DIR", required = true, description = "run directory written by kindred train (required)")
  Path dir;

  @Option(names = "--episodes", paramLabel = "N",
      description = "evaluation episodes per policy (default ${DEFAULT-VALUE}; energy worlds)")
  int episodes = 100;

  @Option(names = "--steps", paramLabel = "N", description = "steps per copy (spin worlds; default ${DEFAULT-VALUE})")
  int steps = 1000;

  @Option(names = "--copies", paramLabel = "N", description = "copies of the world stepped together (default ${DEFAULT-VALUE})")
  int copies = 16;

  @Option(names = "--seed", paramLabel = "S", description = "seed of the world and the policies (default ${DEFAULT-VALUE})")
  long seed = 1_000_003;

  @Mixin
  ServerOption server = new ServerOption();

  @Option(names = "--greedy", description = "take the policy's most probable actions instead of sampling")
  boolean greedy;

  @Option(names = "--json", description = "one JSON object per row instead of the table")
  boolean json;

  @Override
  public Integer call() throws IOException {
    Cli.positive("--episodes", episodes);
    Cli.positive("--steps", steps);
    Cli.positive("--copies", copies);
    Checkpoint ck = Checkpoint.read(dir);
    TrainConfig cfg = new TrainConfig().apply(ck.config());
    try (VectorEnv env = server.open(cfg.world, cfg.worldConfig, copies, seed);
        ActorCritic policy = ck.policy(env.spec(), seed)) {
      policy.greedy(greedy);
      if (!json) {
        // Which parameters are evaluated: two runs that print the same figures must show why.
        System.out.printf(Locale.ROOT, "checkpoint %s: %d steps, %d updates, parameters sha256 %s%n", dir,
            ck.steps(), ck.updates(), Checkpoint.sha256(ck.parameters()).substring(0, 16));
      }
      if (env.spec().hasObservation("grid")) {
        List<Map<String, Object>> rows = new ArrayList<>();
        rows.add(hearts("checkpoint", policy, env, episodes, seed));
        rows.add(hearts("random", new RandomPolicy(env.spec(), seed), env, episodes, seed));
        rows.add(hearts("scripted_forager", new ScriptedForager(env.spec(), seed), env, episodes, seed));
        print(rows, json, dir, cfg.world);
      } else if (env.spec().hasObservation("neighbour_spins")) {
        int degree = env.spec().observation("neighbour_spins").shape()[0];
        List<Map<String, Object>> rows = new ArrayList<>();
        rows.add(rewardPerStep("checkpoint", policy, env, steps, seed));
        rows.add(rewardPerStep("random", new RandomPolicy(env.spec(), seed), env, steps, seed));
        rows.add(rewardPerStep("active_inference", new ActiveInferenceSpinPolicy(degree, true, seed), env, steps, seed));
        print(rows, json, dir, cfg.world);
        spinCurve(policy, env, dir.resolve("spin_rule.png"), json);
      } else {
        throw new IllegalArgumentException("evaluate knows energy worlds (grid) and spin worlds (neighbour_spins); "
            + cfg.world + " is neither");
      }
    }
    return 0;
  }


  /** Hearts per agent-episode over at least {@code episodes} completed episodes. */
  static Map<String, Object> hearts(String name, BatchPolicy policy, VectorEnv env, int episodes, long seed) {
    List<Double> perEpisode = new ArrayList<>();
    List<Double> returns = new ArrayList<>();
    Evaluation.episodes(policy, env, episodes, seed, e -> {
      double h = 0;
      double ret = 0;
      for (int a = 0; a < e.returns().length; a++) {
        Double v = e.agentStats().get(a).get("hearts");
        h += v == null ? 0 : v;
        ret += e.returns()[a];
      }
      perEpisode.add(h / e.returns().length);
      returns.add(ret / e.returns().length);
    });
    double[] hs = perEpisode.stream().mapToDouble(Double::doubleValue).toArray();
    double[] rs = returns.stream().mapToDouble(Double::doubleValue).toArray();
    Map<String, Object> row = row(name, "hearts_per_agent_episode", hs);
    row.put("episodes", hs.length);
    row.put("mean_return", SampleStats.mean(rs));
    return row;
  }

  /** Reward per agent-step; the interval from per-copy means. */
  static Map<String, Object> rewardPerStep(String name, BatchPolicy policy, VectorEnv env, int steps, long seed) {
    double[] sums = Evaluation.rewardPerAgentStep(policy, env, steps, seed);
    Map<String, Object> row = row(name, "reward_per_agent_step", sums);
    row.put("copies", sums.length);
    row.put("steps_per_copy", steps);
    return row;
  }

  /** A row of the table: the policy's mean of the metric over independent samples, with its 95% interval. */
  private static Map<String, Object> row(String policy, String metric, double[] samples) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("policy", policy);
    row.put("metric", metric);
    row.put("mean", SampleStats.mean(samples));
    row.put("ci95", SampleStats.ci95(samples));
    return row;
  }

  /**
   * P(up | neighbours) of the policy over every configuration of the neighbours of agent 0,
   * with the precisions it observes in the world, against the active-inference posterior.
   */
  static void spinCurve(ActorCritic policy, VectorEnv env, Path png, boolean json) throws IOException {
    SessionSpec spec = env.spec();
    StepBatch real = env.reset(7);
    int degree = spec.observation("neighbour_spins").shape()[0];
    ByteBuffer mask = real.observation("neighbour_mask");
    int present = 0;
    for (int j = 0; j < degree; j++) {
      present += mask.get(j) != 0 ? 1 : 0;
    }
    int configs = 1 << present;
    List<TensorSpec> observations = spec.observations();
    int n = observations.size();
    // One copy per configuration, one agent: agent 0's observation with its neighbours replaced.
    StepBatch b = new StepBatch(configs, 1, observations, false);
    int agents = spec.agents();
    for (int i = 0; i < n; i++) {
      int block = observations.get(i).copyBytes(1);
      for (int c = 0; c < configs; c++) {
        for (int k = 0; k < block; k++) {
          b.observation(i).put(c * block + k, real.observation(i).get(k));
        }
      }
    }
    int si = b.observationIndex("neighbour_spins");
    ByteBuffer prec = real.observation("neighbour_precisions");
    float prior = real.observation("prior_precision").getFloat(0);
    double[] sum = new double[configs];
    double[] target = new double[configs];
    for (int c = 0; c < configs; c++) {
      int bit = 0;
      double field = prior;
      for (int j = 0; j < degree; j++) {
        byte s = 0;
        if (mask.get(j) != 0) {
          s = (byte) (((c >> bit++) & 1) == 1 ? 1 : -1);
          field += prec.getFloat(4 * j) * s;
        }
        b.observation(si).put(c * degree + j, s);
        sum[c] += s;
      }
      target[c] = ActiveInferenceSpinPolicy.posteriorUp(field);
    }
    float[] vec = new float[configs * policy.encoder().vectorSize()];
    float[] grid = new float[0];
    policy.encoder().encode(b, vec, 0, grid, 0);
    float[] logits = new float[configs * policy.logitCount()];
    float[] values = new float[configs];
    policy.forward(vec, 0, grid, 0, configs, logits, values);
    double[] up = new double[configs];
    double maxDist = 0;
    double meanDist = 0;
    for (int c = 0; c < configs; c++) {
      double l0 = logits[c * 2];
      double l1 = logits[c * 2 + 1];
      up[c] = 1 / (1 + Math.exp(l0 - l1));
      double d = Math.abs(up[c] - target[c]);
      maxDist = Math.max(maxDist, d);
      meanDist += d / configs;
    }
    // Curves against the neighbours' spin sum (configurations with equal sums averaged).
    int levels = present + 1;
    double[] xs = new double[levels];
    double[] learned = new double[levels];
    double[] rule = new double[levels];
    int[] count = new int[levels];
    for (int c = 0; c < configs; c++) {
      int k = (int) Math.round((sum[c] + present) / 2);
      learned[k] += up[c];
      rule[k] += target[c];
      count[k]++;
    }
    System.out.println();
    System.out.println("P(up | neighbours), agent 0 (precisions as observed: prior " + prior + ")");
    System.out.println("  sum of neighbour spins   learned   active inference σ(2(ζ+γΣσ))");
    for (int k = 0; k < levels; k++) {
      xs[k] = 2 * k - present;
      learned[k] /= count[k];
      rule[k] /= count[k];
      System.out.printf(Locale.ROOT, "  %22.0f   %7.4f   %7.4f%n", xs[k], learned[k], rule[k]);
    }
    System.out.printf(Locale.ROOT, "distance over all %d neighbour configurations: max |ΔP| = %.4f, mean |ΔP| = %.4f%n",
        configs, maxDist, meanDist);
    if (json) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("metric", "spin_rule_distance");
      row.put("max_abs", maxDist);
      row.put("mean_abs", meanDist);
      row.put("configurations", configs);
      System.out.println(JsonLines.write(row));
    }
    SpinRulePlot.write(png, xs, learned, rule);
    System.out.println("plot: " + png);
  }

  private static void print(List<Map<String, Object>> rows, boolean json, Path dir, String world) {
    if (json) {
      for (Map<String, Object> r : rows) {
        Map<String, Object> out = new LinkedHashMap<>(r);
        out.put("checkpoint", dir.toString());
        out.put("world", world);
        System.out.println(JsonLines.write(out));
      }
      return;
    }
    System.out.println("evaluation of " + dir + " on " + world);
    System.out.printf(Locale.ROOT, "  %-18s %-26s %12s %10s %8s%n", "policy", "metric", "mean", "±95%", "n");
    for (Map<String, Object> r : rows) {
      Object n = r.containsKey("episodes") ? r.get("episodes") : r.get("copies");
      System.out.printf(Locale.ROOT, "  %-18s %-26s %12.4f %10.4f %8s%n", r.get("policy"), r.get("metric"),
          (Double) r.get("mean"), (Double) r.get("ci95"), n);
    }
  }
}
