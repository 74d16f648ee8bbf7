package dev.kindred.agents.ppo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kindred.agents.nn.ActorCritic;
import dev.kindred.env.VectorEnv;
import dev.kindred.env.WorldRegistry;
import dev.kindred.local.LocalVectorEnv;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The trainer's parts on their own: GAE, return normalisation, and the training loop's reports. */
class PpoPartsTest {

  @Test
  void gaeBootstrapsTruncationsAndCutsAtEndsAndResets() {
    // One row, four steps, γ = 0.5, λ = 1: the episode is truncated after step 1, step 2 is the
    // reset step that follows (ignored), step 3 starts anew and bootstraps from the value after it.
    RolloutBuffer b = new RolloutBuffer(4, 1, 1, 0, 1, 2);
    float[] rewards = {1, 1, 0, 1};
    float[] values = {0, 0, 3, 0, 2};
    System.arraycopy(rewards, 0, b.rewards, 0, 4);
    System.arraycopy(values, 0, b.values, 0, 5);
    b.ended[1] = 1;
    b.ignored[2] = 1;
    b.computeAdvantages(0.5f, 1f);
    // t=3: 1 + 0.5*2 = 2; t=2: ignored; t=1: 1 + 0.5*3 (bootstrapped, trace cut) = 2.5; t=0: 1 + 0.5*2.5 = 2.25
    assertArrayEquals(new float[] {2.25f, 2.5f, 0, 2}, b.advantages);
    assertArrayEquals(new float[] {2.25f, 2.5f, 3, 2}, b.returns);
    b.terminated[3] = 1;
    b.ended[3] = 1;
    b.computeAdvantages(0.5f, 1f);
    assertEquals(1f, b.advantages[3], "a terminated episode does not bootstrap");
  }

  @Test
  void returnStatisticsStartAtTheFirstRolloutThenMoveByATenth() {
    ReturnNormaliser n = new ReturnNormaliser();
    float[] out = new float[2];
    n.denormalise(new float[] {0.5f, -1}, 2, out, 0);
    assertArrayEquals(new float[] {0.5f, -1}, out, "identity before any rollout");
    float[] returns = {1, 3, 100};
    n.update(returns, new int[] {0, 1}, 2); // mean 2, variance 1 (index 2 is not a learning step)
    assertArrayEquals(new double[] {2, 1, 1}, n.state());
    n.update(new float[] {12, 12}, new int[] {0, 1}, 2); // mean 12, variance floored at 1e-4
    assertArrayEquals(new double[] {3, 0.9 + 1e-5, 1}, n.state(), 1e-12);
    ReturnNormaliser back = new ReturnNormaliser();
    back.restore(n.state());
    assertArrayEquals(n.state(), back.state());
  }

  @Test
  void trainReportsEveryIterationAndCheckpointsWhenDue() throws Exception {
    TrainConfig cfg = new TrainConfig();
    cfg.world = "spin.lattice";
    cfg.worldConfig = new java.util.LinkedHashMap<>(Map.of("width", 4, "height", 4, "controlled", List.of(0)));
    cfg.copies = 2;
    cfg.horizon = 8;
    cfg.steps = 2 * 8 * 5; // five iterations
    cfg.checkpointEvery = 2;
    cfg.hidden = 8;
    cfg.inputs = List.of("neighbour_spins", "neighbour_precisions", "prior_precision");
    List<Integer> iterations = new ArrayList<>();
    List<Integer> checkpoints = new ArrayList<>();
    try (VectorEnv env = LocalVectorEnv.create(WorldRegistry.builtIn(), cfg.world, cfg.worldConfig, cfg.copies, 1);
        ActorCritic policy = cfg.newPolicy(env.spec(), 1);
        PpoTrainer trainer = new PpoTrainer(env, policy, cfg, 0, 0)) {
      trainer.train(new TrainingListener() {
        @Override
        public void iteration(PpoTrainer.Iteration it) {
          iterations.add(it.updates());
        }

        @Override
        public void checkpoint(PpoTrainer t) {
          checkpoints.add(t.updates());
        }
      });
      assertEquals(cfg.steps, trainer.steps());
    }
    assertEquals(List.of(1, 2, 3, 4, 5), iterations);
    assertEquals(List.of(2, 4, 5), checkpoints, "every checkpoint_every updates, and the last");
  }
}
