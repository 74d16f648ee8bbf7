package dev.kindred.agents.ppo;

import static dev.kindred.stats.SampleStats.mean;
import static dev.kindred.stats.SampleStats.standardError;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.agents.Evaluation;
import dev.kindred.agents.nn.ActorCritic;
import dev.kindred.env.VectorEnv;
import dev.kindred.env.WorldRegistry;
import dev.kindred.local.LocalVectorEnv;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * PPO learns: one controlled spin of a small ordered lattice, rewarded only by its negative
 * surprise, earns clearly more reward after a short training run than the untrained policy
 * (gap beyond four standard errors of the evaluation), with a fixed seed.
 */
class PpoLearningTest {
  static final Map<String, Object> WORLD = Map.of("width", 6, "height", 6, "beta", 0.6,
      "controlled", List.of(0), "max_steps", 100);

  static TrainConfig config() {
    TrainConfig c = new TrainConfig();
    c.world = "spin.lattice";
    c.worldConfig = new java.util.LinkedHashMap<>(WORLD);
    c.copies = 16;
    c.horizon = 32;
    c.steps = 16 * 32 * 25;
    c.seed = 7;
    c.hidden = 32;
    c.learningRate = 3e-3;
    c.gamma = 0.5;
    c.inputs = List.of("neighbour_spins", "neighbour_precisions", "prior_precision");
    return c;
  }

  @ParameterizedTest(name = "overlap {0}")
  @ValueSource(booleans = {false, true})
  void trainedSpinEarnsMoreThanUntrained(boolean overlap) {
    TrainConfig cfg = config();
    cfg.overlap = overlap;
    long t0 = System.nanoTime();
    try (VectorEnv env = LocalVectorEnv.create(WorldRegistry.builtIn(), cfg.world, cfg.worldConfig, cfg.copies, cfg.seed);
        VectorEnv eval = LocalVectorEnv.create(WorldRegistry.builtIn(), cfg.world, cfg.worldConfig, 32, 1234);
        ActorCritic policy = cfg.newPolicy(env.spec(), cfg.seed)) {
      double[] before = Evaluation.rewardPerAgentStep(policy, eval, 200, 99);
      try (PpoTrainer trainer = new PpoTrainer(env, policy, cfg, 0, 0)) {
        while (trainer.steps() < cfg.steps) {
          PpoTrainer.Iteration it = trainer.iterate();
          System.out.printf("steps %d reward/step %.3f entropy %.3f pi %.4f v %.4f kl %.4f%n", it.steps(),
              it.rewardPerStep(), it.entropy(), it.policyLoss(), it.valueLoss(), it.approxKl());
        }
        trainer.finishUpdate();
      }
      double[] after = Evaluation.rewardPerAgentStep(policy, eval, 200, 99);
      double gap = mean(after) - mean(before);
      double se = Math.hypot(standardError(after), standardError(before));
      System.out.printf("untrained %.4f +- %.4f, trained %.4f +- %.4f, gap %.4f (%.1f s.e.), %.1f s%n", mean(before),
          standardError(before), mean(after), standardError(after), gap, gap / se, (System.nanoTime() - t0) / 1e9);
      assertTrue(gap > 4 * se, "trained " + mean(after) + " vs untrained " + mean(before) + " (s.e. of the gap " + se + ")");
    }
  }
}
