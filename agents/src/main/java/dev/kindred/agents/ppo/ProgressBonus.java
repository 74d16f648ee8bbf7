package dev.kindred.agents.ppo;

import dev.kindred.env.SessionSpec;
import dev.kindred.env.StepBatch;
import java.util.Map;

/**
 * An exploration bonus for progress, annealed away: the learner is trained on
 * {@code r + a(t) Σ_f w_f max(0, f(s') − f(s))}, paid for every gain of a named per-agent
 * observation feature (in the energy world: a crystal picked up, energy won at a converter),
 * where {@code a(t)} falls linearly from 1 at the start to 0 when a fraction
 * {@code bonus_anneal} of the run's steps is taken. Unlike potential shaping
 * ({@link PotentialShaping}), which only moves reward in time and so leaves a gain that leads
 * nowhere worth exactly nothing, this bonus changes what is optimal — on purpose, early on: it
 * pulls the policy into the long chain of the task (gather, convert, then the altar) that
 * undirected exploration rarely completes. Once it is gone the policy is trained on the world's
 * reward alone for the rest of the run. Reports show the world's reward.
 */
final class ProgressBonus {
  private final FeatureReader features;
  private final float[] previous;
  private final float[] current;
  private final int agents;

  ProgressBonus(SessionSpec spec, Map<String, Object> terms) {
    this.features = new FeatureReader(spec, terms, "bonus");
    this.agents = spec.agents();
    this.previous = new float[spec.copies() * agents * features.size()];
    this.current = new float[previous.length];
  }

  /** Every row starts anew. */
  void reset(StepBatch batch) {
    features.read(batch, previous);
  }

  /**
   * Adds {@code scale Σ w max(0, Δf)} to the rewards of transitions, and moves every row's
   * features to the batch's.
   *
   * @return the sum of the bonus added
   */
  double apply(StepBatch batch, float[] rewards, byte[] ignored, int offset, double scale) {
    features.read(batch, current);
    int k = features.size();
    int rows = previous.length / Math.max(1, k);
    double sum = 0;
    for (int r = 0; r < rows; r++) {
      if (ignored[offset + r] == 0 && scale > 0 && !batch.done(r / agents)) {
        float bonus = 0;
        for (int j = 0; j < k; j++) {
          float gain = current[r * k + j] - previous[r * k + j];
          if (gain > 0) {
            bonus += (float) (features.weight(j) * gain);
          }
        }
        bonus *= (float) scale;
        rewards[offset + r] += bonus;
        sum += bonus;
      }
    }
    System.arraycopy(current, 0, previous, 0, current.length);
    return sum;
  }
}
