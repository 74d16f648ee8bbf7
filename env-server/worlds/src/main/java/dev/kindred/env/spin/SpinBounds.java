package dev.kindred.env.spin;

/**
 * Finite bounds of the spin worlds' real-valued observations, from the model alone (precisions,
 * fields, β), so that the spec gives clients bounded spaces. With U_i = |ζ_i| + Σ_j |γ_ij|:
 *
 * <ul>
 *   <li>neighbour_precisions, prior_precision: the smallest and largest β·γ_ij and β·ζ_i of the
 *       controlled agents (0 included where a padding slot is 0);
 *   <li>energy: |E| ≤ (½ Σ_i Σ_j |γ_ij| + Σ_i |ζ_i|) / n;
 *   <li>energy_sync: ln 2 ≤ ln 2cosh(βu_i) ≤ β U_i + ln 2 gives
 *       −(Σ|ζ_i| + Σ U_i)/n − ln2/β ≤ E_s ≤ Σ|ζ_i|/n − ln2/β (β = 0: |E_s| ≤ Σ|ζ_i|/n);
 *   <li>surprise: 0 ≤ s_i = ln 2cosh(βζ_i) + Σ_j ln 2cosh(βγ_ij) − ln 2cosh(βu_i) ≤ β U_i + d_i ln 2
 *       (d_i neighbours), the largest over the sites; mean_surprise ≤ their mean.
 * </ul>
 *
 * <p>Every bound is widened by a relative 1e-9, and those of float32 tensors (and the reward) by a
 * float32 step more, so that the observations' own rounding never steps outside it. A bound that overflows (β below about 1e-300 in energy_sync) is left open
 * (null). One pass over the graph's edges.
 */
final class SpinBounds {
  private static final double LN2 = Math.log(2);

  final double precisionLow;
  final double precisionHigh;
  final double priorLow;
  final double priorHigh;
  final double energyAbs;
  final Double energySyncLow;
  final Double energySyncHigh;
  final double surpriseHigh;
  final double meanSurpriseHigh;

  SpinBounds(SpinGraph g, SpinOptions o) {
    int n = g.n;
    double beta = o.beta();
    double[] zetas = o.zetas();
    int[] idx = new int[g.maxDegree];
    double[] w = new double[g.maxDegree];
    double sumAbsZeta = 0;
    double sumAbsGamma = 0; // Σ_i Σ_j |γ_ij|
    double maxSurprise = 0;
    double sumSurprise = 0;
    for (int i = 0; i < n; i++) {
      int d = g.neighboursOf(i, idx, w);
      double absZeta = Math.abs(zetas == null ? o.zeta() : zetas[i]);
      double absGamma = 0;
      for (int e = 0; e < d; e++) {
        absGamma += Math.abs(w[e]);
      }
      sumAbsZeta += absZeta;
      sumAbsGamma += absGamma;
      double s = beta * (absZeta + absGamma) + d * LN2;
      maxSurprise = Math.max(maxSurprise, s);
      sumSurprise += s;
    }
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    double priorLo = Double.POSITIVE_INFINITY;
    double priorHi = Double.NEGATIVE_INFINITY;
    for (int i : o.controlled()) {
      int d = g.neighboursOf(i, idx, w);
      for (int e = 0; e < d; e++) {
        lo = Math.min(lo, beta * w[e]);
        hi = Math.max(hi, beta * w[e]);
      }
      if (d < g.maxDegree || d == 0) {
        lo = Math.min(lo, 0);
        hi = Math.max(hi, 0);
      }
      double z = beta * (zetas == null ? o.zeta() : zetas[i]);
      priorLo = Math.min(priorLo, z);
      priorHi = Math.max(priorHi, z);
    }
    precisionLow = below32(lo);
    precisionHigh = above32(hi);
    priorLow = below32(priorLo);
    priorHigh = above32(priorHi);
    energyAbs = above((0.5 * sumAbsGamma + sumAbsZeta) / n);
    if (beta > 0) {
      double shift = LN2 / beta;
      double sumU = sumAbsZeta + sumAbsGamma;
      energySyncLow = finite(below(-(sumAbsZeta + sumU) / n - shift));
      energySyncHigh = finite(above(sumAbsZeta / n - shift));
    } else {
      energySyncLow = below(-sumAbsZeta / n);
      energySyncHigh = above(sumAbsZeta / n);
    }
    surpriseHigh = above32(maxSurprise);
    meanSurpriseHigh = above(sumSurprise / n);
  }

  private static double above(double x) {
    return x + 1e-9 * (1 + Math.abs(x));
  }

  private static double below(double x) {
    return x - 1e-9 * (1 + Math.abs(x));
  }

  /** Above x and above x rounded to float32, for the float32 observations and rewards. */
  private static double above32(double x) {
    return Math.nextUp((float) above(x));
  }

  private static double below32(double x) {
    return Math.nextDown((float) below(x));
  }

  private static Double finite(double x) {
    return Double.isFinite(x) ? x : null;
  }
}
