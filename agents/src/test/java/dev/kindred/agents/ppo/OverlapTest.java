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
 * rollout stored under the parameters it should have acted with; a run is deterministic; the
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

  private static byte[] train(TrainConfig cfg) {
    try (VectorEnv env = env(cfg); ActorCritic policy = cfg.newPolicy(env.spec(), cfg.seed);
        PpoTrainer trainer = new PpoTrainer(env, policy, cfg, 0, 0)) {
      trainer.train(TrainingListener.NONE);
      assertEquals(5, trainer.updates(), "the last update is waited for");
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
