package dev.kindred.env.spin;

import static dev.kindred.env.spin.SpinTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Long runs of small systems against laws computed by exhaustive enumeration: the Gibbs law for
 * asynchronous and checkerboard schedules, the Peretto law for synchronous updates, the stationary
 * law of the exact transition matrix for asymmetric precisions, the conditional Gibbs law of the
 * free units when others are clamped, and with a synchronous schedule the Peretto law of the free
 * units with the clamped ones as fields. Each copy is an independent batch (own seed, burn-in);
 * see {@link SpinTestSupport#assertMatches} for the tolerance.
 */
class SpinExactLawTest {
  static final int COPIES = 24;
  static final double Z_MAX = 6.5; // Bonferroni over <= 512 states at family level ~1e-3, t with 23 dof

  @Test
  void latticeAsynchronousSchedulesSampleGibbsAndSynchronousSamplesPeretto() {
    double beta = 0.45;
    double zeta = 0.15;
    double[][] g = latticeMatrix(3, 3, 1.0);
    double[] z = filled(9, zeta);
    double[] gibbs = gibbs(g, z, beta);
    double[] peretto = peretto(g, z, beta);
    int steps = 20_000;
    for (String schedule : List.of("random_sequential", "sweep", "synchronous")) {
      SpinWorld w = world("spin.lattice", endlessCfg("width", 3, "height", 3, "beta", beta, "zeta", zeta,
          "schedule", schedule, "burn_in_sweeps", 200), COPIES);
      assertEquals(true, w.usesFastKernel());
      double[] law = schedule.equals("synchronous") ? peretto : gibbs;
      double[] alt = schedule.equals("synchronous") ? gibbs : peretto;
      Comparison c = assertMatches("lattice 3x3 " + schedule, frequencies(w, 11, steps, all(9)), law, steps, Z_MAX);
      assertPower("lattice 3x3 " + schedule, law, alt, c);
    }
  }

  @Test
  void checkerboardOnBipartiteLatticeSamplesGibbs() {
    // 4 x 2: the two y-neighbours coincide, so vertical bonds count twice (periodic Hamiltonian).
    double beta = 0.3;
    double zeta = -0.2;
    double[][] g = latticeMatrix(4, 2, 1.0);
    double[] z = filled(8, zeta);
    double[] gibbs = gibbs(g, z, beta);
    int steps = 20_000;
    for (boolean fast : new boolean[] {true, false}) {
      SpinWorld w = world("spin.lattice", endlessCfg("width", 4, "height", 2, "beta", beta, "zeta", zeta,
          "schedule", "checkerboard", "burn_in_sweeps", 100), COPIES);
      w.setFastKernel(fast);
      Comparison c = assertMatches("lattice 4x2 checkerboard fast=" + fast, frequencies(w, 12, steps, all(8)),
          gibbs, steps, Z_MAX);
      assertPower("lattice 4x2 checkerboard", gibbs, peretto(g, z, beta), c);
    }
  }

  @Test
  void disorderedErdosRenyiSamplesGibbs() {
    double beta = 1.0;
    List<Double> zetas = List.of(0.3, -0.2, 0.0, 0.1, 0.4, -0.5, 0.2, 0.0);
    SpinWorld w = world("spin.erdos_renyi", endlessCfg("n", 8, "mean_degree", 3.0, "graph_seed", 3, "gamma", 0.5,
        "gamma_std", 0.4, "zetas", zetas, "beta", beta, "burn_in_sweeps", 100), COPIES);
    assertEquals(SpinGraph.Kind.CSR, w.graph().kind());
    double[][] g = gammaMatrix(w.graph());
    double[] z = zetas.stream().mapToDouble(Double::doubleValue).toArray();
    double[] gibbs = gibbs(g, z, beta);
    int steps = 20_000;
    Comparison c = assertMatches("ER n=8 random_sequential", frequencies(w, 13, steps, all(8)), gibbs, steps, Z_MAX);
    assertPower("ER n=8", gibbs, peretto(g, z, beta), c);
  }

  @Test
  void skDenseGibbsAndPeretto() {
    double beta = 1.0;
    double zeta = 0.1;
    for (String schedule : List.of("random_sequential", "synchronous")) {
      SpinWorld w = world("spin.sk", endlessCfg("n", 7, "gamma", 1.5, "graph_seed", 5, "zeta", zeta, "beta", beta,
          "schedule", schedule, "burn_in_sweeps", 100), COPIES);
      assertEquals(SpinGraph.Kind.DENSE, w.graph().kind());
      double[][] g = gammaMatrix(w.graph());
      double[] z = filled(7, zeta);
      boolean sync = schedule.equals("synchronous");
      double[] law = sync ? peretto(g, z, beta) : gibbs(g, z, beta);
      double[] alt = sync ? gibbs(g, z, beta) : peretto(g, z, beta);
      int steps = 20_000;
      Comparison c = assertMatches("SK n=7 " + schedule, frequencies(w, 14, steps, all(7)), law, steps, Z_MAX);
      assertPower("SK n=7 " + schedule, law, alt, c);
    }
  }

  static final List<List<Double>> ASYM = List.of(
      List.of(0.0, 0.9, -0.4, 0.0, 0.6),
      List.of(-0.3, 0.0, 0.8, 0.5, 0.0),
      List.of(0.7, 0.2, 0.0, -0.9, 0.3),
      List.of(0.0, -0.6, 0.4, 0.0, 1.1),
      List.of(0.8, 0.0, -0.2, 0.5, 0.0));
  static final List<Double> ASYM_FIELDS = List.of(0.2, -0.3, 0.1, 0.0, 0.4);

  @Test
  void asymmetricBoltzmannMatchesStationaryLawOfExactTransitionMatrix() {
    double beta = 1.2;
    double[][] g = new double[5][5];
    for (int i = 0; i < 5; i++) {
      for (int j = 0; j < 5; j++) {
        g[i][j] = ASYM.get(i).get(j);
      }
    }
    double[] z = ASYM_FIELDS.stream().mapToDouble(Double::doubleValue).toArray();
    double[][] sym = new double[5][5];
    for (int i = 0; i < 5; i++) {
      for (int j = 0; j < 5; j++) {
        sym[i][j] = (g[i][j] + g[j][i]) / 2;
      }
    }
    for (String schedule : List.of("random_sequential", "sweep", "synchronous")) {
      SpinWorld w = world("spin.boltzmann", endlessCfg("couplings", ASYM, "fields", ASYM_FIELDS, "beta", beta,
          "schedule", schedule, "burn_in_sweeps", 100), COPIES);
      assertEquals("non-equilibrium: asymmetric precisions break detailed balance", w.spec().properties().get("regime"));
      double[][] t = switch (schedule) {
        case "random_sequential" -> randomSequentialMatrix(g, z, beta);
        case "sweep" -> sweepMatrix(g, z, beta);
        default -> synchronousMatrix(g, z, beta);
      };
      double[] law = stationary(t);
      int steps = 20_000;
      Comparison c = assertMatches("asymmetric n=5 " + schedule, frequencies(w, 15, steps, all(5)), law, steps, Z_MAX);
      assertPower("asymmetric n=5 " + schedule, law, gibbs(sym, z, beta), c);
    }
  }

  @Test
  void clampedVisibleUnitsGiveConditionalGibbsOfFreeUnits() {
    double beta = 1.0;
    List<List<Double>> m = List.of(
        List.of(0.0, 0.8, -0.5, 0.3, 0.0, 0.6),
        List.of(0.8, 0.0, 0.4, 0.0, -0.7, 0.2),
        List.of(-0.5, 0.4, 0.0, 0.9, 0.3, 0.0),
        List.of(0.3, 0.0, 0.9, 0.0, 0.5, -0.4),
        List.of(0.0, -0.7, 0.3, 0.5, 0.0, 0.8),
        List.of(0.6, 0.2, 0.0, -0.4, 0.8, 0.0));
    List<Double> fields = List.of(0.1, -0.2, 0.3, 0.0, -0.1, 0.2);
    SpinWorld w = world("spin.boltzmann", endlessCfg("couplings", m, "fields", fields, "beta", beta,
        "clamped", List.of(1, 4), "clamped_values", List.of(1, -1), "burn_in_sweeps", 100), COPIES);
    double[][] g = new double[6][6];
    for (int i = 0; i < 6; i++) {
      for (int j = 0; j < 6; j++) {
        g[i][j] = m.get(i).get(j);
      }
    }
    double[] z = fields.stream().mapToDouble(Double::doubleValue).toArray();
    double[] joint = gibbs(g, z, beta);
    int[] freeSites = {0, 2, 3, 5};
    double[] conditional = new double[16];
    double[] marginal = new double[16];
    for (int s = 0; s < 64; s++) {
      int k = 0;
      for (int b = 0; b < 4; b++) {
        if (spin(s, freeSites[b]) > 0) {
          k |= 1 << b;
        }
      }
      marginal[k] += joint[s];
      if (spin(s, 1) == 1 && spin(s, 4) == -1) {
        conditional[k] += joint[s];
      }
    }
    normalise(conditional);
    int steps = 20_000;
    double[][] f = frequencies(w, 16, steps, freeSites);
    // the clamped units never move
    double[][] fc = frequencies(w, 17, 200, new int[] {1, 4});
    for (double[] row : fc) {
      assertEquals(1.0, row[1], 1e-12); // bit0 (site 1) = +1, bit1 (site 4) = -1
    }
    Comparison c = assertMatches("boltzmann clamped", f, conditional, steps, Z_MAX);
    assertPower("boltzmann clamped", conditional, marginal, c);
  }

  @Test
  void clampedUnitsUnderSynchronousUpdatesGivePerettoOfFreeUnitsWithClampedFields() {
    double beta = 1.0;
    List<List<Double>> m = List.of(
        List.of(0.0, 1.2, -0.9, 0.6, 0.0),
        List.of(1.2, 0.0, 0.7, 0.0, -1.1),
        List.of(-0.9, 0.7, 0.0, 1.0, 0.8),
        List.of(0.6, 0.0, 1.0, 0.0, 0.9),
        List.of(0.0, -1.1, 0.8, 0.9, 0.0));
    List<Double> fields = List.of(0.2, -0.1, 0.3, 0.0, -0.2);
    int[] clampedSites = {1, 4};
    int[] clampedValues = {1, -1};
    int[] freeSites = {0, 2, 3};
    SpinWorld w = world("spin.boltzmann", endlessCfg("couplings", m, "fields", fields, "beta", beta, "schedule",
        "synchronous", "clamped", List.of(1, 4), "clamped_values", List.of(1, -1), "burn_in_sweeps", 100), COPIES);
    double[][] g = new double[5][5];
    for (int i = 0; i < 5; i++) {
      for (int j = 0; j < 5; j++) {
        g[i][j] = m.get(i).get(j);
      }
    }
    double[] z = fields.stream().mapToDouble(Double::doubleValue).toArray();
    // The free units alone: couplings among them, fields zeta_i + sum_c gamma_ic sigma_c.
    int nf = freeSites.length;
    double[][] gFree = new double[nf][nf];
    double[] zFree = new double[nf];
    for (int a = 0; a < nf; a++) {
      zFree[a] = z[freeSites[a]];
      for (int c = 0; c < clampedSites.length; c++) {
        zFree[a] += g[freeSites[a]][clampedSites[c]] * clampedValues[c];
      }
      for (int b = 0; b < nf; b++) {
        gFree[a][b] = g[freeSites[a]][freeSites[b]];
      }
    }
    double[] law = peretto(gFree, zFree, beta);
    // The alternative: the full system's Peretto law conditioned on the clamped values.
    double[] full = peretto(g, z, beta);
    double[] conditional = new double[1 << nf];
    for (int s = 0; s < full.length; s++) {
      if (spin(s, 1) != 1 || spin(s, 4) != -1) {
        continue;
      }
      int k = 0;
      for (int b = 0; b < nf; b++) {
        if (spin(s, freeSites[b]) > 0) {
          k |= 1 << b;
        }
      }
      conditional[k] += full[s];
    }
    normalise(conditional);
    int steps = 20_000;
    Comparison c = assertMatches("boltzmann clamped synchronous", frequencies(w, 18, steps, freeSites), law, steps,
        Z_MAX);
    assertPower("boltzmann clamped synchronous", law, conditional, c);
  }
}
