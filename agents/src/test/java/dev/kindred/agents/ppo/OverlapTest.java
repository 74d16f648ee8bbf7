package dev.kindred.agents.ppo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kindred.agents.nn.ActorCritic;
import dev.kindred.env.VectorEnv;
import dev.kindred.env.WorldRegistry;
import dev.kindred.local.LocalVectorEnv;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * {@code overlap}: rollout k+1 is collected while rollout k's update runs, so it acts with the
 * parameters of update k−1 (one update old) — checked by recomputing the log-probabilities the
 * rollout stored under the parameters it should have acted with; a run is deterministic, however
 * its two threads interleave (random pauses in the rollout, kickstarting and self-play on); the
 * trainer's state cannot be saved with an update in flight. (That a resumed overlapped run
 * continues the uninterrupted one bit for bit is in {@link ContinuationTest}; that it learns, in
 * {@link PpoLearningTest}.)
 */
class OverlapTest {

  private static TrainConfig config() {
    TrainConfig c = ContinuationTest.config();
    c.overlap = true;
    c.selfplayFraction = 0;
    c.steps = 1_000_000;
    return c;
  }

  private static VectorEnv env(TrainConfig cfg) {
    return LocalVectorEnv.create(WorldRegistry.builtIn(), cfg.world, cfg.worldConfig, cfg.copies, cfg.seed);
  }

  @Test
  void eachRolloutActsWithTheParametersOfTheUpdateBeforeLast() {
    TrainConfig cfg = config();
    try (VectorEnv env = env(cfg); ActorCritic policy = cfg.newPolicy(env.spec(), cfg.seed);
        PpoTrainer trainer = new PpoTrainer(env, policy, cfg, 0, 0)) {
      byte[] theta0 = policy.saveParameters();
      trainer.iterate(); // rollout 1 with θ0; update 1 starts
      assertEquals(0, trainer.updates(), "update 1 runs on while rollout 2 is collected");
      assertLogProbabilities(trainer, theta0, env, cfg, "rollout 1");
      trainer.iterate(); // rollout 2 with θ0 (update 1 in flight); then update 1 joins, update 2 starts
      assertEquals(1, trainer.updates());
      assertLogProbabilities(trainer, theta0, env, cfg, "rollout 2 (one update old)");
      byte[] theta1 = trainer.actingParameters();
      assertFalse(Arrays.equals(theta0, theta1), "update 1 changed the parameters");
      trainer.iterate(); // rollout 3 with θ1
      assertLogProbabilities(trainer, theta1, env, cfg, "rollout 3");
      trainer.finishUpdate();
      assertEquals(3, trainer.updates());
      assertArrayEquals(policy.saveParameters(), trainer.actingParameters(), "after the last update the actor catches up");
      // Refreshing the acting copy frees the arrays it replaces: the live count stays flat.
      int live = trainer.liveArrays()[0];
      for (int i = 0; i < 4; i++) {
        trainer.iterate();
        trainer.finishUpdate();
        assertEquals(live, trainer.liveArrays()[0], "live NDArrays after update " + trainer.updates());
      }
    }
  }

  /** The log-probability stored for each learning step equals the one {@code parameters} give. */
  private static void assertLogProbabilities(PpoTrainer trainer, byte[] parameters, VectorEnv env, TrainConfig cfg,
      String what) {
    RolloutBuffer b = trainer.lastRollout();
    try (ActorCritic p = cfg.newPolicy(env.spec(), cfg.seed)) {
      p.loadParameters(parameters);
      int rows = env.copies() * env.agents();
      int k = p.logitCount();
      float[] logits = new float[rows * k];
      float[] values = new float[rows];
      int checked = 0;
      for (int t = 0; t < cfg.horizon; t++) {
        int o = t * rows;
        p.forward(b.vec, o * b.vecSize, b.grid, o * b.gridSize, rows, logits, values);
        for (int r = 0; r < rows; r++) {
          int i = o + r;
          if (b.ignored[i] != 0) {
            continue;
          }
          double max = Double.NEGATIVE_INFINITY;
          for (int l = 0; l < k; l++) {
            if (b.masks[i * k + l] != 0) {
              max = Math.max(max, logits[r * k + l]);
            }
          }
          double sum = 0;
          for (int l = 0; l < k; l++) {
            if (b.masks[i * k + l] != 0) {
              sum += Math.exp(logits[r * k + l] - max);
            }
          }
          double expected = logits[r * k + b.combos[i]] - max - Math.log(sum);
          assertEquals(expected, b.logp[i], 1e-4, what + ": step " + t + ", row " + r);
          checked++;
        }
      }
      assertFalse(checked == 0, what + ": no learning step to check");
    }
  }

