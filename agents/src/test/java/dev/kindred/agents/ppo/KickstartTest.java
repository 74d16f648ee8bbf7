package dev.kindred.agents.ppo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.agents.ScriptedForager;
import dev.kindred.agents.nn.ActionHead;
import dev.kindred.agents.nn.ActorCritic;
import dev.kindred.env.StepBatch;
import dev.kindred.env.VectorEnv;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Kickstarting from the scripted forager: the labels are the forager's actions on the learner's
 * own states, the loss term teaches them, its weight anneals, and a resumed run is still a
 * continuation.
 */
class KickstartTest {

  static TrainConfig config() {
    TrainConfig c = new TrainConfig();
    c.world = "energy.room";
    c.worldConfig = new LinkedHashMap<>(Map.of("width", 7, "height", 7, "agents", 2, "altars", 1, "converters", 1,
        "green_generators", 1, "yellow_generators", 1, "walls", 0, "max_steps", 40));
    c.copies = 4;
    c.horizon = 16;
    c.hidden = 32;
    c.convChannels = 8;
    c.frontCell = true;
    c.teacher = "forager";
    c.teacherWeight = 2.0;
    c.teacherAnneal = 0.5;
    c.seed = 5;
    return c;
  }

  @Test
  void theTeachersWeightFallsLinearlyToZeroAndIsZeroWithoutATeacher() {
    TrainConfig c = new TrainConfig();
    c.teacher = "forager";
    c.teacherWeight = 4;
    c.teacherAnneal = 0.5;
    assertEquals(4.0, c.teacherWeightAt(0), 1e-12);
    assertEquals(2.0, c.teacherWeightAt(0.25), 1e-12);
    assertEquals(0.0, c.teacherWeightAt(0.5), 1e-12);
    assertEquals(0.0, c.teacherWeightAt(0.9), 1e-12);
    c.teacher = "none";
    assertEquals(0.0, c.teacherWeightAt(0), 1e-12);
  }

