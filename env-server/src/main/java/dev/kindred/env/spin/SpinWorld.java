package dev.kindred.env.spin;

import dev.kindred.env.Rng;
import dev.kindred.env.World;
import dev.kindred.env.WorldBuffers;
import dev.kindred.env.WorldSpec;
import java.nio.ByteBuffer;

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
 */
public final class SpinWorld implements World {
  private final SpinSpecs specs;
  private final int copies;
  private final SpinGraph g;
  private final int n;
  private final double beta;
  private final double zeta0;
  private final double[] zetas; // null: every agent has zeta0
  private final int schedule;
  private final boolean mode;
  private final int sweepsPerStep;
  private final long episodeLength;
  private final String init;
  private final long burnIn;
  private final int[] controlled;
  private final int[] clamped;
  private final byte[] clampedValues;
  private final int[] free;
  private final int[] freeColour0;
  private final int[] freeColour1;
  private final boolean fastLattice;
  private boolean fastEnabled = true;

  // lattice helpers
  private final int width;
  private final int height;
  private final long divMagic;
  private final int divShift;
  private final long[] latticeThreshold = new long[5];
  private final double[] latticeLn2cosh = new double[5];

  // per-site constants: ln 2cosh(βζ_i) + Σ_j ln 2cosh(βγ_ij) (null on a homogeneous lattice)
  private final double[] surpriseConst;
  private final double latticeEdgeConst;

  // per-agent neighbour lists (controlled agents)
  private final int[][] agentNbr;
  private final double[][] agentW;

  // state
  private final byte[] spins;
  private final double[] fields; // DENSE: Σ_j γ_ij σ_j per copy and site
  private final byte[] scratch;
  private final Rng[] rngs;
  private final long[][] rngState;
  private final int[] histogram;
  private final long[] stepCount;
  private final double[] sumM;
  private final double[] sumAbsM;
  private final double[] sumE;
  private final double[] sumS;
  private final double[] agentSumS;

  SpinWorld(String worldId, SpinGraph g, SpinOptions o, int copies, String graphDescription) {
    this.copies = copies;
    this.g = g;
    this.n = g.n;
    this.beta = o.beta();
    this.zeta0 = o.zeta();
    this.zetas = o.zetas();
    this.schedule = o.schedule();
    this.mode = o.mode();
    this.sweepsPerStep = o.sweepsPerStep();
    this.episodeLength = o.episodeLength();
    this.init = o.init();
    this.burnIn = o.burnIn();
    this.controlled = o.controlled().clone();
    this.clamped = o.clamped().clone();
    this.clampedValues = o.clampedValues().clone();
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
    this.fastLattice = g.kind == SpinGraph.Kind.LATTICE && zetas == null && nf == n && !mode;
    this.width = g.width;
    this.height = g.height;
    if (g.width > 0) {
      long[] dm = divisionMagic(g.width);
      divMagic = dm[0];
      divShift = (int) dm[1];
    } else {
      divShift = 0;
      divMagic = 0;
    }
    if (g.kind == SpinGraph.Kind.LATTICE) {
      for (int idx = 0; idx < 5; idx++) {
        double u = zeta0 + g.latticeGamma * (2 * idx - 4);
        latticeThreshold[idx] = Rng.threshold(phi(u));
        latticeLn2cosh[idx] = ln2cosh(beta * u);
      }
      latticeEdgeConst = 4 * ln2cosh(beta * g.latticeGamma);
      surpriseConst = null;
    } else {
      latticeEdgeConst = 0;
      surpriseConst = new double[n];
      int[] idx = new int[g.maxDegree];
      double[] w = new double[g.maxDegree];
      for (int i = 0; i < n; i++) {
        int d = g.neighboursOf(i, idx, w);
        double c = ln2cosh(beta * zeta(i));
        for (int e = 0; e < d; e++) {
          c += ln2cosh(beta * w[e]);
        }
        surpriseConst[i] = c;
      }
    }
    int agents = controlled.length;
    agentNbr = new int[agents][];
    agentW = new double[agents][];
    for (int a = 0; a < agents; a++) {
      int[] idx = new int[g.maxDegree];
      double[] w = new double[g.maxDegree];
      int d = g.neighboursOf(controlled[a], idx, w);
      agentNbr[a] = java.util.Arrays.copyOf(idx, d);
      agentW[a] = java.util.Arrays.copyOf(w, d);
    }

    spins = new byte[Math.multiplyExact(copies, n)];
    fields = g.kind == SpinGraph.Kind.DENSE ? new double[copies * n] : null;
    scratch = schedule == SpinOptions.SYNCHRONOUS ? new byte[copies * n] : null;
    rngs = new Rng[copies];
    rngState = new long[copies][4];
    histogram = new int[copies * 10];
    for (int c = 0; c < copies; c++) {
      rngs[c] = new Rng(c);
    }
    stepCount = new long[copies];
    sumM = new double[copies];
    sumAbsM = new double[copies];
    sumE = new double[copies];
    sumS = new double[copies];
    agentSumS = new double[copies * agents];

    specs = new SpinSpecs(worldId, g, o, nf, graphDescription);
  }

