package dev.kindred.agents.ppo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.kindred.agents.nn.ActorCritic;
import dev.kindred.agents.nn.SplitMix;
import dev.kindred.env.VectorEnv;
import dev.kindred.env.WorldRegistry;
import dev.kindred.local.LocalVectorEnv;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A resumed run is a continuation (same parameters as the uninterrupted run, bit for bit), and a
 * non-finite minibatch is skipped without poisoning the optimizer or later updates.
 */
class ContinuationTest {

  static TrainConfig config() {
    TrainConfig c = new TrainConfig();
    c.world = "spin.lattice";
    c.worldConfig = new java.util.LinkedHashMap<>(Map.of("width", 4, "height", 4, "controlled", List.of(0, 5),
        "max_steps", 20));
    c.copies = 4;
    c.horizon = 8;
    c.steps = 4 * 8 * 6; // six updates
    c.checkpointEvery = 3;
    c.hidden = 8;
    c.selfplayFraction = 0.5;
    c.snapshotEvery = 1;
    c.poolSize = 2;
    c.opponentSampling = "pfsp";
    c.seed = 11;
    return c;
  }

  /** Stops a run at its first checkpoint, keeping what a checkpoint keeps. */
  static final class Crash extends RuntimeException {
    byte[] parameters;
    byte[] state;
    long steps;
    int updates;

    Crash() {
      super("crash after the first checkpoint", null, false, false);
    }
  }

  @ParameterizedTest(name = "overlap {0}")
  @ValueSource(booleans = {false, true})
  void aResumedRunEndsWithTheUninterruptedRunsParameters(boolean overlap) throws IOException {
    TrainConfig cfg = config();
    cfg.overlap = overlap;
    byte[] uninterrupted = train(cfg, null, false);
    Crash crash = crashAtFirstCheckpoint(cfg);
    assertEquals(3, crash.updates);
    byte[] resumed = train(cfg, crash, true);
    assertArrayEquals(uninterrupted, resumed, "resumed = uninterrupted");
    // Without the trainer's state (a fresh optimizer, pool and generator), it is not the same run.
    assertFalse(Arrays.equals(uninterrupted, train(cfg, crash, false)), "the state is what makes it a continuation");
  }

  /** Runs {@code cfg} until its first checkpoint and keeps what the checkpoint keeps. */
  static Crash crashAtFirstCheckpoint(TrainConfig cfg) throws IOException {
    Crash crash = new Crash();
    try (VectorEnv env = env(cfg); ActorCritic policy = cfg.newPolicy(env.spec(), cfg.seed);
        PpoTrainer trainer = new PpoTrainer(env, policy, cfg, 0, 0)) {
      trainer.train(new TrainingListener() {
        @Override
        public void iteration(PpoTrainer.Iteration it) {}

        @Override
        public void checkpoint(PpoTrainer t) throws IOException {
          crash.parameters = policy.saveParameters();
          crash.state = state(t);
          crash.steps = t.steps();
          crash.updates = t.updates();
          throw crash;
        }
      });
    } catch (Crash expected) {
      // the run died at its first checkpoint
    }
    return crash;
  }

  static byte[] train(TrainConfig cfg, Crash from, boolean restore) throws IOException {
    try (VectorEnv env = env(cfg); ActorCritic policy = cfg.newPolicy(env.spec(), cfg.seed);
        PpoTrainer trainer = new PpoTrainer(env, policy, cfg, from == null ? 0 : from.steps,
            from == null ? 0 : from.updates)) {
      if (from != null) {
        policy.loadParameters(from.parameters);
        if (restore) {
          trainer.restoreState(new DataInputStream(new ByteArrayInputStream(from.state)));
        }
      }
      trainer.train(TrainingListener.NONE);
      assertEquals(cfg.steps, trainer.steps());
      assertEquals(2, trainer.poolSize());
      return policy.saveParameters();
    }
  }

  static byte[] state(PpoTrainer t) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      t.saveState(out);
    }
    return bytes.toByteArray();
  }

  static VectorEnv env(TrainConfig cfg) {
    return LocalVectorEnv.create(WorldRegistry.builtIn(), cfg.world, cfg.worldConfig, cfg.copies, cfg.seed);
  }

  @Test
  void aNonFiniteMinibatchIsSkippedAndLeavesNoTrace() {
    TrainConfig cfg = config();
    cfg.selfplayFraction = 0;
    try (VectorEnv env = env(cfg); ActorCritic policy = cfg.newPolicy(env.spec(), cfg.seed)) {
      int rows = 8;
      RolloutBuffer b = new RolloutBuffer(4, rows, policy.encoder().vectorSize(), 0, 1, policy.logitCount());
      SplitMix random = new SplitMix(2);
      for (int i = 0; i < b.vec.length; i++) {
        b.vec[i] = (float) random.nextDouble();
      }
      Arrays.fill(b.masks, (byte) 1);
      Arrays.fill(b.learner, (byte) 1);
      for (int i = 0; i < b.size(); i++) {
        b.combos[i] = random.nextInt(policy.logitCount());
        b.logp[i] = (float) Math.log(1.0 / policy.logitCount());
        b.rewards[i] = (float) random.nextDouble();
      }
      b.rewards[5] = Float.NaN;
      b.computeAdvantages(0.9f, 0.9f);
      PpoUpdate ppo = new PpoUpdate(policy, cfg, b, 0, random);
      byte[] before = policy.saveParameters();
      PpoUpdate.Losses poisoned = ppo.update(b, new ReturnNormaliser(), 0);
      assertEquals(cfg.epochs * cfg.minibatches, poisoned.skipped(), "every minibatch is non-finite: all skipped");
      assertTrue(Double.isNaN(poisoned.policyLoss()));
      assertArrayEquals(before, policy.saveParameters(), "a skipped minibatch changes no parameter");
      b.rewards[5] = 0.5f;
      b.computeAdvantages(0.9f, 0.9f);
      PpoUpdate.Losses clean = ppo.update(b, new ReturnNormaliser(), 0);
      assertEquals(0, clean.skipped());
      assertFalse(Arrays.equals(before, policy.saveParameters()), "the next finite update learns");
      for (Pair<String, Parameter> p : policy.net().getParameters()) {
        NDArray a = p.getValue().getArray();
        for (float v : a.toFloatArray()) {
          assertTrue(Float.isFinite(v), p.getKey() + " is not finite: the NaN gradient survived");
        }
      }
    }
  }
}
