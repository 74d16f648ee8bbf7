package dev.kindred.agents.nn;

import dev.kindred.env.ActionDimension;
import dev.kindred.env.ActionSpec;
import dev.kindred.env.StepBatch;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One categorical distribution over an agent's whole action, joint over its dimensions: one
 * logit per valid combination of values (the spec's {@code validCombinations}, or every
 * combination when it lists none). The energy world's {@code [action, argument]} is 22 such
 * pairs, so an argument is always drawn together with the action that gives it meaning, and the
 * entropy is that of the actions the agent can really take.
 *
 * <p>With the world's mask observation (the spec's {@code maskObservation}: per agent, 1 for
 * each combination that can succeed now), combinations masked out get probability 0 in
 * sampling, in log-probabilities and in the entropy. A row whose mask allows nothing (which a
 * world should not send) is treated as allowing everything.
 */
public final class ActionHead {
  /** Joint heads beyond this many combinations would be wider than any network here. */
  static final int MAX_COMBINATIONS = 4096;

  private final int dims;
  private final int[][] combos;
  /** Combination k's index in the flat product of the dimensions (the mask's layout). */
  private final int[] productIndex;
  private final String maskName;
  private final int productSize;

  public ActionHead(ActionSpec spec) {
    this.dims = spec.size();
    int[] sizes = spec.dimensions().stream().mapToInt(ActionDimension::numValues).toArray();
    List<int[]> list = new ArrayList<>();
    if (spec.hasValidCombinations()) {
      // ActionSpec has checked that each has one in-range value per dimension.
      for (List<Integer> c : spec.validCombinations()) {
        list.add(c.stream().mapToInt(Integer::intValue).toArray());
      }
    } else {
      if (spec.combinations() > MAX_COMBINATIONS) {
        throw new IllegalArgumentException("the action has " + spec.combinations() + " combinations of values; a joint "
            + "head takes at most " + MAX_COMBINATIONS + " (the world should list its valid combinations)");
      }
      int n = spec.combinations();
      for (int k = 0; k < n; k++) {
        int[] v = new int[dims];
        int rest = k;
        for (int d = dims - 1; d >= 0; d--) {
          v[d] = rest % sizes[d];
          rest /= sizes[d];
        }
        list.add(v);
      }
    }
    this.combos = list.toArray(new int[0][]);
    this.productIndex = new int[combos.length];
    for (int k = 0; k < combos.length; k++) {
      productIndex[k] = spec.flatIndex(combos[k]);
    }
    this.productSize = spec.combinations();
    this.maskName = spec.maskObservation().isEmpty() ? null : spec.maskObservation();
  }

  /** The number of logits: one per combination. */
  public int size() {
    return combos.length;
  }

  /** Action dimensions per agent. */
  public int dimensions() {
    return dims;
  }

  /** The mask observation's name, or null when the world has none. */
  public String maskObservation() {
    return maskName;
  }

  /** Combination {@code k}'s values. */
  public int[] combination(int k) {
    return combos[k].clone();
  }

  /** Writes combination {@code k}'s values at {@code actions[offset, offset + dimensions())}. */
  public void decode(int k, int[] actions, int offset) {
    System.arraycopy(combos[k], 0, actions, offset, dims);
  }

  /** The combination of the values at {@code actions[offset..]}, or -1 when it is not one of them. */
  public int encode(int[] actions, int offset) {
    for (int k = 0; k < combos.length; k++) {
      boolean same = true;
      for (int d = 0; d < dims && same; d++) {
        same = combos[k][d] == actions[offset + d];
      }
      if (same) {
        return k;
      }
    }
    return -1;
  }

  /**
   * The masks of the batch's {@code rows} rows at {@code out[offset + r * size() + k]}: 1 where
   * combination k may be taken. All 1 without a mask observation (or when the session did not
   * request it), and for a row that allows nothing.
   */
  public void readMasks(StepBatch batch, int rows, byte[] out, int offset) {
    int n = combos.length;
    if (maskName == null || batch.observationIndex(maskName) < 0) {
      java.util.Arrays.fill(out, offset, offset + rows * n, (byte) 1);
      return;
    }
    ByteBuffer b = batch.observation(maskName);
    for (int r = 0; r < rows; r++) {
      int base = r * productSize;
      int o = offset + r * n;
      int any = 0;
      for (int k = 0; k < n; k++) {
        byte m = b.get(base + productIndex[k]) != 0 ? (byte) 1 : (byte) 0;
        out[o + k] = m;
        any |= m;
      }
      if (any == 0) {
        java.util.Arrays.fill(out, o, o + n, (byte) 1);
      }
    }
  }

  /**
   * Samples (or, greedy, picks the most probable) combination of each row among those its mask
   * allows, and writes it, its values and its log-probability under the masked distribution.
   *
   * @param logits  {@code [rows * size()]}
   * @param masks   {@code [rows * size()]} from {@code maskOffset}; null: nothing masked
   * @param combos  out: {@code [rows]} combination indices (may be null)
   * @param actions out: {@code [rows * dimensions()]} values
   * @param logp    out: {@code [rows]} (may be null)
   */
  public void sample(float[] logits, byte[] masks, int maskOffset, int rows, SplitMix random, boolean greedy,
      int[] combos, int[] actions, float[] logp) {
    int n = this.combos.length;
    for (int r = 0; r < rows; r++) {
      int base = r * n;
      int mo = maskOffset + base;
      double max = Double.NEGATIVE_INFINITY;
      int best = -1;
      for (int k = 0; k < n; k++) {
        if ((masks == null || masks[mo + k] != 0) && logits[base + k] > max) {
          max = logits[base + k];
          best = k;
        }
      }
      if (best < 0) {
        throw new IllegalStateException("the policy's logits are not finite (row " + r + "): the network diverged");
      }
      double z = 0;
      for (int k = 0; k < n; k++) {
        if (masks == null || masks[mo + k] != 0) {
          z += Math.exp(logits[base + k] - max);
        }
      }
      int pick = best;
      if (!greedy) {
        double u = random.nextDouble() * z;
        for (int k = 0; k < n; k++) {
          if (masks == null || masks[mo + k] != 0) {
            pick = k; // the last allowed one if rounding leaves u >= 0
            u -= Math.exp(logits[base + k] - max);
            if (u < 0) {
              break;
            }
          }
        }
      }
      if (combos != null) {
        combos[r] = pick;
      }
      System.arraycopy(this.combos[pick], 0, actions, r * dims, dims);
      if (logp != null) {
        logp[r] = (float) (logits[base + pick] - max - Math.log(z));
      }
    }
  }
}
