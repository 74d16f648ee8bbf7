package dev.kindred.agents.ppo;

/**
 * Return normalisation: the value head predicts returns scaled by a running mean and variance
 * (exponential, weight 0.1 per rollout), so that one learning rate suits worlds whose returns
 * differ by orders of magnitude. The statistics are part of a checkpoint.
 */
final class ReturnNormaliser {
  private double mean = 0;
  private double var = 1;
  private boolean set;

  /** Normalised values {@code v[0, count)} in return units into {@code out[offset, offset + count)}. */
  void denormalise(float[] v, int count, float[] out, int offset) {
    float std = (float) Math.sqrt(var);
    for (int r = 0; r < count; r++) {
      out[offset + r] = v[r] * std + (float) mean;
    }
  }

  /** Folds in the returns of the rollout's learning steps {@code index[0, count)}. */
  void update(float[] returns, int[] index, int count) {
    double m = 0;
    for (int k = 0; k < count; k++) {
      m += returns[index[k]];
    }
    m /= count;
    double v = 0;
    for (int k = 0; k < count; k++) {
      double d = returns[index[k]] - m;
      v += d * d;
    }
    v = Math.max(v / count, 1e-4);
    if (!set) {
      mean = m;
      var = v;
      set = true;
    } else {
      mean = 0.9 * mean + 0.1 * m;
      var = 0.9 * var + 0.1 * v;
    }
  }

  float mean() {
    return (float) mean;
  }

  float std() {
    return (float) Math.sqrt(var);
  }

  /** {mean, variance, set}. */
  double[] state() {
    return new double[] {mean, var, set ? 1 : 0};
  }

  void restore(double[] s) {
    mean = s[0];
    var = s[1];
    set = s[2] != 0;
  }
}
