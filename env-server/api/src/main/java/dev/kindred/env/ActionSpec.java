package dev.kindred.env;

import java.util.List;

/**
 * An agent's multi-discrete action: one int per dimension.
 *
 * @param validCombinations the combinations of values that are meaningful, one list of
 *                          {@code size()} values each; empty: every combination is
 * @param maskObservation   the per-agent observation holding, each step, which combinations can
 *                          succeed now (UINT8, flat over the product of the dimensions, row-major);
 *                          "" when the world offers none
 */
public record ActionSpec(List<ActionDimension> dimensions, String description,
    List<List<Integer>> validCombinations, String maskObservation) {
  public ActionSpec {
    dimensions = List.copyOf(dimensions);
    validCombinations = validCombinations == null ? List.of() : validCombinations.stream().map(List::copyOf).toList();
    maskObservation = maskObservation == null ? "" : maskObservation;
  }

  /** Every combination valid, no mask observation. */
  public ActionSpec(List<ActionDimension> dimensions, String description) {
    this(dimensions, description, List.of(), "");
  }

  public int size() {
    return dimensions.size();
  }

  /** The number of combinations of the dimensions' values (their product). */
  public long combinations() {
    long n = 1;
    for (ActionDimension d : dimensions) {
      n *= d.numValues();
    }
    return n;
  }

  public boolean hasValidCombinations() {
    return !validCombinations.isEmpty();
  }
}