  // ---------------------------------------------------------------- helpers

  private double zeta(int i) {
    return zetas == null ? zeta0 : zetas[i];
  }

  private double phi(double u) {
    return 1.0 / (1.0 + Math.exp(-2.0 * beta * u));
  }

  /** ln 2cosh(x), stable for large |x|. */
  static double ln2cosh(double x) {
    double a = Math.abs(x);
    return a + Math.log1p(Math.exp(-2 * a));
  }

  /**
   * Multiplier and shift for exact division by {@code d} of any non-negative int below 2^32
   * (Granlund–Montgomery round-up method): {@code i / d == (i * m) >>> shift}.
   */
  static long[] divisionMagic(int d) {
    int l = 32 - Integer.numberOfLeadingZeros(d - 1); // ceil(log2 d)
    int shift = 32 + l;
    long m = java.math.BigInteger.ONE.shiftLeft(shift).add(java.math.BigInteger.valueOf(d - 1))
        .divide(java.math.BigInteger.valueOf(d)).longValueExact();
    return new long[] {m, shift};
  }

  /** The graph (test hook). */
  SpinGraph graph() {
    return g;
  }

  private int divWidth(int i) {
    return (int) ((i * divMagic) >>> divShift);
  }

  /** The un-scaled local field u_i = ζ_i + Σ_j γ_ij σ_j of site i in the copy at {@code base}. */
  private double field(int copy, int base, int i) {
    byte[] s = spins;
    switch (g.kind) {
      case LATTICE -> {
        int y = divWidth(i);
        int x = i - y * width;
        int row = y * width;
        int sum = s[base + row + (x + 1 == width ? 0 : x + 1)] + s[base + row + (x == 0 ? width - 1 : x - 1)]
            + s[base + (y + 1 == height ? 0 : row + width) + x] + s[base + (y == 0 ? (height - 1) * width : row - width) + x];
        return zeta(i) + g.latticeGamma * sum;
      }
      case CSR -> {
        double u = 0;
        int[] nb = g.neighbours;
        double[] w = g.weights;
        for (int e = g.offsets[i], end = g.offsets[i + 1]; e < end; e++) {
          u += w[e] * s[base + nb[e]];
        }
        return zeta(i) + u;
      }
      default -> {
        return zeta(i) + fields[copy * n + i];
      }
    }
  }

  private void recomputeFields(int copy) {
    if (fields == null) {
      return;
    }
    int base = copy * n;
    java.util.Arrays.fill(fields, base, base + n, 0.0);
    double[] m = g.dense;
    for (int j = 0; j < n; j++) {
      double sj = spins[base + j];
      int col = j * n;
      for (int i = 0; i < n; i++) {
        fields[base + i] += m[col + i] * sj;
      }
    }
  }

  /** Sets spin i (dense: updating every local field) if it differs. */
  private void setSpin(int copy, int i, byte v) {
    int base = copy * n;
    if (spins[base + i] != v) {
      spins[base + i] = v;
      if (fields != null) {
        applyFlip(base, i, v);
      }
    }
  }

  private void applyFlip(int base, int j, int newSpin) {
    double delta = 2.0 * newSpin;
    double[] m = g.dense;
    double[] f = fields;
    int col = j * n;
    for (int i = 0; i < n; i++) {
      f[base + i] += m[col + i] * delta;
    }
  }

  // ---------------------------------------------------------------- kernels

  /**
   * Runs {@code sweeps} sweeps of the built-in agents on {@code copy} (no measurements, no
   * session bookkeeping) and returns the number of single-spin updates performed
   * ({@code sweeps × free spins}). For benchmarks; the copy must have been reset once.
   */
  public long runSweeps(int copy, int sweeps) {
    for (int s = 0; s < sweeps; s++) {
      sweep(copy);
    }
    return (long) sweeps * free.length;
  }

  /** Number of spins the built-in agents update per sweep. */
  public int freeSpins() {
    return free.length;
  }

