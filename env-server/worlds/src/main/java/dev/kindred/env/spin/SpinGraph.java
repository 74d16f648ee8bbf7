package dev.kindred.env.spin;

import dev.kindred.env.Cancellation;
import dev.kindred.env.EnvException;
import dev.kindred.env.Rng;
import dev.kindred.env.Seeds;
import java.util.Arrays;

/**
 * The couplings of a spin world: who observes whom and with which (un-scaled) sensory precision
 * γ_ij, the precision agent i assigns to neighbour j. Three storage kinds:
 * <ul>
 *   <li>{@link Kind#LATTICE}: a homogeneous periodic 2-D lattice, γ_ij = {@link #latticeGamma}
 *       on every edge, no arrays; neighbours from x/y arithmetic in the order +x, −x, +y, −y.
 *       (With width 2 the +x and −x neighbours coincide and that bond counts twice, as in the
 *       periodic Hamiltonian; likewise for height 2.)</li>
 *   <li>{@link Kind#CSR}: compressed sparse rows; row i lists j with γ_ij ≠ 0 (lattices with
 *       per-edge precisions keep the lattice order, other graphs ascending j).</li>
 *   <li>{@link Kind#DENSE}: an n×n matrix stored column-major ({@code dense[j * n + i] = γ_ij}),
 *       so a flip of spin j updates every local field with one contiguous pass, in single
 *       precision: each γ_ij is rounded to the nearest float when the graph is built (a relative
 *       2^-24 at most), and that rounded value is the coupling everywhere (kernels, energies,
 *       {@link #neighboursOf}). Half the memory and memory traffic of doubles; the local fields
 *       stay double.</li>
 * </ul>
 * Instances are immutable after construction.
 */
public final class SpinGraph {
  /** Largest number of spins of any spin world. */
  public static final int MAX_SPINS = 1 << 26;
  /** Largest n of a dense (n×n) coupling matrix. */
  public static final int MAX_DENSE = 16384;
  /** Largest |γ_ij| of a dense graph (stored in single precision). */
  public static final double MAX_DENSE_COUPLING = 1e30;
  /** Largest number of directed edges of a sparse graph. */
  public static final long MAX_EDGES = 1L << 27;

  public enum Kind { LATTICE, CSR, DENSE }

  final Kind kind;
  final int n;
  final int width;
  final int height;
  final double latticeGamma;
  final int[] offsets;
  final int[] neighbours;
  final double[] weights;
  final float[] dense;
  final int maxDegree;
  /** 0/1 colour of each site when bipartite (null for a homogeneous lattice or non-bipartite). */
  final byte[] colour;
  final boolean bipartite;
  final boolean symmetric;

  private SpinGraph(Kind kind, int n, int width, int height, double latticeGamma, int[] offsets,
      int[] neighbours, double[] weights, float[] dense, int maxDegree, byte[] colour,
      boolean bipartite, boolean symmetric) {
    this.kind = kind;
    this.n = n;
    this.width = width;
    this.height = height;
    this.latticeGamma = latticeGamma;
    this.offsets = offsets;
    this.neighbours = neighbours;
    this.weights = weights;
    this.dense = dense;
    this.maxDegree = maxDegree;
    this.colour = colour;
    this.bipartite = bipartite;
    this.symmetric = symmetric;
  }

  public Kind kind() {
    return kind;
  }

  public int n() {
    return n;
  }

  public int maxDegree() {
    return maxDegree;
  }

  public boolean bipartite() {
    return bipartite;
  }

  /** Whether γ_ij = γ_ji for every pair (detailed balance holds for asynchronous schedules). */
  public boolean symmetric() {
    return symmetric;
  }

  /** Whether the graph is a lattice (homogeneous or not). */
  public boolean isLattice() {
    return width > 0;
  }

  /** Colour class (0 or 1) of site i; only meaningful when bipartite. */
  public int colourOf(int i) {
    if (kind == Kind.LATTICE || (isLattice() && colour == null)) {
      return ((i % width) + (i / width)) & 1;
    }
    return colour[i];
  }

