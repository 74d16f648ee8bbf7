package dev.kindred.env.spin;

import static dev.kindred.env.spin.SpinTestSupport.endlessCfg;
import static dev.kindred.env.spin.SpinTestSupport.env;
import static dev.kindred.env.spin.SpinTestSupport.world;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kindred.env.BatchedEnv;
import dev.kindred.env.StepBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The per-copy measurements of graphs other than the homogeneous lattice (which take ln 2cosh of
 * every local field, in blocks through {@link Log1p#log1pAll}) against the plain one-pass formula
 * with {@link Math#log1p}, bit for bit.
 */
class SpinObservablesTest {

  /** energy, energy_sync and mean_surprise of one copy, as one pass over the sites computes them. */
  private static double[] reference(SpinSystem sys, int copy) {
    int n = sys.n;
    int base = copy * n;
    double beta = sys.beta;
    SpinGraph g = sys.graph;
    int[] idx = new int[Math.max(1, g.maxDegree)];
    double[] w = new double[Math.max(1, g.maxDegree)];
    double pairs = 0;
    double fieldTerm = 0;
    double lnc = 0;
    double constSum = 0;
    for (int i = 0; i < n; i++) {
      int sp = sys.spins[base + i];
      double u = sys.localField(copy, base, i);
      double z = sys.zeta(i);
      pairs += sp * (u + z);
      fieldTerm += sp * z;
      double a = Math.abs(beta * u);
      lnc += a + Math.log1p(Math.exp(-2 * a));
      double zb = Math.abs(beta * z);
      double c = zb + Math.log1p(Math.exp(-2 * zb));
      for (int e = 0, d = g.neighboursOf(i, idx, w); e < d; e++) {
        double wb = Math.abs(beta * w[e]);
        c += wb + Math.log1p(Math.exp(-2 * wb));
      }
      constSum += c;
    }
    double es = beta > 0 ? (-fieldTerm - lnc / beta) / n : -fieldTerm / n;
    return new double[] {-0.5 * pairs / n, es, (constSum - lnc) / n};
  }

  private static void check(String label, SpinWorld w, int copies) {
    BatchedEnv env = env(w, 4, "energy", "energy_sync", "mean_surprise");
    StepBatch b = env.reset(null, null);
    for (int t = 0; t < 30; t++) {
      b = env.step(new int[0]);
      for (int c = 0; c < copies; c++) {
        double[] want = reference(w.system(), c);
        String[] names = {"energy", "energy_sync", "mean_surprise"};
        for (int k = 0; k < 3; k++) {
          assertEquals(Double.doubleToRawLongBits(want[k]),
              Double.doubleToRawLongBits(b.observation(names[k]).getDouble(8 * c)),
              label + ": " + names[k] + " of copy " + c + " at step " + (t + 1) + " (want " + want[k] + ")");
        }
      }
    }
  }

  @Test
  void blockedMeasurementsEqualTheOnePassFormula() {
    // n = 150: two full blocks of 64 and a tail of 22 sites.
    check("SK", world("spin.sk", endlessCfg("n", 150, "beta", 1.0, "graph_seed", 3), 2), 2);
    check("SK hot", world("spin.sk", endlessCfg("n", 150, "beta", 0.05, "graph_seed", 3, "zeta", 0.3), 2), 2);
    check("SK cold", world("spin.sk", endlessCfg("n", 150, "beta", 30.0, "graph_seed", 3), 1), 1);
    check("SK beta 0", world("spin.sk", endlessCfg("n", 150, "beta", 0.0, "graph_seed", 3), 1), 1);
    check("ER", world("spin.erdos_renyi", endlessCfg("n", 70, "mean_degree", 4.0, "graph_seed", 9, "gamma_std", 0.5,
        "beta", 0.7, "zeta", 0.1), 3), 3);
    List<Double> zetas = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      zetas.add(0.1 * ((i % 5) - 2));
    }
    Map<String, Object> lattice = endlessCfg("width", 5, "height", 4, "gamma_std", 0.3, "beta", 0.5, "zetas", zetas);
    check("disordered lattice", world("spin.lattice", lattice, 2), 2);
  }
}