  /** Test hook: disables the specialised lattice kernel (the generic path must agree). */
  void setFastKernel(boolean enabled) {
    this.fastEnabled = enabled;
  }

  /** Whether the specialised lattice kernel is in use. */
  public boolean usesFastKernel() {
    return fastLattice && fastEnabled;
  }

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
      return u > 0 && beta > 0 ? (byte) 1 : u < 0 && beta > 0 ? (byte) -1 : old;
    }
    return r.nextDouble() < phi(u) ? (byte) 1 : (byte) -1;
  }

  private void genericRandom(int copy) {
    Rng r = rngs[copy];
    int base = copy * n;
    int nf = free.length;
    for (int k = 0; k < nf; k++) {
      int i = free[r.nextInt(nf)];
      byte old = spins[base + i];
      byte v = decide(r, field(copy, base, i), old);
      if (v != old) {
        spins[base + i] = v;
        if (fields != null) {
          applyFlip(base, i, v);
        }
      }
    }
  }

  private void genericOrdered(int copy, int[] sites) {
    Rng r = rngs[copy];
    int base = copy * n;
    for (int i : sites) {
      byte old = spins[base + i];
      byte v = decide(r, field(copy, base, i), old);
      if (v != old) {
        spins[base + i] = v;
        if (fields != null) {
          applyFlip(base, i, v);
        }
      }
    }
  }

  private void genericSync(int copy) {
    Rng r = rngs[copy];
    int base = copy * n;
    for (int i : free) {
      scratch[base + i] = decide(r, field(copy, base, i), spins[base + i]);
    }
    for (int i : free) {
      byte v = scratch[base + i];
      if (v != spins[base + i]) {
        spins[base + i] = v;
        if (fields != null) {
          applyFlip(base, i, v);
        }
      }
    }
  }

  /**
   * Random-sequential heat bath on a homogeneous lattice: thresholds on raw random bits, the
   * generator's recurrence inlined on local variables (same stream as {@link Rng#nextInt(int)}
   * followed by {@link Rng#nextLong()}).
   */
  private void latticeRandom(int copy) {
    final Rng r = rngs[copy];
    final long[] st = rngState[copy];
    r.getState(st);
    long s0 = st[0];
    long s1 = st[1];
    long s2 = st[2];
    long s3 = st[3];
    final byte[] s = spins;
    final long[] thresholds = latticeThreshold;
    final int base = copy * n;
    final int nn = n;
    final long bound = nn;
    final long reject = (0x100000000L - bound) % bound;
    final int w = width;
    final int lastRow = (height - 1) * w;
    final long magic = divMagic;
    final int shift = divShift;
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
    latticeHeatBath(copy, parity, spins);
  }

  /** Synchronous heat bath: every site from the previous configuration, through the scratch copy. */
  private void latticeSync(int copy) {
    latticeHeatBath(copy, -1, scratch);
    System.arraycopy(scratch, copy * n, spins, copy * n, n);
  }

  /**
   * Heat-bath updates of a homogeneous lattice in row-major order, reading neighbours from the
   * spins and writing into {@code out}: the spins themselves (sequential sweep or one colour
   * class, parity 0/1) or the scratch array (synchronous).
   */
  private void latticeHeatBath(int copy, int parity, byte[] out) {
    final Rng r = rngs[copy];
    final byte[] s = spins;
    final long[] thr = latticeThreshold;
    final int base = copy * n;
    final int w = width;
    final int lastRow = (height - 1) * w;
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

  // ---------------------------------------------------------------- World

  @Override
  public WorldSpec spec() {
    return specs.spec;
  }

  @Override
  public int copies() {
    return copies;
  }

  @Override
  public void reset(int copy, long seed, WorldBuffers out) {
    Rng r = rngs[copy];
    r.seed(seed);
    int base = copy * n;
    switch (init) {
      case "up" -> java.util.Arrays.fill(spins, base, base + n, (byte) 1);
      case "down" -> java.util.Arrays.fill(spins, base, base + n, (byte) -1);
      default -> {
        for (int i = 0; i < n; i++) {
          spins[base + i] = r.nextLong() >= 0 ? (byte) 1 : (byte) -1;
        }
      }
    }
    for (int k = 0; k < clamped.length; k++) {
      spins[base + clamped[k]] = clampedValues[k];
    }
    recomputeFields(copy);
    for (long s = 0; s < burnIn; s++) {
      sweep(copy);
    }
    stepCount[copy] = 0;
    sumM[copy] = 0;
    sumAbsM[copy] = 0;
    sumE[copy] = 0;
    sumS[copy] = 0;
    java.util.Arrays.fill(agentSumS, copy * controlled.length, (copy + 1) * controlled.length, 0.0);
    measure(copy, out, false);
  }

  @Override
  public void step(int copy, WorldBuffers io) {
    int[] actions = io.actions();
    int aoff = io.actionOffset(copy);
    for (int a = 0; a < controlled.length; a++) {
      setSpin(copy, controlled[a], actions[aoff + a] == 1 ? (byte) 1 : (byte) -1);
    }
    for (int s = 0; s < sweepsPerStep; s++) {
      sweep(copy);
    }
    stepCount[copy]++;
    io.setEnded(copy, false, episodeLength > 0 && stepCount[copy] >= episodeLength);
    measure(copy, io, true);
  }

  /** Writes observations and (when {@code stats}) rewards and episode accumulators. */
  private void measure(int copy, WorldBuffers out, boolean stats) {
    int base = copy * n;
    // -- per-copy scalars: one pass
    long m = 0;
    double pairs = 0; // sum_i sigma_i (u_i + zeta_i)
    double fieldTerm = 0; // sum_i zeta_i sigma_i
    double lnc = 0; // sum_i ln 2cosh(beta u_i)
    double constSum = 0; // sum_i surprise constant
    if (g.kind == SpinGraph.Kind.LATTICE && zetas == null) {
      final int[] hist = histogram; // [spin+ (0/1)][sum index], this copy's block
      final int ho = copy * 10;
      java.util.Arrays.fill(hist, ho, ho + 10, 0);
      final int w = width;
      final int lastRow = (height - 1) * w;
      final byte[] s = spins;
      for (int row = 0; row <= lastRow; row += w) {
        int up = base + (row == lastRow ? 0 : row + w);
        int down = base + (row == 0 ? lastRow : row - w);
        int here = base + row;
        for (int x = 0; x < w; x++) {
          int sum = s[here + (x + 1 == w ? 0 : x + 1)] + s[here + (x == 0 ? w - 1 : x - 1)] + s[up + x] + s[down + x];
          hist[ho + (s[here + x] > 0 ? 5 : 0) + ((sum + 4) >> 1)]++;
        }
      }
      for (int h = 0; h < 10; h++) {
        int sp = h >= 5 ? 1 : -1;
        int idx = h % 5;
        double u = zeta0 + g.latticeGamma * (2 * idx - 4);
        int cnt = hist[ho + h];
        m += (long) sp * cnt;
        pairs += (double) cnt * sp * (u + zeta0);
        fieldTerm += (double) cnt * sp * zeta0;
        lnc += cnt * latticeLn2cosh[idx];
      }
      constSum = n * (ln2cosh(beta * zeta0) + latticeEdgeConst);
    } else {
      for (int i = 0; i < n; i++) {
        int sp = spins[base + i];
        double u = field(copy, base, i);
        double z = zeta(i);
        m += sp;
        pairs += sp * (u + z);
        fieldTerm += sp * z;
        lnc += ln2cosh(beta * u);
        constSum += surpriseConst != null ? surpriseConst[i] : ln2cosh(beta * z) + latticeEdgeConst;
      }
    }
    double mag = (double) m / n;
    double energy = -0.5 * pairs / n;
    double meanSurprise = (constSum - lnc) / n;
    if (stats) {
      sumM[copy] += mag;
      sumAbsM[copy] += Math.abs(mag);
      sumE[copy] += energy;
      sumS[copy] += meanSurprise;
    }
    putDouble(out, specs.magnetisation, copy, 0, mag);
    putDouble(out, specs.energy, copy, 0, energy);
    if (specs.energySync >= 0 && out.observation(specs.energySync) != null) {
      double es = beta > 0 ? (-fieldTerm - lnc / beta) / n : -fieldTerm / n;
      putDouble(out, specs.energySync, copy, 0, es);
    }
    putDouble(out, specs.meanSurprise, copy, 0, meanSurprise);
    if (specs.sublatticeMagnetisation >= 0 && out.observation(specs.sublatticeMagnetisation) != null) {
      long s0 = 0;
      long s1 = 0;
      long n0 = 0;
      for (int i = 0; i < n; i++) {
        if (g.colourOf(i) == 0) {
          s0 += spins[base + i];
          n0++;
        } else {
          s1 += spins[base + i];
        }
      }
      putDouble(out, specs.sublatticeMagnetisation, copy, 0, n0 == 0 ? 0 : (double) s0 / n0);
      putDouble(out, specs.sublatticeMagnetisation, copy, 1, n - n0 == 0 ? 0 : (double) s1 / (n - n0));
    }
    ByteBuffer b = out.observation(specs.spins);
    if (b != null) {
      b.put(out.observationOffset(specs.spins, copy), spins, base, n);
    }
    ByteBuffer bp = out.observation(specs.phi);
    ByteBuffer bs = out.observation(specs.surprise);
    if (bp != null || bs != null) {
      int op = bp == null ? 0 : out.observationOffset(specs.phi, copy);
      int os = bs == null ? 0 : out.observationOffset(specs.surprise, copy);
      for (int i = 0; i < n; i++) {
        double u = field(copy, base, i);
        if (bp != null) {
          bp.putFloat(op + 4 * i, (float) phi(u));
        }
        if (bs != null) {
          double c = surpriseConst != null ? surpriseConst[i] : ln2cosh(beta * zeta(i)) + latticeEdgeConst;
          bs.putFloat(os + 4 * i, (float) (c - ln2cosh(beta * u)));
        }
      }
    }
    // -- controlled agents
    int agents = controlled.length;
    if (agents == 0) {
      return;
    }
    int d = g.maxDegree;
    float[] rewards = out.rewards();
    byte[] success = out.actionSuccess();
    int roff = out.agentOffset(copy);
    ByteBuffer bsp = out.observation(specs.neighbourSpins);
    ByteBuffer bm = out.observation(specs.neighbourMask);
    ByteBuffer bw = out.observation(specs.neighbourPrecisions);
    ByteBuffer bz = out.observation(specs.priorPrecision);
    ByteBuffer bo = out.observation(specs.ownSpin);
    for (int a = 0; a < agents; a++) {
      int i = controlled[a];
      int[] nb = agentNbr[a];
      double[] w = agentW[a];
      double u = zeta(i);
      double c = ln2cosh(beta * zeta(i));
      for (int e = 0; e < nb.length; e++) {
        u += w[e] * spins[base + nb[e]];
        c += ln2cosh(beta * w[e]);
      }
      double surprise = c - ln2cosh(beta * u);
      if (stats) {
        rewards[roff + a] = (float) -surprise;
        success[roff + a] = 1;
        agentSumS[copy * agents + a] += surprise;
      }
      if (bsp != null) {
        int o = out.observationOffset(specs.neighbourSpins, copy) + a * d;
        for (int e = 0; e < d; e++) {
          bsp.put(o + e, e < nb.length ? spins[base + nb[e]] : 0);
        }
      }
      if (bm != null) {
        int o = out.observationOffset(specs.neighbourMask, copy) + a * d;
        for (int e = 0; e < d; e++) {
          bm.put(o + e, (byte) (e < nb.length ? 1 : 0));
        }
      }
      if (bw != null) {
        int o = out.observationOffset(specs.neighbourPrecisions, copy) + 4 * a * d;
        for (int e = 0; e < d; e++) {
          bw.putFloat(o + 4 * e, e < nb.length ? (float) (beta * w[e]) : 0f);
        }
      }
      if (bz != null) {
        bz.putFloat(out.observationOffset(specs.priorPrecision, copy) + 4 * a, (float) (beta * zeta(i)));
      }
      if (bo != null) {
        bo.put(out.observationOffset(specs.ownSpin, copy) + a, spins[base + i]);
      }
    }
  }

  private static void putDouble(WorldBuffers out, int index, int copy, int element, double v) {
    if (index < 0) {
      return;
    }
    ByteBuffer b = out.observation(index);
    if (b != null) {
      b.putDouble(out.observationOffset(index, copy) + 8 * element, v);
    }
  }

  @Override
  public void episodeStats(int copy, double[] agentStats, double[] copyStats) {
    long t = Math.max(1, stepCount[copy]);
    int agents = controlled.length;
    for (int a = 0; a < agents; a++) {
      agentStats[a] = agentSumS[copy * agents + a] / t;
    }
    copyStats[0] = sumM[copy] / t;
    copyStats[1] = sumAbsM[copy] / t;
    copyStats[2] = sumE[copy] / t;
    copyStats[3] = sumS[copy] / t;
  }

  /** Test hook: a copy of {@code copy}'s configuration. */
  byte[] configuration(int copy) {
    return java.util.Arrays.copyOfRange(spins, copy * n, (copy + 1) * n);
  }

  /** Test/benchmark hook: the copy's random generator. */
  Rng rng(int copy) {
    return rngs[copy];
  }
}
