package dev.kindred.env.spin.theory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class IsingExactTest {
  private static final double TC = IsingExact.criticalTemperature();

  @Test
  void criticalPoint() {
    assertEquals(2.269185314213022, TC, 1e-12);
    assertEquals(0.4406867935097715, IsingExact.criticalBeta(), 1e-13);
    // Kramers-Wannier self-duality: sinh(2 beta_c) = 1.
    assertEquals(1.0, Math.sinh(2.0 * IsingExact.criticalBeta()), 1e-14);
  }

  @Test
  void energyAtCriticalPointIsMinusRootTwo() {
    assertEquals(-Math.sqrt(2.0), IsingExact.energyPerSpin(TC), 1e-12);
    // Continuous through T_c (the divergence of K is cancelled by 2 tanh^2 - 1 -> 0).
    assertEquals(-Math.sqrt(2.0), IsingExact.energyPerSpin(TC * (1 - 1e-9)), 1e-6);
    assertEquals(-Math.sqrt(2.0), IsingExact.energyPerSpin(TC * (1 + 1e-9)), 1e-6);
  }

  @Test
  void lowTemperatureLimits() {
    assertEquals(-2.0, IsingExact.energyPerSpin(0.0), 0.0);
    assertEquals(1.0, IsingExact.spontaneousMagnetisation(0.0), 0.0);
    for (double t : new double[] {0.3, 0.5, 0.7}) {
      double b = 1.0 / t;
      // One flipped spin costs 8J: u = -2 + 8 e^{-8b} + O(e^{-12b}), m = 1 - 2 e^{-8b} + O(e^{-12b}).
      assertEquals(-2.0 + 8.0 * Math.exp(-8 * b), IsingExact.energyPerSpin(t), 50 * Math.exp(-12 * b) + 1e-14, "u at T=" + t);
      assertEquals(1.0 - 2.0 * Math.exp(-8 * b), IsingExact.spontaneousMagnetisation(t), 20 * Math.exp(-12 * b) + 1e-14, "m at T=" + t);
    }
    assertEquals(-2.0, IsingExact.energyPerSpin(1e-3), 1e-15);
  }

  @Test
  void highTemperatureSeries() {
    // ln Z / N = ln 2 + 2 ln cosh b + t^4 + 2 t^6 + ..., t = tanh b  =>  u = -2t - 4t^3 + O(t^5).
    for (double b : new double[] {0.01, 0.05, 0.1}) {
      double t = Math.tanh(b);
      double u = IsingExact.energyPerSpinAtBeta(b);
      assertEquals(-2 * t - 4 * t * t * t, u, 20 * Math.pow(t, 5) + 1e-15, "u at beta=" + b);
    }
    assertEquals(0.0, IsingExact.energyPerSpin(Double.POSITIVE_INFINITY), 0.0);
    assertEquals(0.0, IsingExact.energyPerSpinAtBeta(0.0), 0.0);
  }

  @Test
  void magnetisationVanishesAtAndAboveTc() {
    assertEquals(0.0, IsingExact.spontaneousMagnetisation(TC), 0.0);
    assertEquals(0.0, IsingExact.spontaneousMagnetisation(3.0), 0.0);
    // m ~ (T_c - T)^{1/8} just below T_c: still sizeable.
    double m = IsingExact.spontaneousMagnetisation(TC * (1 - 1e-6));
    assertTrue(m > 0.1 && m < 0.3, "m just below T_c = " + m);
  }

  @Test
  void knownValues() {
    // m(2) = (1 - sinh(1)^-4)^(1/8)
    assertEquals(0.9113194, IsingExact.spontaneousMagnetisation(2.0), 1e-6);
    // Energy compared with direct quadrature of the elliptic integral.
    for (double t : new double[] {1.0, 1.5, 2.0, 2.2, 2.4, 3.0, 5.0}) {
      assertEquals(onsagerByQuadrature(1.0 / t), IsingExact.energyPerSpin(t), 1e-9, "u at T=" + t);
    }
    // Monotone increasing in T.
    double prev = -2.0;
    for (double t = 0.1; t < 10; t += 0.01) {
      double u = IsingExact.energyPerSpin(t);
      assertTrue(u >= prev - 1e-12, "u increases with T at " + t);
      prev = u;
    }
  }

  @Test
  void ellipticIntegral() {
    assertEquals(Math.PI / 2, IsingExact.completeEllipticK(0.0), 1e-15);
    // K(1/sqrt 2) = Gamma(1/4)^2 / (4 sqrt(pi))
    assertEquals(1.8540746773013719, IsingExact.completeEllipticK(Math.sqrt(0.5)), 1e-13);
    assertEquals(1.685750354812596, IsingExact.completeEllipticK(0.5), 1e-13);
    assertThrows(IllegalArgumentException.class, () -> IsingExact.completeEllipticK(1.0));
    assertThrows(IllegalArgumentException.class, () -> IsingExact.energyPerSpin(-1.0));
    assertEquals(2.0, IsingExact.agm(2.0, 2.0), 0.0);
  }

  /** Onsager's formula with K by Simpson's rule on a fine grid (k < 1 away from T_c). */
  private static double onsagerByQuadrature(double b) {
    double x = 2 * b;
    double k = 2 * Math.sinh(x) / (Math.cosh(x) * Math.cosh(x));
    int n = 20000;
    double h = (Math.PI / 2) / n;
    double sum = 0;
    for (int i = 0; i <= n; i++) {
      double s = Math.sin(i * h);
      double f = 1.0 / Math.sqrt(1 - k * k * s * s);
      sum += (i == 0 || i == n) ? f : (i % 2 == 1 ? 4 * f : 2 * f);
    }
    double kk = sum * h / 3;
    double th = Math.tanh(x);
    return -(1 / th) * (1 + (2 / Math.PI) * (2 * th * th - 1) * kk);
  }
}
