package dev.kindred.agents.tournament;

import dev.kindred.agents.BatchPolicy;
import dev.kindred.agents.ScriptedForager;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.StepBatch;
import java.util.SplittableRandom;

/**
 * The scripted forager that, each step and for each agent, does nothing (the noop, action
 * {@code [0, 0]}) with probability {@code p}: brains of known order of strength (smaller p is
 * stronger), for testing that ratings put them in that order.
 */
public final class LazyForager implements BatchPolicy {
  private final ScriptedForager forager;
  private final double p;
  private final int dims;
  private final SplittableRandom random;

  public LazyForager(SessionSpec spec, double p, long seed) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException("lazy_forager: p must be in [0, 1], got " + p);
    }
    this.forager = new ScriptedForager(spec, seed);
    this.p = p;
    this.dims = spec.actionDimensions();
    this.random = new SplittableRandom(seed ^ 0x5DEECE66DL);
  }

  @Override
  public void act(StepBatch observation, int[] actions) {
    forager.act(observation, actions);
    for (int row = 0; row < actions.length / dims; row++) {
      if (random.nextDouble() < p) {
        java.util.Arrays.fill(actions, row * dims, (row + 1) * dims, 0);
      }
    }
  }
}
