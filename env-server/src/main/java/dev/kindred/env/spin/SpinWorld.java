package dev.kindred.env.spin;

import dev.kindred.env.Rng;
import dev.kindred.env.World;
import dev.kindred.env.WorldBuffers;
import dev.kindred.env.WorldSpec;
import java.util.Arrays;

/**
 * A batch of copies of a collective of active-inference spin agents (Heins et al. 2022).
 *
 * <p>Agent i holds sensory precisions β·γ_ij for its neighbours and prior precision β·ζ_i. Its
 * exact posterior that the hidden cause is +1 is φ_i = σ(2β u_i) with the local field
 * u_i = ζ_i + Σ_j γ_ij σ_j; with {@code action = sample} it sets its spin to +1 with probability
 * φ_i (Glauber / heat-bath dynamics), with {@code action = mode} to sign(u_i), keeping its spin
 * when u_i = 0 (also always at β = 0). Its surprise about its neighbours' spins is
 * −ln P(σ̃) = −ln 2cosh(β u_i) + ln 2cosh(β ζ_i) + Σ_j ln 2cosh(β γ_ij).
 *
 * <p>Random numbers: each copy owns an {@link Rng} seeded by {@link #reset}. {@code init = random}
 * draws one {@code nextLong()} per site in index order (+1 when its top bit is 0); clamped values
 * are then applied. A random-sequential update draws {@code nextInt(free)} for the site, then
 * (action = sample) {@code nextDouble()} compared with φ_i; ordered schedules (sweep,
 * checkerboard, synchronous) draw one {@code nextDouble()} per free site in their order. The fast
 * lattice kernel compares raw bits with integer thresholds, giving bit-identical trajectories.
 *
 * <p>This class wires the parts: {@link SpinSpecs} (what the spec says), {@link SpinSystem}
 * (model and state) and {@link SpinObservables} (what each step reports), and runs the kernels.
 */
public final class SpinWorld implements World {
  private final SpinSystem system;
  private final SpinSpecs specs;
  private final SpinObservables observables;
  private final int schedule;
  private final boolean mode;
  private final int[] free;
  private final int[] freeColour0;
  private final int[] freeColour1;
  private final boolean fastLattice;
  private boolean fastEnabled = true;
  private final byte[] scratch;
  private final long[][] rngState;
  private final long[] latticeThreshold = new long[5];

  private final int sweepsPerStep;
  private final long episodeLength;
  private final String init;
  private final long burnIn;
  private final int[] controlled;
  private final int[] clamped;
  private final byte[] clampedValues;
  private final long[] stepCount;

  SpinWorld(String worldId, SpinGraph g, SpinOptions o, int copies, String graphDescription) {
    this.controlled = o.controlled().clone();
    this.clamped = o.clamped().clone();
    this.clampedValues = o.clampedValues().clone();
    this.schedule = o.schedule();
    this.mode = o.mode();
    this.sweepsPerStep = o.sweepsPerStep();
    this.episodeLength = o.episodeLength();
    this.init = o.init();
    this.burnIn = o.burnIn();
    this.stepCount = new long[copies];
    int n = g.n;
    boolean[] frozen = new boolean[n];
    for (int i : controlled) {
      frozen[i] = true;
    }
    for (int i : clamped) {
      frozen[i] = true;
    }
    int nf = 0;
    for (int i = 0; i < n; i++) {
      nf += frozen[i] ? 0 : 1;
    }
    free = new int[nf];
    int k = 0;
    int c0 = 0;
    for (int i = 0; i < n; i++) {
      if (!frozen[i]) {
        free[k++] = i;
        if (g.bipartite && g.colourOf(i) == 0) {
          c0++;
        }
      }
    }
    freeColour0 = new int[g.bipartite ? c0 : 0];
    freeColour1 = new int[g.bipartite ? nf - c0 : 0];
    if (g.bipartite) {
      int a = 0;
      int b = 0;
      for (int i : free) {
        if (g.colourOf(i) == 0) {
          freeColour0[a++] = i;
        } else {
          freeColour1[b++] = i;
        }
      }
    }
    this.system = new SpinSystem(g, o.beta(), o.zeta(), o.zetas(), copies);
    this.specs = new SpinSpecs(worldId, g, o, free.length, graphDescription);
    this.observables = new SpinObservables(system, specs, controlled);
    this.fastLattice = system.homogeneousLattice && nf == n && !mode;
    if (g.kind == SpinGraph.Kind.LATTICE) {
      for (int idx = 0; idx < 5; idx++) {
        latticeThreshold[idx] = Rng.threshold(system.phi(system.homogeneousLatticeField(idx)));
      }
    }
    scratch = schedule == SpinOptions.SYNCHRONOUS ? new byte[copies * n] : null;
    rngState = new long[copies][4];
  }

