package dev.kindred.env.energy;

import static dev.kindred.env.energy.EnergyKit.cfg;
import static dev.kindred.env.energy.EnergyKit.world;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kindred.env.ActionDimension;
import dev.kindred.env.Autoreset;
import dev.kindred.env.BatchedEnv;
import dev.kindred.env.EnvException;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The batch's action check on a world with two action dimensions: every out-of-range value
 * (negative, at the limit, far above) is refused, naming the copy, agent and dimension it is in,
 * and nothing is stepped; every in-range value passes.
 */
class ActionCheckTest {

  @Test
  void anOutOfRangeValueIsNamedByCopyAgentAndDimension() {
    EnergyWorld w = world(new EnergyWorldType.S3(), cfg(), 3);
    BatchedEnv env = new BatchedEnv(w, Autoreset.NEXT_STEP, 7L, List.of());
    env.reset(null, null);
    List<ActionDimension> dims = w.spec().actions().dimensions();
    int agents = w.spec().numAgents();
    int d = dims.size();
    assertEquals(2, d, "the energy world's [action, argument]");
    int[] valid = new int[3 * agents * d]; // noops
    SplittableRandom rng = new SplittableRandom(3);
    for (int trial = 0; trial < 200; trial++) {
      int i = rng.nextInt(valid.length);
      int dim = i % d;
      int limit = dims.get(dim).numValues();
      int bad = switch (trial % 4) {
        case 0 -> -1;
        case 1 -> limit;
        case 2 -> Integer.MIN_VALUE;
        default -> limit + rng.nextInt(1 << 20);
      };
      int[] a = valid.clone();
      a[i] = bad;
      long before = env.sessionStep();
      EnvException e = assertThrows(EnvException.class, () -> env.step(a));
      int agentFlat = i / d;
      assertEquals("actions: copy " + agentFlat / agents + ", agent " + agentFlat % agents + ", dimension '"
          + dims.get(dim).name() + "' has value " + bad + "; expected 0 <= value < " + limit, e.getMessage());
      assertEquals(before, env.sessionStep(), "a refused step moves nothing");
    }
    int[] top = new int[valid.length];
    for (int i = 0; i < top.length; i++) {
      top[i] = dims.get(i % d).numValues() - 1; // the largest value of each dimension passes the check
    }
    env.step(valid);
    env.step(top);
  }
}
