package dev.kindred.agents.ppo;

import dev.kindred.agents.ScriptedForager;
import dev.kindred.agents.nn.ActionHead;
import dev.kindred.agents.nn.ActorCritic;
import dev.kindred.agents.nn.SplitMix;
import dev.kindred.env.StepBatch;
import dev.kindred.env.VectorEnv;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BcScratchTest {
  static String env(String k, String d) { String v = System.getenv("BC_" + k); return v == null ? d : v; }
  @Test
  void bc() {
    TrainConfig cfg = new TrainConfig();
    cfg.world = "energy.room";
    cfg.worldConfig = new LinkedHashMap<>(Map.of("width", 9, "height", 9, "agents", 2, "altars", 1, "converters", 1,
        "green_generators", 2, "yellow_generators", 2, "walls", 0, "max_steps", 200));
    cfg.copies = 16;
    cfg.horizon = Integer.parseInt(env("horizon","256"));
    cfg.frontCell = Boolean.parseBoolean(env("front","true"));
    cfg.hidden = Integer.parseInt(env("hidden","128"));
    cfg.convChannels = Integer.parseInt(env("conv","16"));
    cfg.imageEncoder = env("enc","conv");
    cfg.teacher = "forager";
    if (!env("onehot", "").isEmpty()) cfg.oneHot = java.util.List.of(env("onehot", "").split(","));
    cfg.teacherWeight = 1;
    cfg.teacherAnneal = 100;
    cfg.epochs = 1;
    cfg.minibatches = 16;
    cfg.entropyCoef = 0;
    cfg.valueCoef = 0;
    cfg.learningRate = Double.parseDouble(env("lr","1e-3"));
    cfg.lrSchedule = "constant";
    try (VectorEnv env = ContinuationTest.env(cfg); ActorCritic policy = cfg.newPolicy(env.spec(), 1)) {
      RolloutBuffer train = collect(env, policy, cfg, 11);
      RolloutBuffer test = collect(env, policy, cfg, 12);
      PpoUpdate ppo = new PpoUpdate(policy, cfg, train, 0, new SplitMix(3));
      PpoUpdate probe = new PpoUpdate(policy, cfg, test, 0, new SplitMix(4));
      for (int epoch = 0; epoch < Integer.parseInt(env("epochs", "40")); epoch++) {
        PpoUpdate.Losses l = ppo.update(train, new ReturnNormaliser(), 0);
        if (epoch % 5 == 4) {
          byte[] saved = policy.saveParameters();
          TrainConfig zero = cfg;
          double lr = cfg.learningRate;
          cfg.learningRate = 0;
          PpoUpdate.Losses t = probe.update(test, new ReturnNormaliser(), 0);
          cfg.learningRate = lr;
          policy.loadParameters(saved);
          System.out.printf("BC epoch %d train CE %.3f test CE %.3f%n", epoch + 1, l.teacherLoss(), t.teacherLoss());
        }
      }
      confusion(policy, test);
    }
  }

  static void confusion(ActorCritic policy, RolloutBuffer b) {
    int rows = b.rows;
    float[] logits = new float[rows * b.heads];
    float[] values = new float[rows];
    ActionHead head = policy.head();
    long[][] conf = new long[16][16];
    for (int t = 0; t < b.horizon; t++) {
      int o = t * rows;
      policy.forward(b.vec, o * b.vecSize, b.grid, o * b.gridSize, rows, logits, values);
      for (int r = 0; r < rows; r++) {
        int label = b.teacher[o + r];
        if (label < 0) continue;
        int best = -1;
        for (int k = 0; k < b.heads; k++) {
          if (b.masks[(o + r) * b.heads + k] != 0 && (best < 0 || logits[r * b.heads + k] > logits[r * b.heads + best])) best = k;
        }
        int[] tl = head.combination(label);
        int[] pl = head.combination(best);
        int ti = tl[0] == 2 ? 4 + tl[1] : tl[0];
        int pi = pl[0] == 2 ? 4 + pl[1] : pl[0];
        conf[Math.min(15, ti)][Math.min(15, pi)]++;
      }
    }
    for (int i = 0; i < 16; i++) {
      long tot = 0;
      for (long c : conf[i]) tot += c;
      if (tot == 0) continue;
      StringBuilder sb = new StringBuilder("BCCONF teacher " + i + " n=" + tot + " :");
      for (int j = 0; j < 16; j++) if (conf[i][j] > 0) sb.append(" " + j + "=" + String.format("%.2f", conf[i][j] / (double) tot));
      System.out.println(sb);
    }
  }

  /** Forager-driven trajectories with the forager's labels. */
  static RolloutBuffer collect(VectorEnv env, ActorCritic policy, TrainConfig cfg, long seed) {
    int rows = env.copies() * env.agents();
    ActionHead head = policy.head();
    RolloutBuffer b = new RolloutBuffer(cfg.horizon, rows, policy.encoder().vectorSize(), policy.encoder().gridSize(),
        head.dimensions(), head.size());
    ScriptedForager f = new ScriptedForager(env.spec(), seed);
    int[] acts = new int[rows * head.dimensions()];
    StepBatch batch = env.reset(seed);
    int missing = 0;
    for (int t = 0; t < cfg.horizon; t++) {
      int o = t * rows;
      policy.encoder().encode(batch, b.vec, o * b.vecSize, b.grid, o * b.gridSize);
      head.readMasks(batch, rows, b.masks, o * b.heads);
      f.act(batch, acts);
      for (int r = 0; r < rows; r++) {
        int k = head.encode(acts, r * head.dimensions());
        boolean ok = k >= 0 && b.masks[(o + r) * b.heads + k] != 0;
        b.teacher[o + r] = ok ? k : -1;
        b.combos[o + r] = ok ? k : 0;
        b.learner[o + r] = 1;
        if (!ok) missing++;
      }
      batch = env.step(acts);
    }
    System.out.println("BC unlabelled " + missing + " of " + rows * cfg.horizon);
    return b;
  }
}