  /**
   * Writes the neighbours of i and their precisions γ_ij (un-scaled) in the documented order and
   * returns how many there are (at most {@link #maxDegree}).
   */
  public int neighboursOf(int i, int[] idx, double[] w) {
    switch (kind) {
      case LATTICE -> {
        latticeNeighbours(i, width, height, idx, 0);
        Arrays.fill(w, 0, 4, latticeGamma);
        return 4;
      }
      case CSR -> {
        int k = 0;
        for (int e = offsets[i]; e < offsets[i + 1]; e++, k++) {
          idx[k] = neighbours[e];
          w[k] = weights[e];
        }
        return k;
      }
      default -> {
        int k = 0;
        for (int j = 0; j < n; j++) {
          double g = dense[j * n + i];
          if (j != i && g != 0) {
            idx[k] = j;
            w[k++] = g;
          }
        }
        return k;
      }
    }
  }

  /** Writes the four neighbours of lattice site i (order +x, −x, +y, −y, periodic) into out[at..at+3]. */
  private static void latticeNeighbours(int i, int width, int height, int[] out, int at) {
    int x = i % width;
    int y = i / width;
    int row = y * width;
    out[at] = row + (x + 1 == width ? 0 : x + 1);
    out[at + 1] = row + (x == 0 ? width - 1 : x - 1);
    out[at + 2] = (y + 1 == height ? 0 : row + width) + x;
    out[at + 3] = (y == 0 ? (height - 1) * width : row - width) + x;
  }

  // ---------------------------------------------------------------- builders

  /**
   * The stream of per-edge precision draws (gamma_std) for a graph seed, the same for every
   * graph kind, so one seed means one disorder draw sequence.
   */
  static Rng precisionNoise(long graphSeed) {
    return new Rng(Seeds.mix(graphSeed ^ 0x5eedL));
  }

  /** A homogeneous lattice (no per-edge arrays). */
  static SpinGraph lattice(int width, int height, double gamma) {
    boolean bip = width % 2 == 0 && height % 2 == 0;
    return new SpinGraph(Kind.LATTICE, width * height, width, height, gamma, null, null, null, null, 4,
        null, bip, true);
  }

  /**
   * A lattice with per-edge precisions γ_ij = gamma + std·N(0,1), drawn per bond in the order
   * (site i ascending; its +x bond, then its +y bond), the reverse direction sharing the draw
   * when symmetric and drawing its own (right after) otherwise.
   */
  static SpinGraph latticeDisordered(int width, int height, double gamma, double std, boolean symmetric, long seed) {
    int n = width * height;
    checkEdges("width", 4L * n);
    double[] fx = new double[n];
    double[] bx = new double[n];
    double[] fy = new double[n];
    double[] by = new double[n];
    Rng rng = precisionNoise(seed);
    for (int i = 0; i < n; i++) {
      fx[i] = gamma + std * rng.nextGaussian();
      bx[i] = symmetric ? fx[i] : gamma + std * rng.nextGaussian();
      fy[i] = gamma + std * rng.nextGaussian();
      by[i] = symmetric ? fy[i] : gamma + std * rng.nextGaussian();
    }
    int[] off = new int[n + 1];
    int[] nb = new int[4 * n];
    double[] w = new double[4 * n];
    for (int i = 0; i < n; i++) {
      int k = 4 * i;
      off[i] = k;
      latticeNeighbours(i, width, height, nb, k);
      w[k] = fx[i];
      w[k + 1] = bx[nb[k + 1]];
      w[k + 2] = fy[i];
      w[k + 3] = by[nb[k + 3]];
    }
    off[n] = 4 * n;
    boolean sym = symmetric || std == 0;
    boolean bip = width % 2 == 0 && height % 2 == 0;
    return new SpinGraph(Kind.CSR, n, width, height, gamma, off, nb, w, null, 4, null, bip, sym);
  }

  /**
   * A sparse graph from undirected edges {@code (a[e], b[e])}, a < b, sorted, no duplicates, with weight
   * w_e = 1: γ_ab = gamma + std·N(0,1) and γ_ba = γ_ab (symmetric) or its own draw.
   */
  static SpinGraph fromEdges(int n, int[] a, int[] b, int m, double gamma, double std, boolean symmetric,
      long seed, String field) {
    checkEdges(field, 2L * m);
    int[] deg = new int[n];
    for (int e = 0; e < m; e++) {
      deg[a[e]]++;
      deg[b[e]]++;
    }
    int[] off = new int[n + 1];
    for (int i = 0; i < n; i++) {
      off[i + 1] = off[i] + deg[i];
    }
    // Edges come sorted by (a, b) with a < b, so one pass appending b to row a and a to row b
    // leaves every row in ascending order.
    Rng rng = precisionNoise(seed);
    int[] cursor = Arrays.copyOf(off, n);
    int[] nb = new int[2 * m];
    double[] w = new double[2 * m];
    for (int e = 0; e < m; e++) {
      double gab = gamma + (std == 0 ? 0 : std * rng.nextGaussian());
      double gba = symmetric || std == 0 ? gab : gamma + std * rng.nextGaussian();
      int ka = cursor[a[e]]++;
      nb[ka] = b[e];
      w[ka] = gab;
      int kb = cursor[b[e]]++;
      nb[kb] = a[e];
      w[kb] = gba;
    }
    int maxDeg = 0;
    for (int d : deg) {
      maxDeg = Math.max(maxDeg, d);
    }
    byte[] col = twoColour(n, off, nb, null);
    return new SpinGraph(Kind.CSR, n, 0, 0, 0, off, nb, w, null, maxDeg, col, col != null,
        symmetric || std == 0);
  }

