package dev.kindred.agents;

import dev.kindred.env.ActionDimension;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.StepBatch;
import java.util.SplittableRandom;

/** Uniformly random actions in every dimension: the baseline every policy must beat. */
public final class RandomPolicy implements BatchPolicy {
  private final int[] limits;
  private final SplittableRandom random;

  public RandomPolicy(SessionSpec spec, long seed) {
    this.limits = spec.world().actions().dimensions().stream().mapToInt(ActionDimension::numValues).toArray();
    this.random = new SplittableRandom(seed);
  }

  @Override
  public void act(StepBatch observation, int[] actions) {
    for (int i = 0; i < actions.length; i++) {
      actions[i] = random.nextInt(limits[i % limits.length]);
    }
  }
}
