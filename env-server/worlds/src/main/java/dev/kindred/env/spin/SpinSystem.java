package dev.kindred.env.spin;

import dev.kindred.env.Rng;
import java.util.Arrays;

/**
 * What the kernels and the observables share: the model (couplings, prior precisions ζ_i,
 * inverse temperature β) and the state of every copy (its spins, its random generator and, for
 * dense couplings, its cached local fields), with the local-field arithmetic both read.
 *
 * <p>Copies are laid out one after another: spin i of copy c is {@code spins[c * n + i]}
 * ({@code base = c * n} below). Methods touch only the copy they are given, so different copies
 * may be updated from different threads.
 */
final class SpinSystem {
  final SpinGraph graph;
  final int n;
  final int copies;
  final double beta;
  final double zeta0;
  /** Per-agent prior precisions; null when every agent has {@link #zeta0}. */
  final double[] zetas;
  /** A homogeneous lattice with one prior for all: local fields take one of five values. */
  final boolean homogeneousLattice;

  final byte[] spins;
  /** DENSE storage only: Σ_j γ_ij σ_j per copy and site, kept current on every flip (else null). */
  private final double[] denseFields;
  private final Rng[] rngs;

  // Lattice geometry; i / width == (i * divMagic) >>> divShift, without an integer divide.
  final int width;
  final int height;
  final long divMagic;
  final int divShift;

  SpinSystem(SpinGraph graph, double beta, double zeta0, double[] zetas, int copies) {
    this.graph = graph;
    this.n = graph.n;
    this.copies = copies;
    this.beta = beta;
    this.zeta0 = zeta0;
    this.zetas = zetas;
    this.homogeneousLattice = graph.kind == SpinGraph.Kind.LATTICE && zetas == null;
    this.spins = new byte[Math.multiplyExact(copies, n)];
    this.denseFields = graph.kind == SpinGraph.Kind.DENSE ? new double[copies * n] : null;
    this.rngs = new Rng[copies];
    for (int c = 0; c < copies; c++) {
      rngs[c] = new Rng(c);
    }
    this.width = graph.width;
    this.height = graph.height;
    if (graph.width > 0) {
      long[] dm = divisionMagic(graph.width);
      divMagic = dm[0];
      divShift = (int) dm[1];
    } else {
      divMagic = 0;
      divShift = 0;
    }
  }

  /** The copy's random generator: seeded at reset, drawn by the initial configuration and the kernels. */
  Rng rng(int copy) {
    return rngs[copy];
  }

  double zeta(int i) {
    return zetas == null ? zeta0 : zetas[i];
  }

  /** The posterior φ = P(z = +1) = σ(2βu) of an agent with local field u. */
  double phi(double u) {
    return 1.0 / (1.0 + Math.exp(-2.0 * beta * u));
  }

  /**
   * On a homogeneous lattice, the local field of a site whose four neighbours sum to
   * {@code 2 * sumIndex - 4} (sumIndex 0..4 = number of +1 neighbours).
   */
  double homogeneousLatticeField(int sumIndex) {
    return zeta0 + graph.latticeGamma * (2 * sumIndex - 4);
  }

  /**
   * ln 2cosh(x), stable for large |x|: |x| + ln(1 + e^(−2|x|)), the logarithm through {@link Log1p}
   * (the value of {@link Math#log1p} without its native call: the observables take it for every
   * site on every step).
   */
  static double ln2cosh(double x) {
    double a = Math.abs(x);
    return a + Log1p.log1p(Math.exp(-2 * a));
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

  /**
   * Sum of the four lattice neighbours (+x, −x, +y, −y) of column x in the row starting at
   * {@code here}, with the rows above and below starting at {@code up} and {@code down}
   * (all offsets into {@code s}, periodic in x).
   */
  static int latticeNeighbourSum(byte[] s, int here, int up, int down, int x, int width) {
    return s[here + (x + 1 == width ? 0 : x + 1)] + s[here + (x == 0 ? width - 1 : x - 1)] + s[up + x] + s[down + x];
  }

  /** The un-scaled local field u_i = ζ_i + Σ_j γ_ij σ_j of site i in the copy at {@code base}. */
  double localField(int copy, int base, int i) {
    byte[] s = spins;
    switch (graph.kind) {
      case LATTICE -> {
        int row = (int) ((i * divMagic) >>> divShift) * width;
        int lastRow = (height - 1) * width;
        int sum = latticeNeighbourSum(s, base + row, base + (row == lastRow ? 0 : row + width),
            base + (row == 0 ? lastRow : row - width), i - row, width);
        return zeta(i) + graph.latticeGamma * sum;
      }
      case CSR -> {
        double u = 0;
        int[] nb = graph.neighbours;
        double[] w = graph.weights;
        for (int e = graph.offsets[i], end = graph.offsets[i + 1]; e < end; e++) {
          u += w[e] * s[base + nb[e]];
        }
        return zeta(i) + u;
      }
      default -> {
        return zeta(i) + denseFields[copy * n + i];
      }
    }
  }

  /** Sets spin i of the copy at {@code base} to v if it differs, keeping dense local fields current. */
  void setSpin(int base, int i, byte v) {
    if (spins[base + i] != v) {
      spins[base + i] = v;
      if (denseFields != null) {
        applyFlip(base, i, v);
      }
    }
  }

  /** DENSE storage: the cached Σ_j γ_ij σ_j of every copy, at {@code copy * n + i} (else null). */
  double[] denseFields() {
    return denseFields;
  }

  /** Recomputes the copy's dense local fields from its spins (after the spins were written directly). */
  void recomputeFields(int copy) {
    if (denseFields == null) {
      return;
    }
    int base = copy * n;
    Arrays.fill(denseFields, base, base + n, 0.0);
    float[] m = graph.dense;
    for (int j = 0; j < n; j++) {
      double sj = spins[base + j];
      int col = j * n;
      for (int i = 0; i < n; i++) {
        denseFields[base + i] += m[col + i] * sj;
      }
    }
  }

  /**
   * Spin j just became {@code newSpin}: every u_i moves by 2 γ_ij newSpin (one contiguous
   * column, {@link SpinDenseColumns#add}).
   */
  private void applyFlip(int base, int j, int newSpin) {
    SpinDenseColumns.add(denseFields, base, graph.dense, j * n, n, 2.0 * newSpin);
  }
}
