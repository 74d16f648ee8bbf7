package dev.kindred.bench;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Latencies in nanoseconds in log-linear buckets (32 per power of two: quantiles within 3%),
 * recorded from many threads without locks, for runs too long to keep every sample.
 */
final class LatencyHistogram {
  private static final int SUB_BITS = 5;
  private static final int SUB = 1 << SUB_BITS;
  /** Values up to 2^62 ns; beyond that (centuries) they land in the last bucket. */
  private static final int BUCKETS = (62 - SUB_BITS + 1) * SUB;

  private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
  private final AtomicLong count = new AtomicLong();
  private final AtomicLong max = new AtomicLong();

  void record(long nanos) {
    long v = Math.max(0, nanos);
    counts.incrementAndGet(index(v));
    count.incrementAndGet();
    max.accumulateAndGet(v, Math::max);
  }

  long count() {
    return count.get();
  }

  long maxNanos() {
    return max.get();
  }

  /** Adds another histogram's samples. */
  void add(LatencyHistogram other) {
    for (int i = 0; i < BUCKETS; i++) {
      long c = other.counts.get(i);
      if (c != 0) {
        counts.addAndGet(i, c);
      }
    }
    count.addAndGet(other.count.get());
    max.accumulateAndGet(other.max.get(), Math::max);
  }

  /** The value at quantile {@code q} (upper edge of its bucket, at most the maximum); NaN when empty. */
  double quantileNanos(double q) {
    long n = count.get();
    if (n == 0) {
      return Double.NaN;
    }
    long rank = Math.max(1, (long) Math.ceil(q * n));
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += counts.get(i);
      if (seen >= rank) {
        return Math.min(upperEdge(i), max.get());
      }
    }
    return max.get();
  }

  static int index(long v) {
    if (v < SUB) {
      return (int) v;
    }
    int exponent = 63 - Long.numberOfLeadingZeros(v); // >= SUB_BITS
    int sub = (int) (v >>> (exponent - SUB_BITS)) - SUB;
    return Math.min(BUCKETS - 1, (exponent - SUB_BITS + 1) * SUB + sub);
  }

  static long upperEdge(int index) {
    if (index < SUB) {
      return index;
    }
    int exponent = index / SUB + SUB_BITS - 1;
    long sub = index % SUB + SUB;
    return ((sub + 1) << (exponent - SUB_BITS)) - 1;
  }
}
