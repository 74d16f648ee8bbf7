package dev.kindred.env.spin;

import dev.kindred.env.Rng;

/**
 * Heat-bath kernels for a homogeneous periodic lattice with one prior, every spin free and
 * sampled actions (see {@link SpinKernel#latticeSpecialisationApplies}). The local field takes
 * one of five values, so φ_i becomes a five-entry table of integer thresholds compared with raw
 * random bits ({@link Rng#threshold}): the same draws and the same decisions as the generic
 * kernels' {@code nextDouble() < φ_i}, hence bit-identical trajectories.
 */
final class SpinLatticeKernels {
  private SpinLatticeKernels() {}

  /** Whether {@code kernel} is one of these. */
  static boolean isLatticeKernel(SpinKernel kernel) {
    return kernel instanceof Base;
  }

  private abstract static class Base implements SpinKernel {
    final SpinSystem system;
    final int n;
    final int width;
    final int lastRow;
    /** Heat-bath threshold by number of +1 neighbours (0..4). */
    final long[] thresholds = new long[5];

    Base(SpinSystem system) {
      this.system = system;
      this.n = system.n;
      this.width = system.width;
      this.lastRow = (system.height - 1) * system.width;
      for (int k = 0; k < 5; k++) {
        thresholds[k] = Rng.threshold(system.phi(system.homogeneousLatticeField(k)));
      }
    }

    /**
     * Heat-bath updates in row-major order, reading neighbours from the spins and writing into
     * {@code out}: all sites, or with {@code parity} 0/1 only the sites with (x + y) mod 2 == parity
     * (parity −1: all).
     */
    final void heatBathRows(int copy, int parity, byte[] out) {
      final Rng r = system.rng(copy);
      final byte[] s = system.spins;
      final long[] thr = thresholds;
      final int base = copy * n;
      final int w = width;
      final int last = lastRow;
      final int dx = parity < 0 ? 1 : 2;
      for (int row = 0; row <= last; row += w) {
        int up = base + (row == last ? 0 : row + w);
        int down = base + (row == 0 ? last : row - w);
        int here = base + row;
        int x0 = parity < 0 ? 0 : (((row / w) & 1) == parity ? 0 : 1);
        for (int x = x0; x < w; x += dx) {
          int sum = SpinSystem.latticeNeighbourSum(s, here, up, down, x, w);
          out[here + x] = (r.nextLong() >>> 11) < thr[(sum + 4) >> 1] ? (byte) 1 : (byte) -1;
        }
      }
    }
  }

  /**
   * Random-sequential heat bath: the generator's recurrence inlined on local variables (the same
   * stream as {@link Rng#nextInt(int)} followed by {@link Rng#nextLong()}).
   */
  static final class RandomSequential extends Base {
    /** Per copy, where the generator's state waits while the loop runs it on locals. */
    private final long[][] rngState;

    RandomSequential(SpinSystem system) {
      super(system);
      this.rngState = new long[system.copies][4];
    }

    @Override
    public void sweep(int copy) {
      final Rng r = system.rng(copy);
      final long[] st = rngState[copy];
      r.getState(st);
      long s0 = st[0];
      long s1 = st[1];
      long s2 = st[2];
      long s3 = st[3];
      final byte[] s = system.spins;
      final long[] thr = thresholds;
      final int base = copy * n;
      final int nn = n;
      final long bound = nn;
      final long reject = (0x100000000L - bound) % bound;
      final int w = width;
      final int last = lastRow;
      final long magic = system.divMagic;
      final int shift = system.divShift;
      for (int k = 0; k < nn; k++) {
        long m;
        while (true) { // nextInt(n): Lemire's multiply-and-reject
          long x = Long.rotateLeft(s1 * 5, 7) * 9;
          long t = s1 << 17;
          s2 ^= s0;
          s3 ^= s1;
          s1 ^= s2;
          s0 ^= s3;
          s2 ^= t;
          s3 = Long.rotateLeft(s3, 45);
          m = (x >>> 32) * bound;
          if ((m & 0xffffffffL) >= reject) {
            break;
          }
        }
        int i = (int) (m >>> 32);
        long x = Long.rotateLeft(s1 * 5, 7) * 9; // nextLong()
        long t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = Long.rotateLeft(s3, 45);
        int row = (int) ((i * magic) >>> shift) * w;
        int sum = SpinSystem.latticeNeighbourSum(s, base + row, base + (row == last ? 0 : row + w),
            base + (row == 0 ? last : row - w), i - row, w);
        // A table lookup, not a chain of comparisons: the sum is random, so branches on it
        // would mispredict about half the time (measured: twice as slow).
        s[base + i] = (x >>> 11) < thr[(sum + 4) >> 1] ? (byte) 1 : (byte) -1;
      }
      st[0] = s0;
      st[1] = s1;
      st[2] = s2;
      st[3] = s3;
      r.setState(st);
    }
  }

  /** In place, row-major: every site (sweep) or the two colour classes in turn (checkerboard). */
  static final class InOrder extends Base {
    private final boolean checkerboard;

    InOrder(SpinSystem system, boolean checkerboard) {
      super(system);
      this.checkerboard = checkerboard;
    }

    @Override
    public void sweep(int copy) {
      if (checkerboard) {
        heatBathRows(copy, 0, system.spins);
        heatBathRows(copy, 1, system.spins);
      } else {
        heatBathRows(copy, -1, system.spins);
      }
    }
  }

  /** Every site from the previous configuration, through a scratch copy. */
  static final class Synchronous extends Base {
    private final byte[] next;

    Synchronous(SpinSystem system) {
      super(system);
      this.next = new byte[system.spins.length];
    }

    @Override
    public void sweep(int copy) {
      heatBathRows(copy, -1, next);
      System.arraycopy(next, copy * n, system.spins, copy * n, n);
    }
  }
}
