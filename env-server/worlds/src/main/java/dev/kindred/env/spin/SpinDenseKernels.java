package dev.kindred.env.spin;

import dev.kindred.env.Rng;

/**
 * The random-sequential heat bath on dense couplings ({@code spin.sk}, {@code spin.boltzmann}) with
 * sampled actions (see {@link SpinKernel#denseSpecialisationApplies}): the generic kernel's draws
 * and decisions, hence bit-identical trajectories, at less cost per update.
 *
 * <ul>
 *   <li>The generator runs on local variables (the {@link Rng#nextInt(int)} then {@link Rng#nextLong()}
 *       stream of the generic kernel, whose {@code nextDouble()} is {@code (nextLong() >>> 11) * 2^-53}).
 *   <li>{@link SpinHeatBath} decides most updates from a threshold table, without {@code exp}.
 *   <li>The local field is read from the cache ({@code ζ_i + f_i}, as {@link SpinSystem#localField}),
 *       and only a flip touches the n fields (one column, {@link SpinDenseColumns#add}).
 * </ul>
 */
final class SpinDenseKernels {
  private SpinDenseKernels() {}

  /** Whether {@code kernel} is one of these. */
  static boolean isDenseKernel(SpinKernel kernel) {
    return kernel instanceof RandomSequential;
  }

  /** |free| updates, each at a uniformly random free site. */
  static final class RandomSequential implements SpinKernel {
    private final SpinSystem system;
    private final int n;
    private final int[] free;
    private final SpinHeatBath heatBath;
    /** Per copy, where the generator's state waits while the loop runs it on locals. */
    private final long[][] rngState;

    RandomSequential(SpinSystem system, int[] free) {
      this.system = system;
      this.n = system.n;
      this.free = free;
      this.heatBath = new SpinHeatBath(system);
      this.rngState = new long[system.copies][4];
    }

    @Override
    public void sweep(int copy) {
      final int[] sites = free;
      final int count = sites.length;
      if (count == 0) {
        return; // no draw, as in the generic kernel
      }
      final Rng r = system.rng(copy);
      final long[] st = rngState[copy];
      r.getState(st);
      long s0 = st[0];
      long s1 = st[1];
      long s2 = st[2];
      long s3 = st[3];
      final byte[] s = system.spins;
      final double[] f = system.denseFields();
      final float[] gamma = system.graph.dense;
      final double[] zetas = system.zetas;
      final double zeta0 = system.zeta0;
      final SpinHeatBath hb = heatBath;
      final int nn = n;
      final int base = copy * nn;
      final long bound = count;
      final long reject = (0x100000000L - bound) % bound;
      for (int k = 0; k < count; k++) {
        long m;
        while (true) { // nextInt(count): Lemire's multiply-and-reject
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
        int i = sites[(int) (m >>> 32)];
        long x = Long.rotateLeft(s1 * 5, 7) * 9; // nextLong()
        long t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = Long.rotateLeft(s3, 45);
        double u = (zetas == null ? zeta0 : zetas[i]) + f[base + i];
        byte v = hb.spin(x >>> 11, u);
        if (s[base + i] != v) {
          s[base + i] = v;
          SpinDenseColumns.add(f, base, gamma, i * nn, nn, 2.0 * v);
        }
      }
      st[0] = s0;
      st[1] = s1;
      st[2] = s2;
      st[3] = s3;
      r.setState(st);
    }
  }
}
