package dev.kindred.env.spin;

import static dev.kindred.env.spin.SpinSystem.ln2cosh;

import dev.kindred.env.WorldBuffers;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The measurements of a spin world: magnetisations, the asynchronous and synchronous energies,
 * each agent's posterior φ_i and surprise, the controlled agents' observations and rewards, and
 * the episode averages of {@link dev.kindred.env.World#episodeStats}.
 *
 * <p>Surprise of agent i about its neighbours' spins:
 * −ln P(σ̃) = −ln 2cosh(β u_i) + ln 2cosh(β ζ_i) + Σ_j ln 2cosh(β γ_ij); the terms that do not
 * depend on the spins are computed once here.
 */
final class SpinObservables {
  private final SpinSystem system;
  private final SpinSpecs specs;
  private final int n;
  private final double beta;
  private final int[] controlled;

  // Spin-independent surprise terms: per site ln 2cosh(βζ_i) + Σ_j ln 2cosh(βγ_ij), except on a
  // lattice (null), where the edge part is the same for every site.
  private final double[] surpriseConst;
  private final double latticeEdgeConst;
  /** Homogeneous lattice: ln 2cosh(βu) by number of +1 neighbours (0..4). */
  private final double[] latticeLn2cosh = new double[5];
  /** Homogeneous lattice, per copy: site counts by (own spin, number of +1 neighbours). */
  private final int[] histogram;
  /** Other graphs, per copy: a block of sites' |βu|, e^(−2|βu|) and ln(1 + e^(−2|βu|)). */
  private static final int BLOCK = 64;
  private final double[][] blockA;
  private final double[][] blockE;
  private final double[][] blockL;

  // Controlled agents: neighbour lists in the spec's order and their constant surprise terms.
  private final int[][] agentNeighbours;
  private final double[][] agentWeights;
  private final double[] agentSurpriseConst;

  // Episode sums per copy (per copy and agent for agentSumS), divided by the step count at the end.
  private final double[] sumM;
  private final double[] sumAbsM;
  private final double[] sumE;
  private final double[] sumS;
  private final double[] agentSumS;

  SpinObservables(SpinSystem system, SpinSpecs specs, int[] controlled) {
    this.system = system;
    this.specs = specs;
    this.n = system.n;
    this.beta = system.beta;
    this.controlled = controlled;
    SpinGraph g = system.graph;
    if (g.kind == SpinGraph.Kind.LATTICE) {
      for (int k = 0; k < 5; k++) {
        latticeLn2cosh[k] = ln2cosh(beta * system.homogeneousLatticeField(k));
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
        double c = ln2cosh(beta * system.zeta(i));
        for (int e = 0; e < d; e++) {
          c += ln2cosh(beta * w[e]);
        }
        surpriseConst[i] = c;
      }
    }
    histogram = system.homogeneousLattice ? new int[system.copies * 10] : null;
    int blocks = system.homogeneousLattice ? 0 : system.copies;
    blockA = new double[blocks][BLOCK];
    blockE = new double[blocks][BLOCK];
    blockL = new double[blocks][BLOCK];
    int agents = controlled.length;
    agentNeighbours = new int[agents][];
    agentWeights = new double[agents][];
    agentSurpriseConst = new double[agents];
    for (int a = 0; a < agents; a++) {
      int[] idx = new int[g.maxDegree];
      double[] w = new double[g.maxDegree];
      int d = g.neighboursOf(controlled[a], idx, w);
      agentNeighbours[a] = Arrays.copyOf(idx, d);
      agentWeights[a] = Arrays.copyOf(w, d);
      double c = ln2cosh(beta * system.zeta(controlled[a]));
      for (int e = 0; e < d; e++) {
        c += ln2cosh(beta * w[e]);
      }
      agentSurpriseConst[a] = c;
    }
    int copies = system.copies;
    sumM = new double[copies];
    sumAbsM = new double[copies];
    sumE = new double[copies];
    sumS = new double[copies];
    agentSumS = new double[copies * agents];
  }

  /** Clears the copy's episode sums. */
  void startEpisode(int copy) {
    sumM[copy] = 0;
    sumAbsM[copy] = 0;
    sumE[copy] = 0;
    sumS[copy] = 0;
    Arrays.fill(agentSumS, copy * controlled.length, (copy + 1) * controlled.length, 0.0);
  }

  /** Episode averages over {@code steps} measured steps, in the spec's statistics order. */
  void episodeStats(int copy, long steps, double[] agentStats, double[] copyStats) {
    long t = Math.max(1, steps);
    int agents = controlled.length;
    for (int a = 0; a < agents; a++) {
      agentStats[a] = agentSumS[copy * agents + a] / t;
    }
    copyStats[0] = sumM[copy] / t;
    copyStats[1] = sumAbsM[copy] / t;
    copyStats[2] = sumE[copy] / t;
    copyStats[3] = sumS[copy] / t;
  }

  private double surpriseConst(int i) {
    return surpriseConst != null ? surpriseConst[i] : ln2cosh(beta * system.zeta(i)) + latticeEdgeConst;
  }

  /**
   * Writes the copy's requested observations and, when {@code stats} (after a step, not at
   * reset), the agents' rewards and this step's share of the episode sums.
   */
  void measure(int copy, WorldBuffers out, boolean stats) {
    final byte[] spins = system.spins;
    final int base = copy * n;
    // -- per-copy scalars: one pass
    long m = 0;
    double pairs = 0; // sum_i sigma_i (u_i + zeta_i)
    double fieldTerm = 0; // sum_i zeta_i sigma_i
    double lnc = 0; // sum_i ln 2cosh(beta u_i)
    double constSum = 0; // sum_i surprise constant
    if (system.homogeneousLattice) {
      // Five possible fields: count sites by (spin, neighbour sum), then sum over the ten classes.
      final int[] hist = histogram;
      final int ho = copy * 10;
      Arrays.fill(hist, ho, ho + 10, 0);
      final int w = system.width;
      final int lastRow = (system.height - 1) * w;
      for (int row = 0; row <= lastRow; row += w) {
        int up = base + (row == lastRow ? 0 : row + w);
        int down = base + (row == 0 ? lastRow : row - w);
        int here = base + row;
        for (int x = 0; x < w; x++) {
          int sum = SpinSystem.latticeNeighbourSum(spins, here, up, down, x, w);
          hist[ho + (spins[here + x] > 0 ? 5 : 0) + ((sum + 4) >> 1)]++;
        }
      }
      double zeta0 = system.zeta0;
      for (int h = 0; h < 10; h++) {
        int sp = h >= 5 ? 1 : -1;
        int idx = h % 5;
        double u = system.homogeneousLatticeField(idx);
        int cnt = hist[ho + h];
        m += (long) sp * cnt;
        pairs += (double) cnt * sp * (u + zeta0);
        fieldTerm += (double) cnt * sp * zeta0;
        lnc += cnt * latticeLn2cosh[idx];
      }
      constSum = n * (ln2cosh(beta * zeta0) + latticeEdgeConst);
    } else {
      // ln 2cosh(βu_i) = a_i + ln(1 + e^(−2 a_i)), a_i = |βu_i| (as SpinSystem.ln2cosh), a block
      // of sites at a time so that the logarithms go through Log1p.log1pAll together; the sums run
      // in site order, as one pass would.
      final double[] a = blockA[copy];
      final double[] e = blockE[copy];
      final double[] l = blockL[copy];
      for (int start = 0; start < n; start += BLOCK) {
        int len = Math.min(BLOCK, n - start);
        for (int j = 0; j < len; j++) {
          int i = start + j;
          int sp = spins[base + i];
          double u = system.localField(copy, base, i);
          double z = system.zeta(i);
          m += sp;
          pairs += sp * (u + z);
          fieldTerm += sp * z;
          double abs = Math.abs(beta * u);
          a[j] = abs;
          e[j] = Math.exp(-2 * abs);
          constSum += surpriseConst(i);
        }
        Log1p.log1pAll(e, l, len);
        for (int j = 0; j < len; j++) {
          lnc += a[j] + l[j];
        }
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
    if (out.observation(specs.energySync) != null) {
      double es = beta > 0 ? (-fieldTerm - lnc / beta) / n : -fieldTerm / n;
      putDouble(out, specs.energySync, copy, 0, es);
    }
    putDouble(out, specs.meanSurprise, copy, 0, meanSurprise);
    if (specs.sublatticeMagnetisation >= 0 && out.observation(specs.sublatticeMagnetisation) != null) {
      writeSublatticeMagnetisation(copy, out);
    }
    ByteBuffer b = out.observation(specs.spins);
    if (b != null) {
      b.put(out.observationOffset(specs.spins, copy), spins, base, n);
    }
    writePhiAndSurprise(copy, out);
    if (controlled.length > 0) {
      measureAgents(copy, out, stats);
    }
  }

  private void writeSublatticeMagnetisation(int copy, WorldBuffers out) {
    final byte[] spins = system.spins;
    final int base = copy * n;
    SpinGraph g = system.graph;
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

  private void writePhiAndSurprise(int copy, WorldBuffers out) {
    ByteBuffer bp = out.observation(specs.phi);
    ByteBuffer bs = out.observation(specs.surprise);
    if (bp == null && bs == null) {
      return;
    }
    final int base = copy * n;
    int op = bp == null ? 0 : out.observationOffset(specs.phi, copy);
    int os = bs == null ? 0 : out.observationOffset(specs.surprise, copy);
    for (int i = 0; i < n; i++) {
      double u = system.localField(copy, base, i);
      if (bp != null) {
        bp.putFloat(op + 4 * i, (float) system.phi(u));
      }
      if (bs != null) {
        bs.putFloat(os + 4 * i, (float) (surpriseConst(i) - ln2cosh(beta * u)));
      }
    }
  }

  /** The controlled agents' observations and, when {@code stats}, their rewards (minus surprise). */
  private void measureAgents(int copy, WorldBuffers out, boolean stats) {
    final byte[] spins = system.spins;
    final int base = copy * n;
    int agents = controlled.length;
    int d = system.graph.maxDegree;
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
      int[] nb = agentNeighbours[a];
      double[] w = agentWeights[a];
      double u = system.zeta(i);
      for (int e = 0; e < nb.length; e++) {
        u += w[e] * spins[base + nb[e]];
      }
      double surprise = agentSurpriseConst[a] - ln2cosh(beta * u);
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
        bz.putFloat(out.observationOffset(specs.priorPrecision, copy) + 4 * a, (float) (beta * system.zeta(i)));
      }
      if (bo != null) {
        bo.put(out.observationOffset(specs.ownSpin, copy) + a, spins[base + i]);
      }
    }
  }

  /** Controlled agent a's local field u, summed in the order of its observation. */
  private double agentField(int copy, int a) {
    final byte[] spins = system.spins;
    final int base = copy * n;
    int[] nb = agentNeighbours[a];
    double[] w = agentWeights[a];
    double u = system.zeta(controlled[a]);
    for (int e = 0; e < nb.length; e++) {
      u += w[e] * spins[base + nb[e]];
    }
    return u;
  }

  /** Controlled agent a's surprise, as its reward is computed (reward = -surprise). */
  double agentSurprise(int copy, int a) {
    return agentSurpriseConst[a] - ln2cosh(beta * agentField(copy, a));
  }

  /** Controlled agent a's posterior φ. */
  double agentPhi(int copy, int a) {
    return system.phi(agentField(copy, a));
  }

  /** Mean spin of the copy, from the spins. */
  double magnetisation(int copy) {
    final byte[] spins = system.spins;
    final int base = copy * n;
    long m = 0;
    for (int i = 0; i < n; i++) {
      m += spins[base + i];
    }
    return (double) m / n;
  }

  /** Energy per spin of the copy, by the generic formula (one pass, no allocation). */
  double energyPerSpin(int copy) {
    final byte[] spins = system.spins;
    final int base = copy * n;
    double pairs = 0;
    for (int i = 0; i < n; i++) {
      int sp = spins[base + i];
      pairs += sp * (system.localField(copy, base, i) + system.zeta(i));
    }
    return -0.5 * pairs / n;
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
}
