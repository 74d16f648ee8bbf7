package dev.kindred.env.spin;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.Autoreset;
import dev.kindred.env.BatchedEnv;
import dev.kindred.env.StepBatch;
import dev.kindred.env.World;
import dev.kindred.env.WorldContext;
import dev.kindred.env.WorldRegistry;
import dev.kindred.env.WorldType;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Shared helpers for the spin tests: world creation, exact laws by enumeration, statistics. */
final class SpinTestSupport {
  private SpinTestSupport() {}

  static final WorldRegistry REGISTRY = WorldRegistry.builtIn();

  static SpinWorld world(String id, Map<String, ?> config, int copies) {
    WorldType t = REGISTRY.get(id);
    World w = t.create(t.schema().resolve(config), copies);
    return (SpinWorld) w;
  }

  static SpinWorld world(String id, Map<String, ?> config, int copies, WorldContext context) {
    WorldType t = REGISTRY.get(id);
    return (SpinWorld) t.create(t.schema().resolve(config), copies, context);
  }

  static BatchedEnv env(SpinWorld w, long seed, String... observations) {
    return new BatchedEnv(w, Autoreset.NEXT_STEP, seed, List.of(observations));
  }

  /** A world configuration from key, value pairs. */
  static Map<String, Object> cfg(Object... kv) {
    Map<String, Object> m = new HashMap<>();
    for (int k = 0; k < kv.length; k += 2) {
      m.put((String) kv[k], kv[k + 1]);
    }
    return m;
  }

  /** {@link #cfg} with episodes that never end ({@code max_steps} 0), for long runs. */
  static Map<String, Object> endlessCfg(Object... kv) {
    Map<String, Object> m = cfg(kv);
    m.put("max_steps", 0);
    return m;
  }

  /** {@code n} copies of {@code v}. */
  static double[] filled(int n, double v) {
    double[] a = new double[n];
    java.util.Arrays.fill(a, v);
    return a;
  }

  /** The dense γ matrix (un-scaled) of a world's graph, built from its neighbour lists. */
  static double[][] gammaMatrix(SpinGraph g) {
    int n = g.n();
    double[][] m = new double[n][n];
    int[] idx = new int[Math.max(1, g.maxDegree())];
    double[] w = new double[Math.max(1, g.maxDegree())];
    for (int i = 0; i < n; i++) {
      int d = g.neighboursOf(i, idx, w);
      for (int e = 0; e < d; e++) {
        m[i][idx[e]] += w[e];
      }
    }
    return m;
  }