  /**
   * A graph from a full matrix {@code g[i][j] = γ_ij} (zero diagonal, zero = no edge): stored
   * dense (single precision) when {@code forceDense} or when more than 1/8 of the entries are
   * non-zero, else CSR.
   *
   * @param field the configuration field named when a dense entry is beyond single precision's
   *              range (|γ_ij| above {@link #MAX_DENSE_COUPLING})
   */
  static SpinGraph fromMatrix(double[][] g, boolean forceDense, Cancellation cancellation, String field) {
    int n = g.length;
    long nnz = 0;
    int maxDeg = 0;
    boolean sym = true;
    for (int i = 0; i < n; i++) {
      cancellation.check(); // n^2 entries: polled once per row
      int d = 0;
      for (int j = 0; j < n; j++) {
        if (g[i][j] != 0) {
          d++;
        }
        if (g[i][j] != g[j][i]) {
          sym = false;
        }
      }
      nnz += d;
      maxDeg = Math.max(maxDeg, d);
    }
    boolean dense = forceDense || nnz * 8 > (long) n * n;
    if (dense) {
      float[] m = new float[n * n];
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          if (!(Math.abs(g[i][j]) <= MAX_DENSE_COUPLING)) {
            throw EnvException.invalid(field, "the coupling gamma_" + i + "," + j + " is beyond the range of "
                + "dense couplings (single precision); expected |gamma_ij| <= " + MAX_DENSE_COUPLING);
          }
          m[j * n + i] = (float) g[i][j];
        }
      }
      byte[] col = twoColour(n, null, null, g);
      return new SpinGraph(Kind.DENSE, n, 0, 0, 0, null, null, null, m, maxDeg, col, col != null, sym);
    }
    int[] off = new int[n + 1];
    int[] nb = new int[(int) nnz];
    double[] w = new double[(int) nnz];
    int k = 0;
    for (int i = 0; i < n; i++) {
      off[i] = k;
      for (int j = 0; j < n; j++) {
        if (g[i][j] != 0) {
          nb[k] = j;
          w[k++] = g[i][j];
        }
      }
    }
    off[n] = k;
    byte[] col = twoColour(n, null, null, g);
    return new SpinGraph(Kind.CSR, n, 0, 0, 0, off, nb, w, null, maxDeg, col, col != null, sym);
  }

  /** A 2-colouring of the undirected graph (edge where γ_ij or γ_ji ≠ 0), or null if none. */
  private static byte[] twoColour(int n, int[] off, int[] nb, double[][] g) {
    byte[] col = new byte[n];
    Arrays.fill(col, (byte) -1);
    int[] queue = new int[n];
    for (int s = 0; s < n; s++) {
      if (col[s] >= 0) {
        continue;
      }
      col[s] = 0;
      int head = 0;
      int tail = 0;
      queue[tail++] = s;
      while (head < tail) {
        int i = queue[head++];
        if (g == null) {
          for (int e = off[i]; e < off[i + 1]; e++) {
            int j = nb[e];
            if (col[j] < 0) {
              col[j] = (byte) (1 - col[i]);
              queue[tail++] = j;
            } else if (col[j] == col[i]) {
              return null;
            }
          }
        } else {
          for (int j = 0; j < n; j++) {
            if (j == i || (g[i][j] == 0 && g[j][i] == 0)) {
              continue;
            }
            if (col[j] < 0) {
              col[j] = (byte) (1 - col[i]);
              queue[tail++] = j;
            } else if (col[j] == col[i]) {
              return null;
            }
          }
        }
      }
    }
    return col;
  }

  static void checkEdges(String field, long directed) {
    if (directed > MAX_EDGES) {
      throw EnvException.invalid("config." + field, "the graph would have " + directed
          + " directed edges; at most " + MAX_EDGES + " are supported (memory)");
    }
  }

  // ---------------------------------------------------------------- random graphs

  /**
   * Edges of a uniformly random simple d-regular graph on n vertices: pairing model with
   * rejection of self-loops/multi-edges at each pairing (Steger–Wormald) and restarts; for
   * d > (n−1)/2 the complement of a random (n−1−d)-regular graph.
   */
  static int[][] randomRegular(int n, int d, long seed) {
    if (d > (n - 1) / 2) {
      int[][] c = randomRegular(n, n - 1 - d, seed);
      java.util.HashSet<Long> present = new java.util.HashSet<>();
      for (int e = 0; e < c[0].length; e++) {
        present.add((long) c[0][e] * n + c[1][e]);
      }
      int m = n * d / 2;
      int[] a = new int[m];
      int[] b = new int[m];
      int k = 0;
      for (int i = 0; i < n; i++) {
        for (int j = i + 1; j < n; j++) {
          if (!present.contains((long) i * n + j)) {
            a[k] = i;
            b[k++] = j;
          }
        }
      }
      return new int[][] {a, b};
    }
    int m = (int) ((long) n * d / 2);
    Rng rng = new Rng(Seeds.mix(seed ^ 0x7e6a1L));
    int[] points = new int[n * d];
    for (int attempt = 0; attempt < 10_000; attempt++) {
      for (int i = 0; i < n * d; i++) {
        points[i] = i / d;
      }
      int left = n * d;
      java.util.HashSet<Long> edges = new java.util.HashSet<>(2 * m + 16);
      int[] a = new int[m];
      int[] b = new int[m];
      int k = 0;
      boolean stuck = false;
      while (left > 0) {
        int fails = 0;
        while (true) {
          int p = rng.nextInt(left);
          int q = rng.nextInt(left);
          int u = points[p];
          int v = points[q];
          long key = (long) Math.min(u, v) * n + Math.max(u, v);
          if (p != q && u != v && !edges.contains(key)) {
            edges.add(key);
            a[k] = Math.min(u, v);
            b[k++] = Math.max(u, v);
            // remove p and q (swap with the end)
            int hi = Math.max(p, q);
            int lo = Math.min(p, q);
            points[hi] = points[--left];
            points[lo] = points[--left];
            break;
          }
          if (++fails > 64 + 4 * left) {
            stuck = true;
            break;
          }
        }
        if (stuck) {
          break;
        }
      }
      if (!stuck) {
        return sortEdges(a, b, n);
      }
    }
    throw EnvException.invalid("config.degree", "could not generate a simple " + d
        + "-regular graph on " + n + " vertices; try another graph_seed or degree");
  }

  private static int[][] sortEdges(int[] a, int[] b, int n) {
    long[] k = new long[a.length];
    for (int e = 0; e < a.length; e++) {
      k[e] = (long) a[e] * n + b[e];
    }
    Arrays.sort(k);
    for (int e = 0; e < a.length; e++) {
      a[e] = (int) (k[e] / n);
      b[e] = (int) (k[e] % n);
    }
    return new int[][] {a, b};
  }

  /** Edges of G(n, p) by geometric skipping (Batagelj–Brandes), O(n + m). */
  static int[][] erdosRenyi(int n, double p, long seed) {
    Rng rng = new Rng(Seeds.mix(seed ^ 0xe7d05L));
    int cap = 16;
    int[] a = new int[cap];
    int[] b = new int[cap];
    int m = 0;
    if (p <= 0) {
      return new int[][] {new int[0], new int[0]};
    }
    double lq = Math.log1p(-p);
    int v = 1;
    long w = -1;
    while (v < n) {
      if (p >= 1) {
        w++;
      } else {
        double r = rng.nextDouble();
        w += 1 + (long) Math.min(1e15, Math.floor(Math.log1p(-r) / lq));
      }
      while (w >= v && v < n) {
        w -= v;
        v++;
      }
      if (v < n) {
        if (m == cap) {
          checkEdges("mean_degree", 2L * cap);
          cap = (int) Math.min(Integer.MAX_VALUE - 8, 2L * cap);
          a = Arrays.copyOf(a, cap);
          b = Arrays.copyOf(b, cap);
        }
        a[m] = (int) w;
        b[m++] = v;
      }
    }
    return sortEdges(Arrays.copyOf(a, m), Arrays.copyOf(b, m), n);
  }
}
