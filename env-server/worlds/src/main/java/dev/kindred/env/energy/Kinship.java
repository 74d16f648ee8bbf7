package dev.kindred.env.energy;

import dev.kindred.env.Config;
import dev.kindred.env.EnvException;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The reward-sharing matrix K and its presets.
 *
 * <p>Definition: {@code K[i][j]} is the fraction of agent j's raw reward that agent i
 * receives, and the reward each agent gets is {@code r'_i = sum_j K[i][j] * r_j}, i.e.
 * {@code r' = K r} with rows indexed by the receiver. The diagonal is the share of one's own
 * reward. Every entry lies in [0, 1]; rows need not sum to 1 and K need not be symmetric.
 * The relatedness an observer i sees on a visible agent j is {@code K[i][j]}.
 *
 * <p>Groups: agent a belongs to group {@code a * groups / agents} (contiguous blocks).
 *
 * <ul>
 *   <li>{@code selfish}: K = identity.</li>
 *   <li>{@code teams}: K[i][i] = 1; K[i][j] = team_share when i and j share a group; else 0.</li>
 *   <li>{@code families}: groups are families; families 2k and 2k+1 form a clan. With
 *       kin_levels = [self, family, clan] (default [1, 0.5, 0.25]): K[i][i] = self, same family
 *       = family, same clan (sibling families) = clan, otherwise 0.</li>
 *   <li>{@code explicit}: K = kinship_matrix (agents x agents, asymmetric allowed).</li>
 *   <li>{@code random}: K[i][i] = 1 and every off-diagonal entry sampled uniformly from
 *       kin_random_range = [lo, hi] at the start of every episode.</li>
 * </ul>
 */
public final class Kinship {
  public static final List<String> PRESETS = List.of("selfish", "teams", "families", "explicit", "random");

  private final String preset;
  private final int agents;
  private final int[] group;
  private final float[] fixed;  // agents*agents, null for random
  private final double randomLo;
  private final double randomHi;

  Kinship(Config config, int agents) {
    this.preset = config.getString("kinship");
    this.agents = agents;
    int groups = config.getInt("groups");
    if (groups > agents) {
      throw EnvException.invalid("config.groups", groups + " groups for " + agents
          + " agents; expected 1 <= groups <= agents");
    }
    this.group = new int[agents];
    for (int a = 0; a < agents; a++) {
      group[a] = (int) ((long) a * groups / agents);
    }
    double[] range = config.getDoubleList("kin_random_range");
    if (range.length != 2) {
      throw EnvException.invalid("config.kin_random_range", "got " + range.length + " values; expected [lo, hi]");
    }
    if (range[0] > range[1]) {
      throw EnvException.invalid("config.kin_random_range", "inverted range [" + range[0] + ", " + range[1]
          + "]; expected [lo, hi] with lo <= hi");
    }
    this.randomLo = range[0];
    this.randomHi = range[1];
    if (config.has("kinship_matrix") && !preset.equals("explicit")) {
      throw EnvException.invalid("config.kinship_matrix", "given but kinship is '" + preset
          + "'; set kinship to 'explicit' to use a matrix");
    }
    float[] k = new float[agents * agents];
    switch (preset) {
      case "selfish" -> {
        for (int i = 0; i < agents; i++) {
          k[i * agents + i] = 1f;
        }
      }
      case "teams" -> {
        float share = (float) config.getDouble("team_share");
        for (int i = 0; i < agents; i++) {
          for (int j = 0; j < agents; j++) {
            k[i * agents + j] = i == j ? 1f : group[i] == group[j] ? share : 0f;
          }
        }
      }
      case "families" -> {
        double[] levels = config.getDoubleList("kin_levels");
        if (levels.length != 3) {
          throw EnvException.invalid("config.kin_levels", "got " + levels.length
              + " values; expected [self, same family, sibling family]");
        }
        for (int i = 0; i < agents; i++) {
          for (int j = 0; j < agents; j++) {
            double v = i == j ? levels[0] : group[i] == group[j] ? levels[1]
                : group[i] / 2 == group[j] / 2 ? levels[2] : 0.0;
            k[i * agents + j] = (float) v;
          }
        }
      }
      case "explicit" -> {
        if (!config.has("kinship_matrix")) {
          throw EnvException.invalid("config.kinship_matrix", "missing; kinship 'explicit' needs an "
              + agents + " x " + agents + " matrix");
        }
        double[][] m = config.getMatrix("kinship_matrix");
        if (m.length != agents || (agents > 0 && m[0].length != agents)) {
          throw EnvException.invalid("config.kinship_matrix", "is " + m.length + " x "
              + (m.length == 0 ? 0 : m[0].length) + "; expected " + agents + " x " + agents + " (agents x agents)");
        }
        for (int i = 0; i < agents; i++) {
          for (int j = 0; j < agents; j++) {
            if (!Double.isFinite(m[i][j]) || m[i][j] < 0 || m[i][j] > 1) {
              throw EnvException.invalid("config.kinship_matrix[" + i + "][" + j + "]", "value " + m[i][j]
                  + "; expected a finite number in [0, 1]");
            }
            k[i * agents + j] = (float) m[i][j];
          }
        }
      }
      case "random" -> k = null;
      default -> throw EnvException.invalid("config.kinship", "unknown preset '" + preset + "'; expected one of "
          + String.join(", ", PRESETS));
    }
    this.fixed = k;
  }

  String preset() {
    return preset;
  }

  /** Group of each agent (shared, do not modify). */
  int[] groups() {
    return group;
  }

  /** Writes this episode's matrix (row-major, receiver-major) into {@code out}. */
  void episodeMatrix(SplittableRandom rng, float[] out) {
    if (fixed != null) {
      System.arraycopy(fixed, 0, out, 0, fixed.length);
      return;
    }
    for (int i = 0; i < agents; i++) {
      for (int j = 0; j < agents; j++) {
        out[i * agents + j] = i == j ? 1f : (float) (randomLo + (randomHi - randomLo) * rng.nextDouble());
      }
    }
  }

  /**
   * {@code out = K raw}: out[i] = sum_j K[i][j] raw[j]. Cost proportional to agents times the
   * number of agents with a non-zero raw reward (usually none).
   */
  static void share(float[] k, int agents, float[] raw, float[] out, int outOffset) {
    java.util.Arrays.fill(out, outOffset, outOffset + agents, 0f);
    for (int j = 0; j < agents; j++) {
      float r = raw[j];
      if (r != 0f) {
        for (int i = 0; i < agents; i++) {
          out[outOffset + i] += k[i * agents + j] * r;
        }
      }
    }
  }
}
