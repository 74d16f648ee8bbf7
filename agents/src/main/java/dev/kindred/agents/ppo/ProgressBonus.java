package dev.kindred.agents.ppo;

import dev.kindred.env.SessionSpec;
import dev.kindred.env.StepBatch;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An exploration bonus for progress, annealed away: the learner is trained on
 * {@code r + a(t) Σ_f w_f max(0, min(f(s'), u_f) − min(f(s), u_f))}, paid for every gain of a
 * named per-agent observation feature (in the energy world: a crystal picked up, energy won at a
 * converter) up to an optional limit {@code u_f} (a number, or another feature of the same row:
 * {@code "up_to": "globals.economy.converter_green"} pays for the crystals one conversion takes
 * and not for a hoard), where {@code a(t)} falls linearly from 1 at the start to 0 when a fraction
 * {@code bonus_anneal} of the run's steps is taken. Unlike potential shaping
 * ({@link PotentialShaping}), which only moves reward in time and so leaves a gain that leads
 * nowhere worth exactly nothing, this bonus changes what is optimal — on purpose, early on: it
 * pulls the policy into the long chain of the task (gather, convert, then the altar) that
 * undirected exploration rarely completes. Once it is gone the policy is trained on the world's
 * reward alone for the rest of the run. Reports show the world's reward.
 *
 * <p>A term is {@code "observation.feature": weight} or
 * {@code "observation.feature": {"weight": w, "up_to": limit, "once": true}}. With
 * {@code "once"} a term pays only for rises above the highest value the agent had so far in the
 * episode: what other agents can hand over (a crystal passed back and forth between two agents
 * by {@code give}) then pays once per episode, not on every pass.
 */
final class ProgressBonus {
  private final FeatureReader features;
  /** The limits that are features, one column per term (unused columns read the term itself); null when none is. */
  private final FeatureReader limitFeatures;
  /** Per term: a fixed limit, or NaN when the limit is a feature, or +inf without one. */
  private final float[] fixedLimit;
  private final float[] previous;
  private final float[] current;
  private final float[] limits;
  /** Per term: pays only above the episode's high-water mark. */
  private final boolean[] once;
  /** Per row and term: the highest (capped) value so far this episode. */
  private final float[] highest;
  private final int agents;

  ProgressBonus(SessionSpec spec, Map<String, Object> terms) {
    Map<String, Object> weights = new LinkedHashMap<>();
    this.fixedLimit = new float[terms.size()];
    this.once = new boolean[terms.size()];
    String[] limitNames = new String[terms.size()];
    int j = 0;
    for (Map.Entry<String, Object> e : terms.entrySet()) {
      Object v = e.getValue();
      fixedLimit[j] = Float.POSITIVE_INFINITY;
      limitNames[j] = e.getKey();
      if (v instanceof Map<?, ?> m) {
        for (Object k : m.keySet()) {
          if (!k.equals("weight") && !k.equals("up_to") && !k.equals("once")) {
            throw new IllegalArgumentException("bonus term '" + e.getKey() + "': unknown key '" + k
                + "'; a term is a weight or {\"weight\": w, \"up_to\": limit, \"once\": true}");
          }
          Object o = m.get("once");
          if (o != null && !(o instanceof Boolean)) {
            throw new IllegalArgumentException("bonus term '" + e.getKey() + "': \"once\" is true or false");
          }
          once[j] = Boolean.TRUE.equals(o);
        }
        Object w = m.get("weight");
        if (!(w instanceof Number)) {
          throw new IllegalArgumentException("bonus term '" + e.getKey() + "' needs a numeric \"weight\"");
        }
        v = w;
        Object u = m.get("up_to");
        if (u instanceof Number n) {
          fixedLimit[j] = n.floatValue();
        } else if (u instanceof String s) {
          fixedLimit[j] = Float.NaN;
          limitNames[j] = s;
        } else if (u != null) {
          throw new IllegalArgumentException("bonus term '" + e.getKey() + "': \"up_to\" is a number or a feature "
              + "name such as \"globals.economy.converter_green\"");
        }
      }
      weights.put(e.getKey(), v);
      j++;
    }
    this.features = new FeatureReader(spec, weights, "bonus");
    boolean anyFeatureLimit = false;
    for (float u : fixedLimit) {
      anyFeatureLimit |= Float.isNaN(u);
    }
    this.limitFeatures = anyFeatureLimit
        ? new FeatureReader(spec, java.util.Arrays.asList(limitNames), "bonus limit") : null;
    this.agents = spec.agents();
    this.previous = new float[spec.copies() * agents * features.size()];
    this.current = new float[previous.length];
    this.limits = new float[previous.length];
    this.highest = new float[previous.length];
  }

  /** Every row starts anew. */
  void reset(StepBatch batch) {
    features.read(batch, previous);
    if (limitFeatures != null) {
      limitFeatures.read(batch, limits);
    }
    int k = features.size();
    for (int i = 0; i < previous.length; i++) {
      highest[i] = Math.min(previous[i], limit(i % k, i));
    }
  }

  private float limit(int term, int i) {
    return Float.isNaN(fixedLimit[term]) ? limits[i] : fixedLimit[term];
  }

  /**
   * Adds {@code scale Σ w max(0, Δ min(f, u))} to the rewards of transitions, and moves every
   * row's features to the batch's.
   *
   * @return the sum of the bonus added
   */
  double apply(StepBatch batch, float[] rewards, byte[] ignored, int offset, double scale) {
    features.read(batch, current);
    if (limitFeatures != null) {
      limitFeatures.read(batch, limits);
    }
    int k = features.size();
    int rows = previous.length / Math.max(1, k);
    double sum = 0;
    for (int r = 0; r < rows; r++) {
      if (ignored[offset + r] != 0) {
        // A reset step (autoreset NEXT_STEP): the batch holds the next episode's first observation,
        // whose values start the episode's high-water marks.
        for (int j = 0; j < k; j++) {
          highest[r * k + j] = Math.min(current[r * k + j], limit(j, r * k + j));
        }
        continue;
      }
      if (batch.done(r / agents)) {
        continue; // the episode's last step pays nothing: the bonus is for progress within it
      }
      float bonus = 0;
      for (int j = 0; j < k; j++) {
        int i = r * k + j;
        float now = Math.min(current[i], limit(j, i));
        float gain = once[j] ? now - highest[i] : now - Math.min(previous[i], limit(j, i));
        highest[i] = Math.max(highest[i], now);
        if (gain > 0) {
          bonus += (float) (features.weight(j) * gain);
        }
      }
      if (scale > 0) {
        bonus *= (float) scale;
        rewards[offset + r] += bonus;
        sum += bonus;
      }
    }
    System.arraycopy(current, 0, previous, 0, current.length);
    return sum;
  }
}