  @Override
  public WorldSpec spec() {
    return specs.spec;
  }

  @Override
  public int copies() {
    return system.copies;
  }

  @Override
  public void reset(int copy, long seed, WorldBuffers out) {
    Rng r = system.rng(copy);
    r.seed(seed);
    int n = system.n;
    int base = copy * n;
    byte[] spins = system.spins;
    switch (init) {
      case "up" -> Arrays.fill(spins, base, base + n, (byte) 1);
      case "down" -> Arrays.fill(spins, base, base + n, (byte) -1);
      default -> {
        for (int i = 0; i < n; i++) {
          spins[base + i] = r.nextLong() >= 0 ? (byte) 1 : (byte) -1;
        }
      }
    }
    for (int k = 0; k < clamped.length; k++) {
      spins[base + clamped[k]] = clampedValues[k];
    }
    system.recomputeFields(copy);
    for (long s = 0; s < burnIn; s++) {
      sweep(copy);
    }
    stepCount[copy] = 0;
    observables.startEpisode(copy);
    observables.measure(copy, out, false);
  }

  @Override
  public void step(int copy, WorldBuffers io) {
    int[] actions = io.actions();
    int aoff = io.actionOffset(copy);
    int base = copy * system.n;
    for (int a = 0; a < controlled.length; a++) {
      system.setSpin(base, controlled[a], actions[aoff + a] == 1 ? (byte) 1 : (byte) -1);
    }
    for (int s = 0; s < sweepsPerStep; s++) {
      sweep(copy);
    }
    stepCount[copy]++;
    io.setEnded(copy, false, episodeLength > 0 && stepCount[copy] >= episodeLength);
    observables.measure(copy, io, true);
  }

  @Override
  public void episodeStats(int copy, double[] agentStats, double[] copyStats) {
    observables.episodeStats(copy, stepCount[copy], agentStats, copyStats);
  }

  // ---------------------------------------------------------------- test hooks

  /** The coupling graph. */
  SpinGraph graph() {
    return system.graph;
  }

  /** Test hook: disables the specialised lattice kernel (the generic path must agree). */
  void setFastKernel(boolean enabled) {
    this.fastEnabled = enabled;
  }

  /** Whether the specialised lattice kernel is in use. */
  public boolean usesFastKernel() {
    return fastLattice && fastEnabled;
  }

  // ---------------------------------------------------------------- kernels

  private void sweep(int copy) {
    boolean fast = fastLattice && fastEnabled;
    switch (schedule) {
      case SpinOptions.RANDOM_SEQUENTIAL -> {
        if (fast) {
          latticeRandom(copy);
        } else {
          genericRandom(copy);
        }
      }
      case SpinOptions.SWEEP -> {
        if (fast) {
          latticeOrdered(copy, -1);
        } else {
          genericOrdered(copy, free);
        }
      }
      case SpinOptions.CHECKERBOARD -> {
        if (fast) {
          latticeOrdered(copy, 0);
          latticeOrdered(copy, 1);
        } else {
          genericOrdered(copy, freeColour0);
          genericOrdered(copy, freeColour1);
        }
      }
      default -> {
        if (fast) {
          latticeSync(copy);
        } else {
          genericSync(copy);
        }
      }
    }
  }

  private byte decide(Rng r, double u, byte old) {
    if (mode) {
      return u > 0 && system.beta > 0 ? (byte) 1 : u < 0 && system.beta > 0 ? (byte) -1 : old;
    }
    return r.nextDouble() < system.phi(u) ? (byte) 1 : (byte) -1;
  }

  private void genericRandom(int copy) {
    Rng r = system.rng(copy);
    int base = copy * system.n;
    int nf = free.length;
    for (int k = 0; k < nf; k++) {
      int i = free[r.nextInt(nf)];
      system.setSpin(base, i, decide(r, system.localField(copy, base, i), system.spins[base + i]));
    }
  }

