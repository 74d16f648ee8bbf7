package dev.kindred.env;

import java.util.List;

/**
 * A named tensor a world writes every step: an observation of each agent or a measurement of
 * each copy.
 *
 * @param shape    shape of one block, without the batch dimensions of {@code scope}
 * @param low      inclusive lower bound of every element, or null when unbounded
 * @param high     inclusive upper bound of every element, or null when unbounded
 * @param features meanings of the indices along the last axis (may be empty)
 */
public record TensorSpec(
    String name,
    String description,
    DType dtype,
    int[] shape,
    Scope scope,
    Double low,
    Double high,
    List<FeatureSpec> features) {

  public TensorSpec {
    shape = shape.clone();
    features = List.copyOf(features);
  }

  /** Number of elements in one block (one agent's or one copy's). */
  public int blockElements() {
    int n = 1;
    for (int d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /** Number of bytes in one block. */
  public int blockBytes() {
    return Math.multiplyExact(blockElements(), dtype.bytes());
  }

  /** Number of blocks per copy: the agent count for per-agent tensors, 1 for per-copy ones. */
  public int blocksPerCopy(int agents) {
    return scope == Scope.AGENT ? agents : 1;
  }

  /** Bytes of this tensor for one copy. */
  public int copyBytes(int agents) {
    return Math.multiplyExact(blockBytes(), blocksPerCopy(agents));
  }

  // A record compares arrays by identity; specs are equal when their shapes hold the same sizes.
  @Override
  public boolean equals(Object o) {
    return o instanceof TensorSpec t && name.equals(t.name) && description.equals(t.description)
        && dtype == t.dtype && java.util.Arrays.equals(shape, t.shape) && scope == t.scope
        && java.util.Objects.equals(low, t.low) && java.util.Objects.equals(high, t.high)
        && features.equals(t.features);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(name, dtype, java.util.Arrays.hashCode(shape), scope, features);
  }

  @Override
  public String toString() {
    return "TensorSpec[" + name + " " + dtype + " " + java.util.Arrays.toString(shape) + " " + scope + "]";
  }
}
