package dev.kindred.agents.ppo;

import dev.kindred.env.DType;
import dev.kindred.env.FeatureSpec;
import dev.kindred.env.Scope;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.StepBatch;
import dev.kindred.env.TensorSpec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
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
  private final List<String> tensors = new ArrayList<>();
  private final List<Integer> offsets = new ArrayList<>();
  private final List<Integer> sizes = new ArrayList<>();
  private final List<DType> types = new ArrayList<>();
  private final List<Double> weights = new ArrayList<>();
  private final float gamma;
  /** Φ of each row's current observation. */
  private final float[] potential;

  /**
   * @param terms {@code "tensor.feature" -> weight}
   * @throws IllegalArgumentException naming a term whose tensor or feature does not exist, or
   *                                  that is not a per-agent numeric feature
   */
  PotentialShaping(SessionSpec spec, Map<String, Object> terms, double gamma) {
    this.agents = spec.agents();
    this.gamma = (float) gamma;
    this.potential = new float[spec.copies() * agents];
    for (Map.Entry<String, Object> e : terms.entrySet()) {
      String key = e.getKey();
      int dot = key.indexOf('.');
      if (dot <= 0 || !(e.getValue() instanceof Number w)) {
        throw new IllegalArgumentException("potential term '" + key + "' must be \"observation.feature\": weight "
            + "(e.g. \"globals.energy\": 0.01)");
      }
      String tensor = key.substring(0, dot);
      String feature = key.substring(dot + 1);
      if (!spec.hasObservation(tensor)) {
        throw new IllegalArgumentException("potential term '" + key + "': " + spec.worldId() + " has no observation '"
            + tensor + "'");
      }
      TensorSpec t = spec.observation(tensor);
      if (t.scope() != Scope.AGENT || t.shape().length != 1) {
        throw new IllegalArgumentException("potential term '" + key + "': '" + tensor + "' is not a per-agent "
            + "feature vector");
      }
      FeatureSpec f = t.features().stream().filter(x -> x.name().equals(feature)).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("potential term '" + key + "': '" + tensor
              + "' has no feature '" + feature + "'; it has " + t.features().stream().map(FeatureSpec::name).toList()));
      tensors.add(tensor);
      offsets.add(f.index());
      sizes.add(t.shape()[0]);
      types.add(t.dtype());
      weights.add(w.doubleValue());
    }
  }

  /** Φ of every row of {@code batch} into {@code out}. */
  private void potentials(StepBatch batch, float[] out) {
    java.util.Arrays.fill(out, 0f);
    for (int k = 0; k < tensors.size(); k++) {
      ByteBuffer b = batch.observation(tensors.get(k));
      int size = sizes.get(k);
      int off = offsets.get(k);
      double w = weights.get(k);
      DType type = types.get(k);
      for (int r = 0; r < out.length; r++) {
        int i = r * size + off;
        double v = switch (type) {
          case FLOAT32 -> b.getFloat(4 * i);
          case FLOAT64 -> b.getDouble(8 * i);
          case INT32 -> b.getInt(4 * i);
          case UINT8 -> b.get(i) & 0xFF;
          default -> throw new IllegalStateException("potential over " + type + " features");
        };
        out[r] += (float) (w * v);
      }
    }
  }

  /** Every row starts anew (after a reset): its potential is its first observation's. */
  void reset(StepBatch batch) {
    potentials(batch, potential);
  }

  /**
   * After a step: adds {@code γ Φ(s') − Φ(s)} ({@code Φ(s') = 0} when the episode ended) to {@code rewards[offset + r]} of each row whose
   * step was a transition ({@code ignored[offset + r] == 0}), and moves every row's potential to
   * the batch's observation.
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
