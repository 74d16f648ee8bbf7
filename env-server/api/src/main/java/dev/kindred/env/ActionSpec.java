package dev.kindred.env;

import java.util.ArrayList;
import java.util.List;

/**
 * An agent's multi-discrete action: one int per dimension.
 *
 * @param validCombinations the combinations of values (one per dimension, in dimension order) that
 *                          the world defines, in lexicographic order; empty when every combination
 *                          of the dimensions' values is valid. A world may accept others (its
 *                          description says what they do), but a policy needs only these.
 * @param maskObservation   name of the per-agent observation that carries the dynamic action mask,
 *                          "" when the world has none: UINT8 with {@link #combinations()} elements,
 *                          flat row-major over the dimensions (the last fastest; see
 *                          {@link #flatIndex}), 1 where that combination is open to the agent
 *                          next step (the tensor's description says what the world checks)
 */
public record ActionSpec(List<ActionDimension> dimensions, String description,
    List<List<Integer>> validCombinations, String maskObservation) {
  public ActionSpec {
    dimensions = List.copyOf(dimensions);
    if (validCombinations == null) {
      validCombinations = List.of(); // JSON written before the field existed
    }
    List<List<Integer>> combos = new ArrayList<>(validCombinations.size());
    for (List<Integer> c : validCombinations) {
      if (c.size() != dimensions.size()) {
        throw new IllegalArgumentException("valid combination " + c + " has " + c.size() + " values; expected one per "
            + "action dimension (" + dimensions.size() + ")");
      }
      for (int d = 0; d < c.size(); d++) {
        int v = c.get(d);
        if (v < 0 || v >= dimensions.get(d).numValues()) {
          throw new IllegalArgumentException("valid combination " + c + ": value " + v + " of dimension "
              + dimensions.get(d).name() + " is outside [0, " + dimensions.get(d).numValues() + ")");
        }
      }
      combos.add(List.copyOf(c));
    }
    validCombinations = List.copyOf(combos);
    maskObservation = maskObservation == null ? "" : maskObservation;
  }

  /** Every combination of the dimensions' values is valid; no mask observation. */
  public ActionSpec(List<ActionDimension> dimensions, String description) {
    this(dimensions, description, List.of(), "");
  }

  public int size() {
    return dimensions.size();
  }

  /** Combinations of the dimensions' values: the product of their sizes (the mask's length). */
  public int combinations() {
    int n = 1;
    for (ActionDimension d : dimensions) {
      n = Math.multiplyExact(n, d.numValues());
    }
    return n;
  }

  /** Whether the world lists its valid combinations (otherwise all of them are valid). */
  public boolean hasValidCombinations() {
    return !validCombinations.isEmpty();
  }

  /**
   * The position of the combination {@code values} (one per dimension) in the flat mask:
   * row-major, the last dimension fastest (for two dimensions of n0 and n1 values,
   * {@code v0 * n1 + v1}).
   */
  public int flatIndex(int... values) {
    if (values.length != dimensions.size()) {
      throw new IllegalArgumentException("got " + values.length + " values; expected one per action dimension ("
          + dimensions.size() + ")");
    }
    int i = 0;
    for (int d = 0; d < values.length; d++) {
      i = i * dimensions.get(d).numValues() + values[d];
    }
    return i;
  }
}
