package dev.kindred.agents;

import dev.kindred.client.StepBatch;
import dev.kindred.proto.v1.ActionDimension;
import dev.kindred.proto.v1.EnvSpec;
import java.util.SplittableRandom;

/** Uniformly random actions in every dimension: the baseline every policy must beat. */
public final class RandomPolicy implements BatchPolicy {
  private final int[] limits;
  private final SplittableRandom random;

  public RandomPolicy(EnvSpec spec, long seed) {
    this.limits = spec.getActions().getDimensionsList().stream().mapToInt(ActionDimension::getNumValues).toArray();
    this.random = new SplittableRandom(seed);
  }

  @Override
  public void act(StepBatch observation, int[] actions) {
    for (int i = 0; i < actions.length; i++) {
      actions[i] = random.nextInt(limits[i % limits.length]);
    }
  }
}