  private void genericOrdered(int copy, int[] sites) {
    Rng r = system.rng(copy);
    int base = copy * system.n;
    for (int i : sites) {
      system.setSpin(base, i, decide(r, system.localField(copy, base, i), system.spins[base + i]));
    }
  }

  private void genericSync(int copy) {
    Rng r = system.rng(copy);
    int base = copy * system.n;
    for (int i : free) {
      scratch[base + i] = decide(r, system.localField(copy, base, i), system.spins[base + i]);
    }
    for (int i : free) {
      system.setSpin(base, i, scratch[base + i]);
    }
  }

  /**
   * Random-sequential heat bath on a homogeneous lattice: thresholds on raw random bits, the
   * generator's recurrence inlined on local variables (same stream as {@link Rng#nextInt(int)}
   * followed by {@link Rng#nextLong()}).
   */
  private void latticeRandom(int copy) {
    final Rng r = system.rng(copy);
    final long[] st = rngState[copy];
    r.getState(st);
    long s0 = st[0];
    long s1 = st[1];
    long s2 = st[2];
    long s3 = st[3];
    final byte[] s = system.spins;
    final long[] thresholds = latticeThreshold;
    final int nn = system.n;
    final int base = copy * nn;
    final long bound = nn;
    final long reject = (0x100000000L - bound) % bound;
    final int w = system.width;
    final int lastRow = (system.height - 1) * w;
    final long magic = system.divMagic;
    final int shift = system.divShift;
    for (int k = 0; k < nn; k++) {
      long m;
      while (true) {
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
      long x = Long.rotateLeft(s1 * 5, 7) * 9;
      long t = s1 << 17;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = Long.rotateLeft(s3, 45);
      int y = (int) ((i * magic) >>> shift);
      int row = y * w;
      int xx = i - row;
      int sum = s[base + row + (xx + 1 == w ? 0 : xx + 1)] + s[base + row + (xx == 0 ? w - 1 : xx - 1)]
          + s[base + (row == lastRow ? 0 : row + w) + xx] + s[base + (row == 0 ? lastRow : row - w) + xx];
      // A table lookup, not a chain of comparisons: the sum is random, so branches on it
      // would mispredict about half the time (measured: twice as slow).
      s[base + i] = (x >>> 11) < thresholds[(sum + 4) >> 1] ? (byte) 1 : (byte) -1;
    }
    st[0] = s0;
    st[1] = s1;
    st[2] = s2;
    st[3] = s3;
    r.setState(st);
  }

  /** Ordered heat bath on a homogeneous lattice, in place: all sites (parity -1) or one colour class. */
  private void latticeOrdered(int copy, int parity) {
    latticeHeatBath(copy, parity, system.spins);
  }

  /** Synchronous heat bath: every site from the previous configuration, through the scratch copy. */
  private void latticeSync(int copy) {
    int n = system.n;
    latticeHeatBath(copy, -1, scratch);
    System.arraycopy(scratch, copy * n, system.spins, copy * n, n);
  }

  /**
   * Heat-bath updates of a homogeneous lattice in row-major order, reading neighbours from the
   * spins and writing into {@code out}: the spins themselves (sequential sweep or one colour
   * class, parity 0/1) or the scratch array (synchronous).
   */
  private void latticeHeatBath(int copy, int parity, byte[] out) {
    final Rng r = system.rng(copy);
    final byte[] s = system.spins;
    final long[] thr = latticeThreshold;
    final int base = copy * system.n;
    final int w = system.width;
    final int lastRow = (system.height - 1) * w;
    final int dx = parity < 0 ? 1 : 2;
    for (int row = 0; row <= lastRow; row += w) {
      int up = base + (row == lastRow ? 0 : row + w);
      int down = base + (row == 0 ? lastRow : row - w);
      int here = base + row;
      int x0 = parity < 0 ? 0 : (((row / w) & 1) == parity ? 0 : 1);
      for (int x = x0; x < w; x += dx) {
        int sum = s[here + (x + 1 == w ? 0 : x + 1)] + s[here + (x == 0 ? w - 1 : x - 1)] + s[up + x] + s[down + x];
        out[here + x] = (r.nextLong() >>> 11) < thr[(sum + 4) >> 1] ? (byte) 1 : (byte) -1;
      }
    }
  }
}
