package dev.kindred.env.spin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.Cancellation;
import dev.kindred.env.Rng;
import org.junit.jupiter.api.Test;

/**
 * The dense kernels' hot path against its readable reference: the Vector API column update
 * against the plain loop (bit for bit), and the world's random-sequential kernel on dense couplings
 * against a plain reference loop with the scalar column update over a long trajectory (same spins
 * and same cached fields, bit for bit).
 */
class SpinDenseKernelTest {

  @Test
  void testsRunTheVectorKernel() {
    // surefire's argLine adds the module, so the tests below compare the two implementations.
    assertTrue(SpinDenseColumns.VECTOR, "jdk.incubator.vector is not in the test JVM's module graph");
  }

  @Test
  void vectorColumnUpdateMatchesThePlainLoopBitForBit() {
    Rng r = new Rng(3);
    for (int n : new int[] {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 64, 100, 1023, 1024, 1031}) {
      float[] m = new float[3 * n + 5];
      for (int i = 0; i < m.length; i++) {
        m[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(9) - 4));
      }
      double[] a = new double[2 * n + 3];
      for (int i = 0; i < a.length; i++) {
        a[i] = r.nextGaussian() * Math.pow(10, r.nextInt(9) - 4);
      }
      double[] b = a.clone();
      for (int k = 0; k < 200; k++) {
        int mOff = r.nextInt(2 * n + 6);
        int fOff = r.nextInt(n + 4);
        double d = r.nextInt(2) == 0 ? 2.0 : -2.0;
        SpinDenseVector.add(a, fOff, m, mOff, n, d);
        SpinDenseColumns.scalar(b, fOff, m, mOff, n, d);
      }
      for (int i = 0; i < a.length; i++) {
        assertEquals(Double.doubleToRawLongBits(b[i]), Double.doubleToRawLongBits(a[i]), "n = " + n + ", field " + i);
      }
    }
  }

  @Test
  void denseRandomSequentialMatchesThePlainLoopBitForBit() {
    // The benchmark's temperature regime (many flips, many exact evaluations near the table's
    // cells), a hot one (phi near 1/2, table cells wide in u), beta = 0 and a cold one (phi near
    // 0 or 1, fields mostly beyond the table's grid).
    denseRandomSequentialMatchesThePlainLoop(1.3, 2000, 100_000);
    denseRandomSequentialMatchesThePlainLoop(0.05, 300, 30_000);
    denseRandomSequentialMatchesThePlainLoop(0, 300, 30_000);
    denseRandomSequentialMatchesThePlainLoop(25, 300, 1_000);
  }

  private static void denseRandomSequentialMatchesThePlainLoop(double beta, int sweeps, long minFlips) {
    int n = 300;
    Rng g = new Rng(11);
    double[][] gamma = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        gamma[i][j] = i == j ? 0 : g.nextGaussian() / Math.sqrt(n); // asymmetric: every entry its own
      }
    }
    SpinGraph graph = SpinGraph.fromMatrix(gamma, true, Cancellation.NEVER, "config.couplings");
    double[] zetas = new double[n];
    for (int i = 0; i < n; i++) {
      zetas[i] = 0.1 * g.nextGaussian();
    }
    int[] clamped = {5, 77, 299};
    int[] free = SpinKernel.freeSites(n, new int[0], clamped);
    int copies = 2;
    SpinSystem fast = new SpinSystem(graph, beta, 0, zetas, copies);
    SpinSystem generic = new SpinSystem(graph, beta, 0, zetas, copies);
    for (SpinSystem sys : new SpinSystem[] {fast, generic}) {
      for (int c = 0; c < copies; c++) {
        sys.rng(c).seed(100 + c);
        for (int i = 0; i < n; i++) {
          sys.spins[c * n + i] = sys.rng(c).nextLong() >= 0 ? (byte) 1 : (byte) -1;
        }
        sys.recomputeFields(c);
      }
    }
    SpinKernel a = SpinKernel.choose(fast, SpinOptions.RANDOM_SEQUENTIAL, false, free, true);
    assertTrue(SpinDenseKernels.isDenseKernel(a), "the dense kernel applies");
    // The reference: the documented draws (nextInt(|free|), then nextDouble() against φ) and the
    // plain scalar column update.
    SpinKernel b = copy -> {
      Rng r = generic.rng(copy);
      int base = copy * n;
      double[] f = generic.denseFields();
      for (int k = 0; k < free.length; k++) {
        int i = free[r.nextInt(free.length)];
        double u = zetas[i] + f[base + i];
        byte v = r.nextDouble() < 1.0 / (1.0 + Math.exp(-2.0 * beta * u)) ? (byte) 1 : (byte) -1;
        if (v != generic.spins[base + i]) {
          generic.spins[base + i] = v;
          SpinDenseColumns.scalar(f, base, graph.dense, i * n, n, 2.0 * v);
        }
      }
    };
    long flips = 0;
    for (int sweep = 0; sweep < sweeps; sweep++) {
      for (int c = 0; c < copies; c++) {
        byte[] before = java.util.Arrays.copyOfRange(fast.spins, c * n, (c + 1) * n);
        a.sweep(c);
        b.sweep(c);
        for (int i = 0; i < n; i++) {
          flips += before[i] != fast.spins[c * n + i] ? 1 : 0;
        }
      }
      assertArrayEquals(generic.spins, fast.spins, "beta " + beta + ": spins after sweep " + sweep);
    }
    for (int c = 0; c < copies; c++) {
      assertEquals(generic.rng(c).nextLong(), fast.rng(c).nextLong(), "beta " + beta + ": generator state");
    }
    double[] fa = fast.denseFields();
    double[] fb = generic.denseFields();
    for (int i = 0; i < fa.length; i++) {
      assertEquals(Double.doubleToRawLongBits(fb[i]), Double.doubleToRawLongBits(fa[i]), "beta " + beta + ": field " + i);
    }
    assertTrue(flips > minFlips, "beta " + beta + ": too static a trajectory: " + flips + " flips");
    // The incremental fields stay within rounding of a fresh sum over the final spins.
    for (int c = 0; c < copies; c++) {
      for (int i = 0; i < n; i++) {
        double u = 0;
        for (int j = 0; j < n; j++) {
          u += (double) graph.dense[j * n + i] * fast.spins[c * n + j];
        }
        assertEquals(u, fa[c * n + i], 1e-9, "copy " + c + " field " + i);
      }
    }
  }

  @Test
  void skWorldWithTheDenseKernelMatchesTheGenericKernelBitForBit() {
    // The benchmark's model (SK n = 1024 at beta = 1, random sequential): the dense kernel and the
    // generic one (nextDouble() < phi(u) through SpinSystem) give the same spins and the same
    // observations, energies and surprises included, step after step.
    java.util.Map<String, Object> config = SpinTestSupport.endlessCfg("n", 1024, "graph_seed", 1, "beta", 1.0,
        "sweeps_per_step", 2, "zeta", 0.05);
    SpinWorld fastWorld = SpinTestSupport.world("spin.sk", config, 2);
    SpinWorld genericWorld = SpinTestSupport.world("spin.sk", config, 2);
    genericWorld.setFastKernel(false);
    assertTrue(fastWorld.usesFastKernel());
    assertTrue(!genericWorld.usesFastKernel());
    String[] observations = {"spins", "magnetisation", "energy", "energy_sync", "mean_surprise", "phi", "surprise"};
    dev.kindred.env.BatchedEnv fast = SpinTestSupport.env(fastWorld, 9, observations);
    dev.kindred.env.BatchedEnv generic = SpinTestSupport.env(genericWorld, 9, observations);
    fast.reset(null, null);
    generic.reset(null, null);
    for (int t = 0; t < 150; t++) {
      fast.step(new int[0]);
      generic.step(new int[0]);
      for (String o : observations) {
        assertEquals(generic.batch().observation(o), fast.batch().observation(o), o + " at step " + (t + 1));
      }
    }
    double[] fs = new double[4];
    double[] gs = new double[4];
    for (int c = 0; c < 2; c++) {
      fastWorld.episodeStats(c, new double[0], fs);
      genericWorld.episodeStats(c, new double[0], gs);
      assertArrayEquals(gs, fs, "episode statistics of copy " + c);
    }
  }

  @Test
  void denseCouplingsAreSinglePrecisionEverywhere() {
    double[][] gamma = {{0, 0.1, 1e-3}, {0.2, 0, 1.0 / 3}, {-0.7, 2e29, 0}};
    SpinGraph graph = SpinGraph.fromMatrix(gamma, true, Cancellation.NEVER, "config.couplings");
    int[] idx = new int[3];
    double[] w = new double[3];
    for (int i = 0; i < 3; i++) {
      int k = graph.neighboursOf(i, idx, w);
      assertEquals(2, k);
      for (int e = 0; e < k; e++) {
        assertEquals((double) (float) gamma[i][idx[e]], w[e], 0.0);
      }
    }
    double[][] huge = {{0, 2e30}, {1, 0}};
    dev.kindred.env.EnvException e = org.junit.jupiter.api.Assertions.assertThrows(dev.kindred.env.EnvException.class,
        () -> SpinGraph.fromMatrix(huge, true, Cancellation.NEVER, "config.couplings"));
    assertTrue(e.getMessage().contains("single precision"), e.getMessage());
  }
}
