package dev.kindred.agents.ppo;

import dev.kindred.env.SessionSpec;
import dev.kindred.env.StepBatch;
import java.util.Map;

/**
 * Potential-based reward shaping (Ng, Harada and Russell 1999): the learner is trained on
 * {@code r + γ Φ(s') − Φ(s)}, where the potential {@code Φ} is a weighted sum of named per-agent
 * observation features ({@code "globals.energy": 0.006} weighs the {@code energy} feature of the
 * {@code globals} tensor), and {@code Φ = 0} once the episode has ended (terminated or
 * truncated: the episode is the task, and what is still held at its end is worth nothing). Over
 * an episode the shaping then adds only {@code −Φ(s_0)}, a constant of the start state, so the
 * optimal policies of the world's own reward stay optimal — while it pays at once for progress
 * the reward pays for only later. In the energy world, {@code Φ = 0.006 energy + 0.2 green +
 * 0.2 yellow} (a heart is 100 energy, a conversion 1 + 1 crystals) makes every link of the chain
 * pay when it happens: a crystal +0.2, a conversion +0.2, an altar use +0.4.
 *
 * <p>The world's reward is what the trainer reports (reward per step, hearts, episode returns);
 * the shaped reward is only learned from. Reset steps (autoreset NEXT_STEP) carry no transition
 * and get no shaping.
 */
final class PotentialShaping {
  private final int agents;
  private final FeatureReader features;
  private final float gamma;
  /** Φ of each row's current observation. */
  private final float[] potential;
  private final float[] values;

  /**
   * @param terms {@code "tensor.feature" -> weight}
   * @throws IllegalArgumentException naming a term whose tensor or feature does not exist, or
   *                                  that is not a per-agent numeric feature
   */
  PotentialShaping(SessionSpec spec, Map<String, Object> terms, double gamma) {
    this.agents = spec.agents();
    this.gamma = (float) gamma;
    this.features = new FeatureReader(spec, terms, "potential");
    this.potential = new float[spec.copies() * agents];
    this.values = new float[potential.length * features.size()];
  }

  /** Φ of every row of {@code batch} into {@code out}. */
  private void potentials(StepBatch batch, float[] out) {
    features.read(batch, values);
    int k = features.size();
    for (int r = 0; r < out.length; r++) {
      double p = 0;
      for (int j = 0; j < k; j++) {
        p += features.weight(j) * values[r * k + j];
      }
      out[r] = (float) p;
    }
  }

  /** Every row starts anew (after a reset): its potential is its first observation's. */
  void reset(StepBatch batch) {
    potentials(batch, potential);
  }

  /**
   * After a step: adds {@code γ Φ(s') − Φ(s)} ({@code Φ(s') = 0} when the episode ended) to
   * {@code rewards[offset + r]} of each row whose step was a transition
   * ({@code ignored[offset + r] == 0}), and moves every row's potential to the batch's
   * observation.
   *
   * @param scratch {@code [rows]}
   * @return the sum of the shaping added (for reports)
   */
  double apply(StepBatch batch, float[] rewards, byte[] ignored, int offset, float[] scratch) {
    potentials(batch, scratch);
    double sum = 0;
    for (int r = 0; r < potential.length; r++) {
      if (ignored[offset + r] == 0) {
        // The potential after the episode's last step is 0 (what keeps the optimal policies unchanged).
        float next = batch.done(r / agents) ? 0f : scratch[r];
        float f = gamma * next - potential[r];
        rewards[offset + r] += f;
        sum += f;
      }
      potential[r] = scratch[r];
    }
    return sum;
  }
}
