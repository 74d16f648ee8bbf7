package dev.kindred.agents.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.kindred.agents.ppo.PpoTrainer;
import dev.kindred.agents.ppo.TrainConfig;
import dev.kindred.env.StepBatch;
import dev.kindred.env.VectorEnv;
import dev.kindred.env.WorldRegistry;
import dev.kindred.local.LocalVectorEnv;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Loaded parameters are the ones the network computes with: two policies with different
 * parameters give different action probabilities on one observation; after loading one's
 * parameters into the other they give the same; a loaded policy can be trained further
 * (resume) and its parameters then change.
 */
class LoadParametersTest {
  static final Map<String, Object> ENERGY = Map.of("width", 7, "height", 7, "agents", 2, "altars", 1,
      "converters", 1, "green_generators", 1, "yellow_generators", 1, "walls", 0, "max_steps", 50);

  private static float[] logits(ActorCritic p, StepBatch b) {
    int rows = b.copies() * b.agents();
    ObservationEncoder e = p.encoder();
    float[] vec = new float[rows * e.vectorSize()];
    float[] grid = new float[rows * e.gridSize()];
    e.encode(b, vec, 0, grid, 0);
    float[] l = new float[rows * p.logitCount()];
    p.forward(vec, 0, grid, 0, rows, l, new float[rows]);
    return l;
  }

  @Test
  void loadedParametersDriveTheForwardPassAndCanBeTrained() {
    try (VectorEnv env = LocalVectorEnv.create(WorldRegistry.builtIn(), "energy.room", ENERGY, 2, 5);
        ActorCritic a = new ActorCritic(env.spec(), List.of(), 16, 4, 1);
        ActorCritic b = new ActorCritic(env.spec(), List.of(), 16, 4, 2)) {
      StepBatch obs = env.reset(3);
      float[] la = logits(a, obs);
      float[] lb = logits(b, obs);
      assertFalse(Arrays.equals(la, lb), "different parameters must give different logits");
      b.loadParameters(a.saveParameters());
      assertArrayEquals(la, logits(b, obs), "after loading, b must compute with a's parameters");
      // Sampling with the same seed from the same parameters gives the same actions.
      int[] actA = new int[env.copies() * env.agents() * env.actionDimensions()];
      int[] actB = actA.clone();
      try (ActorCritic c = new ActorCritic(env.spec(), List.of(), 16, 4, 9);
          ActorCritic d = new ActorCritic(env.spec(), List.of(), 16, 4, 9)) {
        d.loadParameters(b.saveParameters());
        c.loadParameters(a.saveParameters());
        c.act(obs, actA);
        d.act(obs, actB);
        assertArrayEquals(actA, actB);
      }
      // Resume: the loaded parameters still take gradients.
      TrainConfig cfg = new TrainConfig();
      cfg.world = "energy.room";
      cfg.horizon = 8;
      cfg.epochs = 1;
      cfg.minibatches = 1;
      cfg.steps = 1000;
      byte[] before = b.saveParameters();
      try (PpoTrainer t = new PpoTrainer(env, b, cfg, 0, 0)) {
        t.iterate();
      }
      assertFalse(Arrays.equals(before, b.saveParameters()), "training a loaded policy must change it");
      // The source policy is untouched (the batch buffer is reused by the env: reset again).
      assertArrayEquals(la, logits(a, env.reset(3)));
    }
  }
}
