package dev.kindred.agents;

import dev.kindred.env.StepBatch;

/**
 * A policy that chooses the actions of every agent of every copy at once, from the last
 * batch of observations. Implementations write into a caller-owned array and do not allocate
 * per call, so a rollout loop stays allocation-free.
 */
public interface BatchPolicy {

  /**
   * @param observation the batch returned by the last reset or step
   * @param actions     out: {@code [copies * agents * actionDimensions]} action values
   */
  void act(StepBatch observation, int[] actions);
}
