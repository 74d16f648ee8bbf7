package dev.kindred.env.spin;

import dev.kindred.env.Rng;

/**
 * Kernels for any graph storage, per-agent priors, frozen (controlled or clamped) sites and both
 * action rules; one class per schedule. Each update computes the local field u_i and applies
 * the action rule: with {@code action = sample} one {@code nextDouble()} compared with φ_i
 * (heat bath), with {@code action = mode} the sign of u_i, no random draw.
 */
final class SpinGenericKernels {
  private SpinGenericKernels() {}

  private abstract static class Base implements SpinKernel {
    final SpinSystem system;
    final int n;
    private final boolean mode;
    private final boolean flatPosterior;

    Base(SpinSystem system, boolean mode) {
      this.system = system;
      this.n = system.n;
      this.mode = mode;
      this.flatPosterior = !(system.beta > 0);
    }

    /** The agent's new spin given its local field u and its current spin. */
    final byte decide(Rng r, double u, byte old) {
      if (mode) {
        // At β = 0 the posterior is flat (φ = 1/2): no mode, so the spin stays.
        return flatPosterior ? old : u > 0 ? (byte) 1 : u < 0 ? (byte) -1 : old;
      }
      return r.nextDouble() < system.phi(u) ? (byte) 1 : (byte) -1;
    }

    /** Updates site i of the copy at {@code base} in place. */
    final void update(Rng r, int copy, int base, int i) {
      SpinSystem sys = system;
      sys.setSpin(base, i, decide(r, sys.localField(copy, base, i), sys.spins[base + i]));
    }
  }

  /** |free| updates, each at a uniformly random free site ({@code nextInt(|free|)} before the rule's draw). */
  static final class RandomSequential extends Base {
    private final int[] free;

    RandomSequential(SpinSystem system, boolean mode, int[] free) {
      super(system, mode);
      this.free = free;
    }

    @Override
    public void sweep(int copy) {
      final Rng r = system.rng(copy);
      final int[] sites = free;
      final int base = copy * n;
      final int count = sites.length;
      for (int k = 0; k < count; k++) {
        update(r, copy, base, sites[r.nextInt(count)]);
      }
    }
  }

  /** Each site list in turn, each in its order, updated in place: sweep (one list) or checkerboard (two). */
  static final class InOrder extends Base {
    private final int[][] passes;

    InOrder(SpinSystem system, boolean mode, int[][] passes) {
      super(system, mode);
      this.passes = passes;
    }

    @Override
    public void sweep(int copy) {
      final Rng r = system.rng(copy);
      final int base = copy * n;
      for (int[] sites : passes) {
        for (int i : sites) {
          update(r, copy, base, i);
        }
      }
    }
  }

  /** Every free site from the previous configuration: decisions into a scratch copy, then applied. */
  static final class Synchronous extends Base {
    private final int[] free;
    private final byte[] next;

    Synchronous(SpinSystem system, boolean mode, int[] free) {
      super(system, mode);
      this.free = free;
      this.next = new byte[system.spins.length];
    }

    @Override
    public void sweep(int copy) {
      final SpinSystem sys = system;
      final byte[] s = sys.spins;
      final Rng r = sys.rng(copy);
      final int base = copy * n;
      for (int i : free) {
        next[base + i] = decide(r, sys.localField(copy, base, i), s[base + i]);
      }
      for (int i : free) {
        sys.setSpin(base, i, next[base + i]);
      }
    }
  }
}