  /** γ matrix of a periodic lattice with homogeneous J, from x/y arithmetic (bonds counted with multiplicity). */
  static double[][] latticeMatrix(int width, int height, double j) {
    int n = width * height;
    double[][] m = new double[n][n];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int i = y * width + x;
        m[i][y * width + (x + 1) % width] += j;
        m[i][y * width + (x + width - 1) % width] += j;
        m[i][((y + 1) % height) * width + x] += j;
        m[i][((y + height - 1) % height) * width + x] += j;
      }
    }
    return m;
  }

  /** Spin i of state s: bit i set means +1. */
  static int spin(int s, int i) {
    return ((s >> i) & 1) == 1 ? 1 : -1;
  }

  static int stateIndex(ByteBuffer b, int off, int n) {
    int s = 0;
    for (int i = 0; i < n; i++) {
      if (b.get(off + i) > 0) {
        s |= 1 << i;
      }
    }
    return s;
  }

  static double localField(double[][] g, double[] z, int s, int i) {
    double u = z[i];
    for (int j = 0; j < g.length; j++) {
      u += g[i][j] * spin(s, j);
    }
    return u;
  }

  /** Gibbs law p ∝ exp(β(½Σ_ij γ_ij σ_iσ_j + Σ ζ_iσ_i)) over all 2^n states. */
  static double[] gibbs(double[][] g, double[] z, double beta) {
    int n = g.length;
    double[] p = new double[1 << n];
    for (int s = 0; s < p.length; s++) {
      double h = 0;
      for (int i = 0; i < n; i++) {
        h += z[i] * spin(s, i);
        for (int j = 0; j < n; j++) {
          h += 0.5 * g[i][j] * spin(s, i) * spin(s, j);
        }
      }
      p[s] = Math.exp(beta * h);
    }
    return normalise(p);
  }

  /** Peretto law p ∝ exp(βΣζσ) Π_i 2cosh(β(ζ_i + Σ_j γ_ij σ_j)). */
  static double[] peretto(double[][] g, double[] z, double beta) {
    int n = g.length;
    double[] p = new double[1 << n];
    for (int s = 0; s < p.length; s++) {
      double lw = 0;
      for (int i = 0; i < n; i++) {
        lw += beta * z[i] * spin(s, i) + Math.log(2 * Math.cosh(beta * localField(g, z, s, i)));
      }
      p[s] = Math.exp(lw);
    }
    return normalise(p);
  }

  static double[] normalise(double[] p) {
    double t = 0;
    for (double v : p) {
      t += v;
    }
    for (int k = 0; k < p.length; k++) {
      p[k] /= t;
    }
    return p;
  }

  static double up(double[][] g, double[] z, double beta, int s, int i) {
    return 1 / (1 + Math.exp(-2 * beta * localField(g, z, s, i)));
  }

  /** Transition matrix T[s][t] of one heat-bath update of site i. */
  static double[][] siteMatrix(double[][] g, double[] z, double beta, int i) {
    int k = 1 << g.length;
    double[][] t = new double[k][k];
    for (int s = 0; s < k; s++) {
      double pu = up(g, z, beta, s, i);
      t[s][s | (1 << i)] += pu;
      t[s][s & ~(1 << i)] += 1 - pu;
    }
    return t;
  }

  static double[][] multiply(double[][] a, double[][] b) {
    int k = a.length;
    double[][] c = new double[k][k];
    for (int i = 0; i < k; i++) {
      for (int l = 0; l < k; l++) {
        if (a[i][l] != 0) {
          for (int j = 0; j < k; j++) {
            c[i][j] += a[i][l] * b[l][j];
          }
        }
      }
    }
    return c;
  }

  /** One random-sequential update over the free sites: (1/|free|) Σ_i T_i. */
  static double[][] randomSequentialMatrix(double[][] g, double[] z, double beta) {
    int n = g.length;
    int k = 1 << n;
    double[][] t = new double[k][k];
    for (int i = 0; i < n; i++) {
      double[][] ti = siteMatrix(g, z, beta, i);
      for (int s = 0; s < k; s++) {
        for (int u = 0; u < k; u++) {
          t[s][u] += ti[s][u] / n;
        }
      }
    }
    return t;
  }

  /** One in-order sweep: T_0 T_1 ... T_{n-1} (row-vector convention). */
  static double[][] sweepMatrix(double[][] g, double[] z, double beta) {
    double[][] t = siteMatrix(g, z, beta, 0);
    for (int i = 1; i < g.length; i++) {
      t = multiply(t, siteMatrix(g, z, beta, i));
    }
    return t;
  }

  /** One synchronous update: every site from the previous configuration. */
  static double[][] synchronousMatrix(double[][] g, double[] z, double beta) {
    int n = g.length;
    int k = 1 << n;
    double[][] t = new double[k][k];
    for (int s = 0; s < k; s++) {
      double[] pu = new double[n];
      for (int i = 0; i < n; i++) {
        pu[i] = up(g, z, beta, s, i);
      }
      for (int u = 0; u < k; u++) {
        double p = 1;
        for (int i = 0; i < n; i++) {
          p *= spin(u, i) > 0 ? pu[i] : 1 - pu[i];
        }
        t[s][u] = p;
      }
    }
    return t;
  }

  /** Stationary law of a transition matrix by power iteration. */
  static double[] stationary(double[][] t) {
    int k = t.length;
    double[] p = new double[k];
    java.util.Arrays.fill(p, 1.0 / k);
    for (int it = 0; it < 100_000; it++) {
      double[] q = new double[k];
      for (int s = 0; s < k; s++) {
        if (p[s] != 0) {
          for (int u = 0; u < k; u++) {
            q[u] += p[s] * t[s][u];
          }
        }
      }
      double diff = 0;
      for (int s = 0; s < k; s++) {
        diff += Math.abs(q[s] - p[s]);
      }
      p = q;
      if (diff < 1e-14) {
        break;
      }
    }
    return normalise(p);
  }

  static double tv(double[] p, double[] q) {
    double t = 0;
    for (int s = 0; s < p.length; s++) {
      t += Math.abs(p[s] - q[s]);
    }
    return t / 2;
  }

  /**
   * Runs {@code copies} independent copies for {@code steps} steps each and returns, per copy (an
   * independent batch), the empirical frequency of every state of the spins at {@code sites}
   * (bit k of the state: spin of sites[k]). Burn-in is the world's burn_in_sweeps.
   */
  static double[][] frequencies(SpinWorld w, long seed, int steps, int[] sites) {
    BatchedEnv env = env(w, seed, "spins");
    int copies = w.copies();
    int n = w.graph().n();
    double[][] f = new double[copies][1 << sites.length];
    env.reset(null, null);
    int[] actions = new int[env.expectedActionBytes() / 4];
    for (int t = 0; t < steps; t++) {
      StepBatch b = env.step(actions);
      ByteBuffer sp = b.observation(0);
      for (int c = 0; c < copies; c++) {
        int s = 0;
        for (int k = 0; k < sites.length; k++) {
          if (sp.get(c * n + sites[k]) > 0) {
            s |= 1 << k;
          }
        }
        f[c][s] += 1.0 / steps;
      }
    }
    return f;
  }

  static int[] all(int n) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    return a;
  }

  /** Result of comparing batch frequencies with a law: the worst z, the TV and its tolerance. */
  record Comparison(double maxZ, double tv, double tvTolerance) {}

  /**
   * Compares the mean over independent batches with {@code p}: per state, z = (mean − p) / SE where
   * SE is the standard error across batches, floored at the i.i.d. multinomial error
   * sqrt(p(1−p)/(batches·samples)) (autocorrelation only inflates it); asserts every |z| ≤ zMax
   * (a Bonferroni-sized threshold) and TV(mean, p) ≤ Σ_s SE_s (about 2.5 times its expectation
   * 0.4 Σ SE_s under the null).
   */
  static Comparison assertMatches(String label, double[][] f, double[] p, int samplesPerBatch, double zMax) {
    int b = f.length;
    int k = p.length;
    double[] mean = new double[k];
    double maxZ = 0;
    double tol = 0;
    int worst = -1;
    for (int s = 0; s < k; s++) {
      double m = 0;
      for (double[] row : f) {
        m += row[s];
      }
      m /= b;
      double v = 0;
      for (double[] row : f) {
        v += (row[s] - m) * (row[s] - m);
      }
      double se = Math.sqrt(v / (b - 1) / b);
      se = Math.max(se, Math.sqrt(p[s] * (1 - p[s]) / ((double) b * samplesPerBatch)));
      se = Math.max(se, 1e-300);
      double z = Math.abs(m - p[s]) / se;
      if (z > maxZ) {
        maxZ = z;
        worst = s;
      }
      tol += se;
      mean[s] = m;
    }
    double tv = tv(mean, p);
    Comparison c = new Comparison(maxZ, tv, tol);
    String msg = label + ": " + c + " worst state " + worst + (worst >= 0 ? " empirical " + mean[worst]
        + " exact " + p[worst] : "");
    System.out.println(msg);
    assertTrue(maxZ <= zMax, msg);
    assertTrue(tv <= tol, msg);
    return c;
  }

  /** Asserts the test has power: the alternative law differs from the tested one by far more than the tolerance. */
  static void assertPower(String label, double[] p, double[] alternative, Comparison c) {
    double d = tv(p, alternative);
    System.out.println(label + ": TV to the alternative law " + d + " vs tolerance " + c.tvTolerance());
    assertTrue(d > 4 * c.tvTolerance(), label + ": no power, TV(p, alternative) = " + d
        + " vs tolerance " + c.tvTolerance());
  }
}
