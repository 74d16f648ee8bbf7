package dev.kindred.agents.report;

import java.util.List;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * Learning curves of several runs (seeds) on one x grid, with the mean over runs and its 95%
 * confidence interval in each bin: {@code kindred curves}' statistics.
 *
 * <p>The grid has {@code bins} points evenly spaced from the smallest x to the largest; each
 * value falls in the bin of its nearest point, so runs logged at the same steps with as many
 * bins as iterations keep one iteration per bin. In a bin each run counts once, by the mean of
 * its values there (the runs are the independent samples); a run without a value in the bin
 * does not count (episode columns have gaps). Over the {@code n} runs with a value: their mean
 * and the half-width of the Student-t 95% interval, {@code t(0.975, n-1) · s / √n}; no interval
 * below 2 runs.
 */
public final class CurveBands {
  private CurveBands() {}

  /** The evenly spaced x points of the bins, and which bin an x falls in. */
  public record Grid(double[] centres) {
    public Grid {
      if (centres.length == 0) {
        throw new IllegalArgumentException("a grid has at least one bin");
      }
    }

    /** {@code bins} points from {@code min} to {@code max}; a single one when they are equal. */
    public static Grid between(double min, double max, int bins) {
      if (!(min <= max) || !Double.isFinite(min) || !Double.isFinite(max)) {
        throw new IllegalArgumentException("a grid needs finite min <= max, got " + min + ", " + max);
      }
      if (bins < 1) {
        throw new IllegalArgumentException("a grid has at least one bin, got " + bins);
      }
      if (min == max || bins == 1) {
        return new Grid(new double[] {(min + max) / 2});
      }
      double[] c = new double[bins];
      for (int k = 0; k < bins; k++) {
        c[k] = k == bins - 1 ? max : min + k * (max - min) / (bins - 1);
      }
      return new Grid(c);
    }

    public int bins() {
      return centres.length;
    }

    /** Distance between neighbouring points (0 with a single bin). */
    public double spacing() {
      return centres.length < 2 ? 0 : (centres[centres.length - 1] - centres[0]) / (centres.length - 1);
    }

    /** The bin of the point nearest to {@code x} (the ends take what lies beyond them). */
    public int bin(double x) {
      if (centres.length == 1) {
        return 0;
      }
      long k = Math.round((x - centres[0]) / spacing());
      return (int) Math.max(0, Math.min(centres.length - 1, k));
    }
  }

  /**
   * One column of several runs on a grid.
   *
   * @param perRun each run's mean in each bin, NaN where it has no value ({@code perRun[run][bin]})
   * @param mean   the mean over the runs with a value; NaN where none has one
   * @param ci95   the half-width of the 95% Student-t interval; NaN below 2 runs
   * @param runs   how many runs have a value in the bin
   */
  public record Band(Grid grid, double[][] perRun, double[] mean, double[] ci95, int[] runs) {
    public double[] x() {
      return grid.centres();
    }

    public double lower(int bin) {
      return mean[bin] - ci95[bin];
    }

    public double upper(int bin) {
      return mean[bin] + ci95[bin];
    }

    public double[] lower() {
      double[] l = new double[mean.length];
      for (int k = 0; k < l.length; k++) {
        l[k] = lower(k);
      }
      return l;
    }

    public double[] upper() {
      double[] u = new double[mean.length];
      for (int k = 0; k < u.length; k++) {
        u[k] = upper(k);
      }
      return u;
    }

    /** Whether any bin has a value. */
    public boolean hasValues() {
      for (int n : runs) {
        if (n > 0) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * Bins each run's values: {@code xs.get(r)[i]} is the x of {@code ys.get(r)[i]}; a point whose
   * x or y is not finite is left out.
   */
  public static Band bin(Grid grid, List<double[]> xs, List<double[]> ys) {
    if (xs.size() != ys.size()) {
      throw new IllegalArgumentException(xs.size() + " runs of x but " + ys.size() + " of values");
    }
    int bins = grid.bins();
    int runCount = xs.size();
    double[][] perRun = new double[runCount][bins];
    for (int r = 0; r < runCount; r++) {
      double[] x = xs.get(r);
      double[] y = ys.get(r);
      if (x.length != y.length) {
        throw new IllegalArgumentException("run " + r + ": " + x.length + " x values but " + y.length + " values");
      }
      double[] sum = new double[bins];
      int[] count = new int[bins];
      for (int i = 0; i < x.length; i++) {
        if (Double.isFinite(x[i]) && Double.isFinite(y[i])) {
          int k = grid.bin(x[i]);
          sum[k] += y[i];
          count[k]++;
        }
      }
      for (int k = 0; k < bins; k++) {
        perRun[r][k] = count[k] == 0 ? Double.NaN : sum[k] / count[k];
      }
    }
    double[] mean = new double[bins];
    double[] ci = new double[bins];
    int[] runs = new int[bins];
    for (int k = 0; k < bins; k++) {
      double[] samples = new double[runCount];
      int n = 0;
      for (int r = 0; r < runCount; r++) {
        if (!Double.isNaN(perRun[r][k])) {
          samples[n++] = perRun[r][k];
        }
      }
      double[] present = java.util.Arrays.copyOf(samples, n);
      runs[k] = n;
      mean[k] = n == 0 ? Double.NaN : mean(present);
      ci[k] = ci95(present);
    }
    return new Band(grid, perRun, mean, ci, runs);
  }

  static double mean(double[] x) {
    double s = 0;
    for (double v : x) {
      s += v;
    }
    return s / x.length;
  }

  /**
   * Half-width of the two-sided 95% Student-t confidence interval of the mean of {@code x}:
   * {@code t(0.975, n-1) · s / √n} with {@code s} the sample standard deviation; NaN for fewer
   * than two samples.
   */
  public static double ci95(double[] x) {
    int n = x.length;
    if (n < 2) {
      return Double.NaN;
    }
    double m = mean(x);
    double ss = 0;
    for (double v : x) {
      ss += (v - m) * (v - m);
    }
    return t975(n - 1) * Math.sqrt(ss / (n - 1)) / Math.sqrt(n);
  }

  private static final double[] T975 = new double[64];

  /** The 0.975 quantile of Student's t with {@code df} degrees of freedom (commons-math3). */
  public static double t975(int df) {
    if (df < 1) {
      throw new IllegalArgumentException("degrees of freedom must be at least 1, got " + df);
    }
    if (df < T975.length) {
      synchronized (T975) {
        if (T975[df] == 0) {
          T975[df] = quantile(df);
        }
        return T975[df];
      }
    }
    return quantile(df);
  }

  private static double quantile(int df) {
    // No random generator: only the quantile is wanted, never a sample.
    return new TDistribution(null, df).inverseCumulativeProbability(0.975);
  }
}
