package dev.kindred.env.spin;

/**
 * The heat-bath decision {@code nextDouble() < φ(u)} for any local field u, deciding most updates
 * without evaluating φ (an {@code exp} and a division) yet with the same outcome every time.
 *
 * <p>φ(u) = {@code 1.0 / (1.0 + Math.exp(-2.0 * beta * u))} ({@link SpinSystem#phi}) is monotone
 * non-decreasing in u as computed in floating point, not only in exact arithmetic: each step is a
 * correctly rounded multiplication by the constant {@code -2.0 * beta <= 0}, {@link Math#exp}
 * (semi-monotonic by its specification), a correctly rounded addition and a correctly rounded
 * division of 1 by a positive number, and rounding never reverses an order. So for grid points
 * g_k <= u <= g_{k+1}, φ(g_k) <= φ(u) <= φ(g_{k+1}), and with the integer thresholds
 * t_k = {@link dev.kindred.env.Rng#threshold}(φ(g_k)) and the raw bits b = {@code nextLong() >>> 11}
 * (so that {@code nextDouble() = b * 2^-53}):
 * <ul>
 *   <li>b < t_k means b 2^-53 < φ(g_k) <= φ(u): the spin becomes +1;
 *   <li>b >= t_{k+1} means b 2^-53 >= φ(g_{k+1}) >= φ(u): the spin becomes −1;
 *   <li>otherwise (probability at most about β/2 times the grid step, under 1.6%) φ(u) is computed
 *       and compared exactly as the generic kernels do.
 * </ul>
 * The grid has {@link #CELLS} cells of a power-of-two width spanning [−R, R], R the smallest power
 * of two with 2βR >= 16, so its points are exact doubles. Beyond it the end points bound φ on one
 * side (u >= R: φ(u) >= φ(R), within e^-16 of 1; u <= −R: φ(u) <= φ(−R)), which still decides all
 * but a fraction e^-16 of those updates. The cell found for u (from the rounded (u + R) / step, so
 * possibly a neighbour) is checked against its points before it is used, so rounding can only
 * cost an exact evaluation, never change a decision.
 */
final class SpinHeatBath {
  /** Grid cells; the table holds CELLS + 1 thresholds (8 KB). */
  static final int CELLS = 1024;

  private final SpinSystem system;
  /** The grid's ends −R and R; NaN when there is no table (β not in [0, ∞)): every decision is then exact. */
  private final double lo;
  private final double hi;
  private final double step;
  private final double inverseStep;
  private final long[] thresholds = new long[CELLS + 1];

  SpinHeatBath(SpinSystem system) {
    this.system = system;
    double beta = system.beta;
    if (beta >= 0 && beta < Double.POSITIVE_INFINITY) {
      // 2 beta R >= 16: R = 2^e with e = ceil(log2(8 / beta)), clamped to keep the grid's points exact
      // doubles (beta = 0: phi is 1/2 everywhere and R = 2^900 leaves no field outside).
      double q = 8 / beta;
      int e = Math.getExponent(q);
      e = Math.max(-900, Math.min(900, q > Math.scalb(1.0, e) ? e + 1 : e));
      double r = Math.scalb(1.0, e);
      this.lo = -r;
      this.hi = r;
      this.step = Math.scalb(2 * r, -Integer.numberOfTrailingZeros(CELLS));
      this.inverseStep = 1 / step;
      for (int k = 0; k <= CELLS; k++) {
        thresholds[k] = dev.kindred.env.Rng.threshold(system.phi(gridPoint(k)));
      }
    } else {
      this.lo = Double.NaN;
      this.hi = Double.NaN;
      this.step = Double.NaN;
      this.inverseStep = Double.NaN;
    }
  }

  /** Grid point k (0..CELLS): −R + k·step, an exact double. */
  double gridPoint(int k) {
    return lo + k * step;
  }

  /**
   * Whether the heat bath sets the spin to +1 for local field u and the raw random bits
   * {@code bits = nextLong() >>> 11}: exactly {@code bits * 0x1.0p-53 < system.phi(u)}.
   */
  boolean up(long bits, double u) {
    int d = tableDecision(bits, u);
    return d != 0 ? d > 0 : exactUp(bits, u);
  }

  /** The new spin, +1 or −1: {@link #up} as a value. */
  byte spin(long bits, double u) {
    int d = tableDecision(bits, u);
    return d != 0 ? (byte) d : exactUp(bits, u) ? (byte) 1 : (byte) -1;
  }

  /** +1 or −1 where the table alone decides (u's cell and the bits allow it), 0 where φ(u) must be computed. */
  int tableDecision(long bits, double u) {
    double y = (u - lo) * inverseStep;
    if (y >= 0 && y < CELLS) { // false for NaN: no table
      int k = (int) y;
      double g = lo + k * step;
      // u − lo was rounded: u may lie in a neighbouring cell (always so for |u| far below R).
      if (u < g) {
        k--;
        g -= step;
      } else if (u > g + step) {
        k++;
        g += step;
      }
      if (k >= 0 && k < CELLS && g <= u && u <= g + step) {
        // Without branches: the outcome is random, and branches on it mispredicted often enough
        // to cost about a fifth of an SK update. up: bits < t_k; down: bits >= t_{k+1} (never both).
        int up = (int) ((bits - thresholds[k]) >>> 63);
        int down = (int) ((thresholds[k + 1] - 1 - bits) >>> 63);
        return up - down;
      }
    } else if (u >= hi) { // φ(u) >= φ(R)
      if (bits < thresholds[CELLS]) {
        return 1;
      }
    } else if (u <= lo) { // φ(u) <= φ(−R)
      if (bits >= thresholds[0]) {
        return -1;
      }
    }
    return 0;
  }

  /** The comparison itself, as the generic kernels make it: {@code nextDouble() < φ(u)}. */
  boolean exactUp(long bits, double u) {
    return bits * 0x1.0p-53 < system.phi(u);
  }

  /** The threshold at grid point k (0..CELLS), for tests. */
  long threshold(int k) {
    return thresholds[k];
  }
}
