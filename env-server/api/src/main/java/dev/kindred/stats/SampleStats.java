package dev.kindred.stats;

/** Summary statistics of independent samples, for measurement and evaluation reports. */
public final class SampleStats {
  private SampleStats() {}

  public static double mean(double[] x) {
    double s = 0;
    for (double v : x) {
      s += v;
    }
    return s / x.length;
  }

  /** Sample standard deviation (n - 1 in the denominator); NaN for fewer than two samples. */
  public static double standardDeviation(double[] x) {
    if (x.length < 2) {
      return Double.NaN;
    }
    double m = mean(x);
    double s = 0;
    for (double v : x) {
      s += (v - m) * (v - m);
    }
    return Math.sqrt(s / (x.length - 1));
  }

  /** Standard error of the mean; NaN for fewer than two samples. */
  public static double standardError(double[] x) {
    return standardDeviation(x) / Math.sqrt(x.length);
  }

  /** Half-width of the normal-approximation 95% confidence interval of the mean. */
  public static double ci95(double[] x) {
    return 1.96 * standardError(x);
  }
}