  @Test
  void twoOverlappedRunsWithOneSeedEndAlike() {
    TrainConfig cfg = config();
    cfg.steps = cfg.copies * cfg.horizon * 5L;
    assertArrayEquals(train(cfg), train(cfg));
  }

  /**
   * However the rollout and update threads interleave, an overlapped run with every feature that
   * shares the rollout thread with the update (kickstarting labels, self-play snapshots taken after
   * each update) ends with the same parameters: the second run's environment sleeps at random (a
   * generator seeded from the clock), so its rollouts finish sometimes long before the update in
   * flight, sometimes long after. A race between the two threads would show here.
   */
  @Test
  void anOverlappedRunDoesNotDependOnHowItsThreadsInterleave() {
    TrainConfig cfg = KickstartTest.config();
    cfg.overlap = true;
    cfg.selfplayFraction = 0.5;
    cfg.snapshotEvery = 1;
    cfg.poolSize = 2;
    cfg.epochs = 2;
    cfg.steps = cfg.copies * cfg.horizon * 8L;
    cfg.checkpointEvery = 4;
    java.util.List<String> undisturbedFigures = new java.util.ArrayList<>();
    byte[] undisturbed = train(cfg, env(cfg), undisturbedFigures);
    long clock = System.nanoTime();
    for (int run = 0; run < 2; run++) {
      java.util.Random pauses = new java.util.Random(clock + run);
      java.util.List<String> figures = new java.util.ArrayList<>();
      String what = "run " + run + " with random pauses (seed " + (clock + run) + ")";
      assertArrayEquals(undisturbed, train(cfg, new Dawdling(env(cfg), pauses), figures),
          what + " parted from the undisturbed run");
      assertEquals(undisturbedFigures, figures, what + ": the progress figures (curve.csv's) differ");
    }
  }

  /** An iteration's figures as curve.csv records them, but for the timings. */
  private static String figures(PpoTrainer.Iteration it) {
    return java.util.List.of(it.steps(), it.updates(), it.episodes(), it.meanReturn(), it.meanHearts(), it.rewardPerStep(),
        it.entropy(), it.policyLoss(), it.valueLoss(), it.approxKl(), it.clipFraction(), it.learningRate(),
        it.skippedMinibatches(), it.teacherLoss(), it.teacherAgreement()).toString();
  }

  /** An environment that sleeps before some steps: 0-2 ms often, up to 40 ms now and then. */
  private static final class Dawdling implements VectorEnv {
    private final VectorEnv env;
    private final java.util.Random pauses;

    Dawdling(VectorEnv env, java.util.Random pauses) {
      this.env = env;
      this.pauses = pauses;
    }

    @Override
    public dev.kindred.env.SessionSpec spec() {
      return env.spec();
    }

    @Override
    public dev.kindred.env.StepBatch reset(Long seed, int[] copies) {
      return env.reset(seed, copies);
    }

    @Override
    public dev.kindred.env.StepBatch step(int[] actions) {
      int roll = pauses.nextInt(100);
      try {
        if (roll < 3) {
          Thread.sleep(pauses.nextInt(41));
        } else if (roll < 30) {
          Thread.sleep(pauses.nextInt(3));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
      return env.step(actions);
    }

    @Override
    public void close() {
      env.close();
    }
  }

  private static byte[] train(TrainConfig cfg) {
    return train(cfg, env(cfg), new java.util.ArrayList<>());
  }

  private static byte[] train(TrainConfig cfg, VectorEnv environment, java.util.List<String> figures) {
    try (VectorEnv env = environment; ActorCritic policy = cfg.newPolicy(env.spec(), cfg.seed);
        PpoTrainer trainer = new PpoTrainer(env, policy, cfg, 0, 0)) {
      trainer.train(new TrainingListener() {
        @Override
        public void iteration(PpoTrainer.Iteration it) {
          figures.add(figures(it));
        }

        @Override
        public void checkpoint(PpoTrainer trainer) {}
      });
      assertEquals(cfg.steps / ((long) cfg.copies * cfg.horizon), trainer.updates(), "the last update is waited for");
      return policy.saveParameters();
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void theStateIsNotSavedWithAnUpdateInFlight() {
    TrainConfig cfg = config();
    try (VectorEnv env = env(cfg); ActorCritic policy = cfg.newPolicy(env.spec(), cfg.seed);
        PpoTrainer trainer = new PpoTrainer(env, policy, cfg, 0, 0)) {
      trainer.iterate();
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> trainer.saveState(new DataOutputStream(new ByteArrayOutputStream())));
      assertEquals("an update is in flight; call finishUpdate() before saving the trainer's state", e.getMessage());
      trainer.finishUpdate();
      assertEquals(1, trainer.updates());
    }
  }
}
