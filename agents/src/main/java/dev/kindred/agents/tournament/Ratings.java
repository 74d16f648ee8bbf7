package dev.kindred.agents.tournament;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Ratings of brains from the games of a tournament: Elo with Metta's schedule, and a
 * Bradley–Terry model fitted by maximum likelihood with bootstrap intervals. A game is two
 * sides and the first side's score: 1 a win, ½ a draw, 0 a loss.
 */
public final class Ratings {
  private Ratings() {}

  /** Elo's start, as Metta's: every brain begins here. */
  public static final double ELO_START = 1000;
  /** Points of the Elo scale per natural-log unit of Bradley–Terry strength (400 / ln 10). */
  public static final double ELO_PER_NAT = 400 / Math.log(10);
  /**
   * Virtual draws added between every two brains in a Bradley–Terry fit: a weak prior that keeps
   * the estimate finite when a brain won (or lost) every game, worth half a game per pair.
   */
  static final double PRIOR_GAMES = 0.5;

  /** One game: brain {@code a} against brain {@code b}, {@code score} a's (1 win, 0.5 draw, 0 loss). */
  public record Game(int a, int b, double score) {
    public Game {
      if (a == b) {
        throw new IllegalArgumentException("a game needs two different brains, got " + a + " twice");
      }
      if (!(score == 0 || score == 0.5 || score == 1)) {
        throw new IllegalArgumentException("a game's score is 1, 0.5 or 0, got " + score);
      }
    }
  }

  /** Metta's K: 32 for a brain with fewer than 30 games, 16 below 100, 8 after. */
  static double eloK(int gamesPlayed) {
    return gamesPlayed < 30 ? 32 : gamesPlayed < 100 ? 16 : 8;
  }

  /** Elo ratings after the games, in order; each side's K follows its own number of games so far. */
  public static double[] elo(int brains, List<Game> games) {
    double[] r = new double[brains];
    int[] played = new int[brains];
    Arrays.fill(r, ELO_START);
    for (Game g : games) {
      double expected = 1 / (1 + Math.pow(10, (r[g.b()] - r[g.a()]) / 400));
      double ka = eloK(played[g.a()]);
      double kb = eloK(played[g.b()]);
      r[g.a()] += ka * (g.score() - expected);
      r[g.b()] -= kb * (g.score() - expected);
      played[g.a()]++;
      played[g.b()]++;
    }
    return r;
  }

  /**
   * Bradley–Terry log-strengths (mean 0) by maximum likelihood, draws counting half a win to each
   * side, with {@link #PRIOR_GAMES} virtual draws per pair; fitted by Hunter's MM iteration
   * (monotone in the likelihood) to a relative change below 1e-12.
   */
  public static double[] bradleyTerry(int brains, List<Game> games) {
    double[] wins = new double[brains];
    double[][] n = new double[brains][brains];
    for (Game g : games) {
      wins[g.a()] += g.score();
      wins[g.b()] += 1 - g.score();
      n[g.a()][g.b()]++;
      n[g.b()][g.a()]++;
    }
    for (int i = 0; i < brains; i++) {
      for (int j = 0; j < brains; j++) {
        if (i != j) {
          n[i][j] += PRIOR_GAMES;
          wins[i] += PRIOR_GAMES / 2;
        }
      }
    }
    double[] p = new double[brains];
    Arrays.fill(p, 1);
    double[] next = new double[brains];
    for (int iter = 0; iter < 100_000; iter++) {
      double change = 0;
      for (int i = 0; i < brains; i++) {
        double denom = 0;
        for (int j = 0; j < brains; j++) {
          if (j != i && n[i][j] > 0) {
            denom += n[i][j] / (p[i] + p[j]);
          }
        }
        next[i] = denom > 0 ? wins[i] / denom : p[i];
      }
      double logMean = 0;
      for (int i = 0; i < brains; i++) {
        logMean += Math.log(next[i]) / brains;
      }
      double scale = Math.exp(-logMean);
      for (int i = 0; i < brains; i++) {
        double v = next[i] * scale;
        change = Math.max(change, Math.abs(v - p[i]) / p[i]);
        p[i] = v;
      }
      if (change < 1e-12) {
        break;
      }
    }
    double[] theta = new double[brains];
    for (int i = 0; i < brains; i++) {
      theta[i] = Math.log(p[i]);
    }
    return theta;
  }

  /** A log-strength on the Elo scale: 1000 + 400 log10(strength), so that differences read as Elo's. */
  public static double eloScale(double theta) {
    return ELO_START + ELO_PER_NAT * theta;
  }

  /**
   * Bradley–Terry fits with percentile bootstrap intervals: the units (each a list of games that
   * belong together, e.g. the two seatings of one pair of episodes on the same seeds) are resampled
   * with replacement {@code resamples} times.
   *
   * @param level e.g. 0.95
   * @return per brain {estimate, low, high} of its log-strength (mean 0 in every fit)
   */
  public static double[][] bradleyTerryIntervals(int brains, List<List<Game>> units, int resamples, double level,
      long seed) {
    List<Game> all = new ArrayList<>();
    units.forEach(all::addAll);
    double[] estimate = bradleyTerry(brains, all);
    double[][] samples = new double[brains][resamples];
    SplittableRandom rng = new SplittableRandom(seed);
    List<Game> resampled = new ArrayList<>(all.size());
    for (int r = 0; r < resamples; r++) {
      resampled.clear();
      for (int u = 0; u < units.size(); u++) {
        resampled.addAll(units.get(rng.nextInt(units.size())));
      }
      double[] t = bradleyTerry(brains, resampled);
      for (int i = 0; i < brains; i++) {
        samples[i][r] = t[i];
      }
    }
    double[][] out = new double[brains][];
    for (int i = 0; i < brains; i++) {
      Arrays.sort(samples[i]);
      out[i] = new double[] {estimate[i], quantile(samples[i], (1 - level) / 2), quantile(samples[i], (1 + level) / 2)};
    }
    return out;
  }

  /** The q-quantile of sorted values, interpolated linearly between order statistics. */
  static double quantile(double[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    double pos = q * (sorted.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
  }
}
