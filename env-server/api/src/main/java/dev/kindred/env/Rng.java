package dev.kindred.env;

/**
 * A small, fast, deterministic pseudo-random generator for world hot loops: xoshiro256**
 * (Blackman and Vigna), seeded from one long through SplitMix64. Not thread-safe; each copy of a
 * world owns one. Not cryptographic.
 */
public final class Rng {
  private long s0;
  private long s1;
  private long s2;
  private long s3;

  public Rng(long seed) {
    seed(seed);
  }

  /** Re-seeds the generator in place (no allocation), as if newly constructed with {@code seed}. */
  public void seed(long seed) {
    long z = seed;
    z += 0x9e3779b97f4a7c15L;
    s0 = Seeds.mix(z);
    z += 0x9e3779b97f4a7c15L;
    s1 = Seeds.mix(z);
    z += 0x9e3779b97f4a7c15L;
    s2 = Seeds.mix(z);
    z += 0x9e3779b97f4a7c15L;
    s3 = Seeds.mix(z);
    if ((s0 | s1 | s2 | s3) == 0) {
      s0 = 1; // the all-zero state is a fixed point; SplitMix64 never yields it, but be safe
    }
  }

  /**
   * Copies the 256-bit state into {@code out[0..3]}, so a hot loop can run the generator on
   * local variables (the exact {@link #nextLong} recurrence) and hand the state back with
   * {@link #setState}.
   */
  public void getState(long[] out) {
    out[0] = s0;
    out[1] = s1;
    out[2] = s2;
    out[3] = s3;
  }

  /** Restores a state written by {@link #getState} (and advanced by the same recurrence). */
  public void setState(long[] in) {
    s0 = in[0];
    s1 = in[1];
    s2 = in[2];
    s3 = in[3];
  }

  /** 64 uniformly random bits. */
  public long nextLong() {
    final long r = Long.rotateLeft(s1 * 5, 7) * 9;
    final long t = s1 << 17;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = Long.rotateLeft(s3, 45);
    return r;
  }

  /** 32 uniformly random bits. */
  public int nextInt() {
    return (int) (nextLong() >>> 32);
  }

  /**
   * A uniformly random int in {@code [0, bound)}, without bias (Lemire's multiply-and-reject;
   * one {@link #nextLong} almost always).
   *
   * @param bound at least 1
   */
  public int nextInt(int bound) {
    long m = (nextLong() >>> 32) * bound;
    long l = m & 0xffffffffL;
    if (l < bound) {
      long t = (0x100000000L - bound) % bound;
      while (l < t) {
        m = (nextLong() >>> 32) * bound;
        l = m & 0xffffffffL;
      }
    }
    return (int) (m >>> 32);
  }

  /**
   * A uniform double in {@code [0, 1)} with 53 random bits: {@code (nextLong() >>> 11) * 2^-53}.
   * So {@code nextDouble() < p} holds exactly when {@code (nextLong() >>> 11) < ceil(p * 2^53)},
   * which hot loops use to compare raw bits with integer thresholds.
   */
  public double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /** A standard normal variate (Marsaglia's polar method, no cached second value). */
  public double nextGaussian() {
    while (true) {
      double u = 2 * nextDouble() - 1;
      double v = 2 * nextDouble() - 1;
      double s = u * u + v * v;
      if (s > 0 && s < 1) {
        return u * Math.sqrt(-2 * Math.log(s) / s);
      }
    }
  }

  /** The integer threshold t with {@code nextDouble() < p  <=>  (nextLong() >>> 11) < t}. */
  public static long threshold(double p) {
    if (!(p > 0)) {
      return 0;
    }
    if (p >= 1) {
      return 1L << 53;
    }
    return (long) Math.ceil(p * 0x1.0p53);
  }
}
