package dev.kindred.agents.ppo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.agents.nn.ActorCritic;
import dev.kindred.env.VectorEnv;
import dev.kindred.env.WorldRegistry;
import dev.kindred.local.LocalVectorEnv;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The surprise-minimisation auxiliary: with {@code aux_surprise_weight > 0} the next-observation
 * predictor's loss falls over training and {@code -weight x} its error is added to every step's
 * reward; with the default 0 nothing changes.
 */
class SurpriseAuxTest {
  static TrainConfig config(double weight) {
    TrainConfig c = new TrainConfig();
    c.world = "spin.lattice";
    c.worldConfig = new java.util.LinkedHashMap<>(Map.of("width", 6, "height", 6, "beta", 0.6,
        "controlled", List.of(0, 7), "max_steps", 50));
    c.copies = 8;
    c.horizon = 32;
    c.steps = 1_000_000;
    c.seed = 3;
    c.hidden = 16;
    c.auxSurpriseWeight = weight;
    c.auxLearningRate = 3e-3;
    return c;
  }

  @Test
  void predictorLearnsAndItsErrorIsADenseNegativeReward() {
    TrainConfig off = config(0);
    TrainConfig on = config(0.5);
    try (VectorEnv e0 = LocalVectorEnv.create(WorldRegistry.builtIn(), off.world, off.worldConfig, off.copies, off.seed);
        VectorEnv e1 = LocalVectorEnv.create(WorldRegistry.builtIn(), on.world, on.worldConfig, on.copies, on.seed);
        ActorCritic p0 = off.newPolicy(e0.spec(), off.seed);
        ActorCritic p1 = on.newPolicy(e1.spec(), on.seed);
        PpoTrainer t0 = new PpoTrainer(e0, p0, off, 0, 0);
        PpoTrainer t1 = new PpoTrainer(e1, p1, on, 0, 0)) {
      PpoTrainer.Iteration a = t0.iterate();
      PpoTrainer.Iteration b = t1.iterate();
      assertTrue(Double.isNaN(a.intrinsicReward()) && Double.isNaN(a.predictorLoss()), "off by default");
      // Same first rollout; the rewards learned from differ by -weight x surprise, < 0 on every step.
      float[] r0 = t0.rolloutRewards();
      float[] r1 = t1.rolloutRewards();
      double sum = 0;
      int count = 0;
      for (int i = 0; i < r0.length; i++) {
        if (t1.ignoredStep(i)) {
          assertEquals(r0[i], r1[i]);
          continue;
        }
        assertTrue(r1[i] < r0[i], "step " + i + ": no intrinsic penalty");
        sum += r1[i] - r0[i];
        count++;
      }
      assertEquals(b.intrinsicReward(), sum / count, 1e-4);
      assertEquals(a.rewardPerStep(), b.rewardPerStep(), 1e-9, "the world's reward is reported apart");
      double first = b.predictorLoss();
      double firstSurprise = b.intrinsicReward();
      PpoTrainer.Iteration last = b;
      for (int k = 0; k < 14; k++) {
        last = t1.iterate();
      }
      System.out.printf("predictor loss %.4f -> %.4f, intrinsic reward per step %.4f -> %.4f%n", first,
          last.predictorLoss(), firstSurprise, last.intrinsicReward());
      assertTrue(last.predictorLoss() < 0.5 * first, "predictor loss " + first + " -> " + last.predictorLoss());
      assertTrue(last.intrinsicReward() > firstSurprise, "surprise did not fall");
    }
  }
}
