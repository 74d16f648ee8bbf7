package dev.kindred.agents.ppo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.kindred.agents.nn.ActorCritic;
import dev.kindred.env.VectorEnv;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * PPO trains on the energy world's {@code tokens} observation as on its {@code grid}: the window
 * reaches the network as the same image, so a run on tokens (front-cell input and the forager as
 * teacher included) ends with the parameters of the same run on the grid, bit for bit, and prints
 * the same progress figures.
 */
class TokensTrainingTest {

  @Test
  void aRunOnTokensEndsWithTheParametersOfTheSameRunOnTheGrid() throws IOException {
    TrainConfig grid = KickstartTest.config();
    grid.steps = (long) grid.copies * grid.horizon * 3;
    TrainConfig tokens = KickstartTest.config();
    tokens.steps = grid.steps;
    tokens.worldConfig = new LinkedHashMap<>(tokens.worldConfig);
    tokens.worldConfig.put("observation", "tokens");
    List<String> gridFigures = new ArrayList<>();
    List<String> tokenFigures = new ArrayList<>();
    byte[][] g = train(grid, gridFigures);
    byte[][] t = train(tokens, tokenFigures);
    assertFalse(Arrays.equals(g[0], g[1]), "the updates changed the parameters");
    assertArrayEquals(g[1], t[1], "the parameters after three updates");
    assertEquals(gridFigures, tokenFigures, "the progress figures of each update");
  }

  /** {initial parameters, final parameters}, and each iteration's figures. */
  private static byte[][] train(TrainConfig cfg, List<String> figures) throws IOException {
    try (VectorEnv env = ContinuationTest.env(cfg); ActorCritic policy = cfg.newPolicy(env.spec(), cfg.seed);
        PpoTrainer trainer = new PpoTrainer(env, policy, cfg, 0, 0)) {
      byte[] initial = policy.saveParameters();
      trainer.train(new TrainingListener() {
        @Override
        public void iteration(PpoTrainer.Iteration it) {
          figures.add(List.of(it.steps(), it.episodes(), it.meanReturn(), it.entropy(), it.policyLoss(),
              it.valueLoss(), it.approxKl(), it.teacherLoss(), it.teacherAgreement()).toString());
        }

        @Override
        public void checkpoint(PpoTrainer trainer) {}
      });
      assertEquals(3, trainer.updates());
      return new byte[][] {initial, policy.saveParameters()};
    }
  }
}
