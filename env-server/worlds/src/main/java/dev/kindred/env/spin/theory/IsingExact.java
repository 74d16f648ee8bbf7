package dev.kindred.env.spin.theory;

/**
 * Exact results for the ferromagnetic nearest-neighbour Ising model on the infinite square
 * lattice, with coupling J = 1, no field and k_B = 1, in the convention
 * {@code H = -sum_<ij> s_i s_j} with spins {@code s = +-1} (each of the 2N bonds counted once).
 *
 * <ul>
 *   <li>{@link #criticalTemperature()}: Kramers–Wannier / Onsager, {@code T_c = 2 / ln(1 + sqrt 2)}.
 *   <li>{@link #spontaneousMagnetisation(double)}: Yang (1952), {@code (1 - sinh(2/T)^-4)^(1/8)}
 *       below T_c, 0 above.
 *   <li>{@link #energyPerSpin(double)}: Onsager (1944),
 *       {@code u = -coth(2b) [1 + (2/pi)(2 tanh^2(2b) - 1) K(k)]}, {@code k = 2 sinh(2b)/cosh^2(2b)},
 *       with K the complete elliptic integral of the first kind.
 * </ul>
 *
 * <p>These are the infinite-lattice values that a finite-lattice simulation approaches as L grows
 * (away from T_c finite-size corrections are exponentially small; near T_c they are not).
 */
public final class IsingExact {
  private IsingExact() {}

  /** {@code ln(1 + sqrt 2)}: the critical coupling {@code beta_c = 0.44068679...}. */
  public static final double CRITICAL_BETA = 0.5 * Math.log(1.0 + Math.sqrt(2.0));

  /** The critical temperature {@code 2 / ln(1 + sqrt 2) = 2.26918531...}. */
  public static double criticalTemperature() {
    return 1.0 / CRITICAL_BETA;
  }

  /** The critical inverse temperature {@code ln(1 + sqrt 2) / 2 = 0.44068679...}. */
  public static double criticalBeta() {
    return CRITICAL_BETA;
  }

  /**
   * Yang's spontaneous magnetisation per spin at temperature {@code t}: {@code 1} at {@code t = 0},
   * {@code (1 - sinh(2/t)^-4)^(1/8)} for {@code 0 < t < T_c}, {@code 0} for {@code t >= T_c}.
   */
  public static double spontaneousMagnetisation(double t) {
    checkTemperature(t);
    if (t == 0.0) {
      return 1.0;
    }
    if (t >= criticalTemperature()) {
      return 0.0;
    }
    double s = Math.sinh(2.0 / t);
    if (Double.isInfinite(s)) {
      return 1.0;
    }
    double x = 1.0 - Math.pow(s, -4.0);
    return x <= 0.0 ? 0.0 : Math.pow(x, 0.125);
  }

  /**
   * Onsager's internal energy per spin at temperature {@code t}: {@code -2} at {@code t = 0},
   * {@code -sqrt 2} at T_c, tending to 0 as {@code t -> infinity}.
   */
  public static double energyPerSpin(double t) {
    checkTemperature(t);
    if (t == 0.0) {
      return -2.0;
    }
    if (Double.isInfinite(t)) {
      return 0.0;
    }
    return energyPerSpinAtBeta(1.0 / t);
  }

  /** Onsager's internal energy per spin at inverse temperature {@code beta >= 0}. */
  public static double energyPerSpinAtBeta(double beta) {
    if (!(beta >= 0.0)) {
      throw new IllegalArgumentException("beta must be >= 0, got " + beta);
    }
    if (beta == 0.0) {
      return 0.0;
    }
    double x = 2.0 * beta;
    if (x > 40.0) {
      // cosh, sinh overflow long before this matters; u = -2 + 8 exp(-8 beta) + ... is exact to
      // double precision here.
      return -2.0 + 8.0 * Math.exp(-8.0 * beta);
    }
    double th = Math.tanh(x);
    double c2 = Math.cosh(x) * Math.cosh(x);
    double a = 2.0 * th * th - 1.0; // vanishes at T_c, where K diverges
    double kPrime = Math.abs(c2 - 2.0) / c2; // sqrt(1 - k^2), computed without cancellation
    double ellipticTerm = a == 0.0 || kPrime == 0.0 ? 0.0 : a * ellipticKFromComplement(kPrime);
    return -(1.0 / th) * (1.0 + (2.0 / Math.PI) * ellipticTerm);
  }

  /**
   * The complete elliptic integral of the first kind,
   * {@code K(k) = int_0^{pi/2} dtheta / sqrt(1 - k^2 sin^2 theta)}, for modulus {@code 0 <= k < 1},
   * by the arithmetic-geometric mean: {@code K(k) = pi / (2 AGM(1, sqrt(1 - k^2)))}.
   */
  public static double completeEllipticK(double k) {
    if (!(k >= 0.0 && k < 1.0)) {
      throw new IllegalArgumentException("modulus k must be in [0, 1), got " + k);
    }
    return ellipticKFromComplement(Math.sqrt((1.0 - k) * (1.0 + k)));
  }

  /** K from the complementary modulus {@code k' = sqrt(1 - k^2)}, accurate as k' goes to 0. */
  private static double ellipticKFromComplement(double kPrime) {
    return Math.PI / (2.0 * agm(1.0, kPrime));
  }

  /** The arithmetic-geometric mean of two non-negative numbers (quadratically convergent). */
  public static double agm(double a, double b) {
    if (!(a >= 0.0 && b >= 0.0)) {
      throw new IllegalArgumentException("agm needs non-negative arguments, got " + a + ", " + b);
    }
    for (int i = 0; i < 64; i++) {
      double an = 0.5 * (a + b);
      double bn = Math.sqrt(a * b);
      if (Math.abs(an - bn) <= 1e-16 * an) {
        return an;
      }
      a = an;
      b = bn;
    }
    return a;
  }

  private static void checkTemperature(double t) {
    if (!(t >= 0.0)) {
      throw new IllegalArgumentException("temperature must be >= 0, got " + t);
    }
  }
}