  @Test
  void aWorldTheTeacherCannotPlayIsRefusedBeforeAnyStep() {
    TrainConfig cfg = ContinuationTest.config(); // spin.lattice
    cfg.teacher = "forager";
    try (VectorEnv env = ContinuationTest.env(cfg); ActorCritic policy = cfg.newPolicy(env.spec(), cfg.seed)) {
      IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> new PpoTrainer(env, policy, cfg, 0, 0));
      assertEquals("the scripted forager needs the energy world's 'grid' or 'tokens' observation; spin.lattice has "
          + "neither",
          e.getMessage());
    }
  }

  @Test
  void anUnknownTeacherIsRefusedNamingTheChoices() {
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new TrainConfig().apply(Map.of("teacher", "oracle")));
    assertTrue(e.getMessage().contains("none or forager"), e.getMessage());
  }

  /**
   * Replays the first rollout's actions in a second copy of the world and asks a forager seeded
   * as the trainer's teacher is: every learner row the mask allows carries exactly its action; no
   * other row (a snapshot's, a reset step's) carries a label.
   */
  @Test
  void labelsAreTheForagersActionsOnTheLearnersOwnStates() {
    TrainConfig cfg = config();
    cfg.selfplayFraction = 0.5;
    cfg.poolSize = 2;
    cfg.steps = (long) cfg.copies * cfg.horizon * 3;
    try (VectorEnv env = ContinuationTest.env(cfg); VectorEnv replay = ContinuationTest.env(cfg);
        ActorCritic policy = cfg.newPolicy(env.spec(), cfg.seed);
        PpoTrainer trainer = new PpoTrainer(env, policy, cfg, 0, 0)) {
      trainer.fillPool(); // some copies play a snapshot: their rows are not the learner's
      long seed = trainer.episodeSeed();
      trainer.iterate();
      RolloutBuffer b = trainer.lastRollout();
      ActionHead head = policy.head();
      int rows = env.copies() * env.agents();
      ScriptedForager teacher = new ScriptedForager(env.spec(), PpoTrainer.teacherSeed(seed));
      int[] teacherActions = new int[rows * head.dimensions()];
      int[] step = new int[rows * b.dims];
      int labelled = 0;
      int others = 0;
      StepBatch batch = replay.reset(seed);
      for (int t = 0; t < b.horizon; t++) {
        int o = t * rows;
        teacher.act(batch, teacherActions);
        for (int r = 0; r < rows; r++) {
          int k = head.encode(teacherActions, r * head.dimensions());
          boolean allowed = k >= 0 && b.learns(o + r) && b.masks[(o + r) * b.heads + k] != 0;
          assertEquals(allowed ? k : -1, b.teacher[o + r], "step " + t + " row " + r);
          labelled += allowed ? 1 : 0;
          others += b.learns(o + r) ? 0 : 1;
        }
        System.arraycopy(b.actions, o * b.dims, step, 0, step.length);
        batch = replay.step(step);
      }
      assertTrue(labelled > rows * b.horizon / 4, "many learner rows carry a label: " + labelled);
      assertTrue(others > 0, "some rows were not the learner's (snapshots, reset steps)");
    }
  }

  /**
   * On rollouts the forager drove (advantages 0, so the PPO term is silent), updates with the
   * teacher term halve the policy's cross-entropy to the forager's actions, read from the
   * network's own logits; the same updates without a teacher do not.
   */
  @Test
  void theTeacherTermTeachesTheForagersChoices() {
    TrainConfig cfg = config();
    cfg.copies = 8;
    cfg.horizon = 64;
    cfg.teacherWeight = 5;
    cfg.teacherAnneal = 10;
    cfg.learningRate = 3e-3;
    cfg.lrSchedule = "constant";
    cfg.entropyCoef = 0;
    cfg.oneHot = List.of("globals.orientation");
    double[] taught = crossEntropyBeforeAndAfter(cfg);
    cfg.teacher = "none";
    double[] untaught = crossEntropyBeforeAndAfter(cfg);
    assertEquals(taught[0], untaught[0], 1e-9, "the same untrained policy");
    assertTrue(taught[0] > 1.2, "an untrained policy is near uniform over the allowed actions: " + taught[0]);
    assertTrue(taught[1] < 0.5 * taught[0], "the cross-entropy to the teacher halves: " + taught[0] + " -> " + taught[1]);
    assertTrue(untaught[1] > 0.9 * untaught[0], "without the teacher term it does not: " + untaught[0] + " -> "
        + untaught[1]);
  }

  /** The policy's cross-entropy to the forager on forager-driven data, before and after 30 updates on it. */
  private static double[] crossEntropyBeforeAndAfter(TrainConfig cfg) {
    try (VectorEnv env = ContinuationTest.env(cfg); ActorCritic policy = cfg.newPolicy(env.spec(), cfg.seed)) {
      RolloutBuffer b = foragerRollout(env, policy, cfg.horizon, 3);
      double before = crossEntropy(policy, b);
      PpoUpdate ppo = new PpoUpdate(policy, cfg, b, 0, new dev.kindred.agents.nn.SplitMix(9));
      for (int u = 0; u < 30; u++) {
        ppo.update(b, new ReturnNormaliser(), 0);
      }
      return new double[] {before, crossEntropy(policy, b)};
    }
  }

  /** A rollout the forager drove, each row labelled with the forager's action and drawn as it. */
  private static RolloutBuffer foragerRollout(VectorEnv env, ActorCritic policy, int horizon, long seed) {
    int rows = env.copies() * env.agents();
    ActionHead head = policy.head();
    RolloutBuffer b = new RolloutBuffer(horizon, rows, policy.encoder().vectorSize(), policy.encoder().gridSize(),
        head.dimensions(), head.size());
    ScriptedForager forager = new ScriptedForager(env.spec(), seed);
    int[] actions = new int[rows * head.dimensions()];
    StepBatch batch = env.reset(seed);
    for (int t = 0; t < horizon; t++) {
      int o = t * rows;
      policy.encoder().encode(batch, b.vec, o * b.vecSize, b.grid, o * b.gridSize);
      head.readMasks(batch, rows, b.masks, o * b.heads);
      forager.act(batch, actions);
      for (int r = 0; r < rows; r++) {
        int k = head.encode(actions, r * head.dimensions());
        boolean allowed = k >= 0 && b.masks[(o + r) * b.heads + k] != 0;
        b.teacher[o + r] = allowed ? k : -1;
        b.combos[o + r] = allowed ? k : 0;
        b.logp[o + r] = (float) Math.log(1.0 / head.size());
        b.learner[o + r] = 1;
      }
      batch = env.step(actions);
    }
    return b; // rewards, values and so advantages all 0
  }

  /** Mean over labelled rows of -log pi(teacher's action), from the network's logits and the row's mask. */
  private static double crossEntropy(ActorCritic policy, RolloutBuffer b) {
    float[] logits = new float[b.rows * b.heads];
    float[] values = new float[b.rows];
    double sum = 0;
    int n = 0;
    for (int t = 0; t < b.horizon; t++) {
      int o = t * b.rows;
      policy.forward(b.vec, o * b.vecSize, b.grid, o * b.gridSize, b.rows, logits, values);
      for (int r = 0; r < b.rows; r++) {
        int label = b.teacher[o + r];
        if (label < 0) {
          continue;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < b.heads; k++) {
          if (b.masks[(o + r) * b.heads + k] != 0) {
            max = Math.max(max, logits[r * b.heads + k]);
          }
        }
        double z = 0;
        for (int k = 0; k < b.heads; k++) {
          if (b.masks[(o + r) * b.heads + k] != 0) {
            z += Math.exp(logits[r * b.heads + k] - max);
          }
        }
        sum += max + Math.log(z) - logits[r * b.heads + label];
        n++;
      }
    }
    return sum / n;
  }

  @Test
  void aResumedKickstartedRunEndsWithTheUninterruptedRunsParameters() throws IOException {
    TrainConfig cfg = config();
    cfg.steps = (long) cfg.copies * cfg.horizon * 6;
    cfg.checkpointEvery = 3;
    cfg.selfplayFraction = 0.5;
    cfg.snapshotEvery = 1;
    cfg.poolSize = 2;
    byte[] uninterrupted = ContinuationTest.train(cfg, null, false);
    ContinuationTest.Crash crash = ContinuationTest.crashAtFirstCheckpoint(cfg);
    assertArrayEquals(uninterrupted, ContinuationTest.train(cfg, crash, true), "resumed = uninterrupted");
  }

  private static double mean(List<Double> v) {
    return v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }
}
