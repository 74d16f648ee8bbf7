package dev.kindred.server.core;

import dev.kindred.env.TensorSpec;
import dev.kindred.env.WorldSpec;

/**
 * The size of a session for the cells quota ({@link Quota#cells()}): its copies times the
 * elements of one copy's observation tensors, every observation the world has, requested or not
 * (the world computes its state whatever the client reads). The same measure for every world and
 * both protocols, known from a one-copy probe before the copies are built.
 */
public final class Cells {
  private Cells() {}

  /** The cells of {@code copies} copies of a world with this spec; saturates at {@link Long#MAX_VALUE}. */
  public static long of(WorldSpec spec, int copies) {
    long perCopy = 0;
    for (TensorSpec t : spec.observations()) {
      long block = 1;
      for (int d : t.shape()) {
        block = times(block, d);
      }
      perCopy = Math.min(Long.MAX_VALUE - 1, perCopy + times(block, t.blocksPerCopy(spec.numAgents())));
    }
    return times(Math.max(1, perCopy), copies);
  }

  private static long times(long a, long b) {
    long hi = Math.multiplyHigh(a, b);
    long lo = a * b;
    return hi != 0 || lo < 0 ? Long.MAX_VALUE : lo;
  }
}
