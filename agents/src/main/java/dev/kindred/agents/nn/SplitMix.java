package dev.kindred.agents.nn;

/**
 * A SplitMix64 generator whose whole state is one {@code long} that can be read and restored
 * ({@link #state()}, {@link #setState}): what a training run draws is part of its checkpoint, so
 * that a resumed run continues the very stream an uninterrupted run would have drawn. Same
 * algorithm as {@link java.util.SplittableRandom}'s output function (Steele, Lea and Flood 2014).
 * Not thread-safe.
 */
public final class SplitMix {
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;
  private long state;

  public SplitMix(long seed) {
    this.state = seed;
  }

  public long state() {
    return state;
  }

  public void setState(long state) {
    this.state = state;
  }

  public long nextLong() {
    long z = (state += GOLDEN);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Uniform in [0, 1), 53 bits. */
  public double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /** Uniform in [0, bound), without modulo bias (rejection on the top of the range). */
  public int nextInt(int bound) {
    if (bound <= 0) {
      throw new IllegalArgumentException("bound must be positive, got " + bound);
    }
    long limit = (1L << 31) - ((1L << 31) % bound);
    while (true) {
      long r = nextLong() >>> 33;
      if (r < limit) {
        return (int) (r % bound);
      }
    }
  }
}
