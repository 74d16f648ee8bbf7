package dev.kindred.env;

/**
 * What a world of one configuration will cost its host, estimated by the world from its
 * configuration before it allocates anything large, so the host can refuse a world it cannot
 * afford instead of finding out by running out of memory or time (see
 * {@link WorldContext#admit}). Estimates are upper bounds up to a small constant factor; they
 * need not be exact.
 *
 * <p>Work is counted in <em>updates</em>: one spin update, one cell of an observation window
 * written, one entry of a matrix built; an update takes a few nanoseconds of one core.
 *
 * @param size         what drives the cost, in the configuration's own words, for messages (e.g.
 *                     {@code "n = 16384 spins, dense couplings, burn_in_sweeps 0, sweeps_per_step 1"})
 * @param sharedBytes  memory shared by every copy (graph, couplings, map), its peak while being
 *                     built included
 * @param bytesPerCopy memory of each copy's own state and observations
 * @param buildWork    updates to build the shared part, once
 * @param resetWork    updates to start one episode of one copy (burn-in included)
 * @param stepWork     updates of one step of one copy
 */
public record WorldCost(String size, long sharedBytes, long bytesPerCopy, long buildWork, long resetWork,
    long stepWork) {

  public WorldCost {
    java.util.Objects.requireNonNull(size, "size");
    if (sharedBytes < 0 || bytesPerCopy < 0 || buildWork < 0 || resetWork < 0 || stepWork < 0) {
      throw new IllegalArgumentException("costs must not be negative: " + sharedBytes + ", " + bytesPerCopy
          + ", " + buildWork + ", " + resetWork + ", " + stepWork);
    }
  }

  /** Memory of {@code copies} copies, saturating at {@link Long#MAX_VALUE}. */
  public long bytes(long copies) {
    return saturatedAdd(sharedBytes, saturatedMultiply(bytesPerCopy, copies));
  }

  /** {@code a * b} for non-negative numbers, {@link Long#MAX_VALUE} when it overflows. */
  public static long saturatedMultiply(long a, long b) {
    long hi = Math.multiplyHigh(a, b);
    long lo = a * b;
    return hi != 0 || lo < 0 ? Long.MAX_VALUE : lo;
  }

  /** {@code a + b} for non-negative numbers, {@link Long#MAX_VALUE} when it overflows. */
  public static long saturatedAdd(long a, long b) {
    long s = a + b;
    return s < 0 ? Long.MAX_VALUE : s;
  }
}
