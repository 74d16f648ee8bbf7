package dev.kindred.agents.tournament;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

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

  /**
   * A game between two teams of brains: {@code weights[i]} is brain i's share of side A's seats
   * minus its share of side B's (each side's shares sum to 1), {@code score} side A's. A team's
   * strength is the seat-weighted sum of its members' log-strengths (team-additive); a game of two
   * single brains has weights {@code e_a - e_b}.
   */
  public record TeamGame(double[] weights, double score) {
    public TeamGame {
      weights = weights.clone();
      if (!(score == 0 || score == 0.5 || score == 1)) {
        throw new IllegalArgumentException("a game's score is 1, 0.5 or 0, got " + score);
      }
    }

    static TeamGame of(int brains, Game g) {
      double[] w = new double[brains];
      w[g.a()] = 1;
      w[g.b()] = -1;
      return new TeamGame(w, g.score());
    }
  }

  /** Metta's K: 32 for a brain with fewer than 30 games, 16 below 100, 8 after. */
  static double eloK(int gamesPlayed) {
    return gamesPlayed < 30 ? 32 : gamesPlayed < 100 ? 16 : 8;
  }

  /**
   * Elo ratings after team games, in order: a side's rating is its members' seat-weighted sum;
   * each member moves by its own K times its share of its side.
   */
  public static double[] eloTeams(int brains, List<TeamGame> games) {
    double[] r = new double[brains];
    int[] played = new int[brains];
    Arrays.fill(r, ELO_START);
    for (TeamGame g : games) {
      double diff = 0;
      for (int i = 0; i < brains; i++) {
        diff += g.weights()[i] * r[i];
      }
      double expected = 1 / (1 + Math.pow(10, -diff / 400));
      for (int i = 0; i < brains; i++) {
        if (g.weights()[i] != 0) {
          r[i] += eloK(played[i]) * g.weights()[i] * (g.score() - expected);
          played[i]++;
        }
      }
    }
    return r;
  }

  /** Elo ratings after the games, in order; each side's K follows its own number of games so far. */
  public static double[] elo(int brains, List<Game> games) {
    return eloTeams(brains, games.stream().map(g -> TeamGame.of(brains, g)).toList());
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

  /**
   * Team-additive Bradley–Terry log-strengths (mean 0) by maximum likelihood: P(side A wins) =
   * σ(Σ_i weights_i θ_i), draws counting half a win, with {@link #PRIOR_GAMES} virtual draws between
   * every two brains; fitted by Newton's method (the log-likelihood is concave) to a step below
   * 1e-12. For games of single brains it is the same estimate as {@link #bradleyTerry}.
   */
  public static double[] bradleyTerryTeams(int brains, List<TeamGame> games) {
    List<TeamGame> all = new ArrayList<>(games);
    List<Double> weight = new ArrayList<>(java.util.Collections.nCopies(games.size(), 1.0));
    for (int i = 0; i < brains; i++) {
      for (int j = i + 1; j < brains; j++) {
        double[] w = new double[brains];
        w[i] = 1;
        w[j] = -1;
        all.add(new TeamGame(w, 0.5));
        weight.add(PRIOR_GAMES);
      }
    }
    double[] theta = new double[brains];
    for (int iter = 0; iter < 200; iter++) {
      double[] grad = new double[brains];
      double[][] hess = new double[brains][brains];
      for (int g = 0; g < all.size(); g++) {
        double[] x = all.get(g).weights();
        double z = 0;
        for (int i = 0; i < brains; i++) {
          z += x[i] * theta[i];
        }
        double p = 1 / (1 + Math.exp(-z));
        double c = weight.get(g);
        double resid = c * (all.get(g).score() - p);
        double curv = c * p * (1 - p);
        for (int i = 0; i < brains; i++) {
          if (x[i] == 0) {
            continue;
          }
          grad[i] += resid * x[i];
          for (int j = 0; j < brains; j++) {
            hess[i][j] += curv * x[i] * x[j];
          }
        }
      }
      // Strengths are defined up to a common shift: the all-ones direction is pinned (mean 0).
      double[][] a = new double[brains][brains];
      for (int i = 0; i < brains; i++) {
        for (int j = 0; j < brains; j++) {
          a[i][j] = hess[i][j] + 1.0 / brains;
        }
      }
      double[] step = new org.apache.commons.math3.linear.LUDecomposition(
          new org.apache.commons.math3.linear.Array2DRowRealMatrix(a, false)).getSolver()
          .solve(new org.apache.commons.math3.linear.ArrayRealVector(grad, false)).toArray();
      double size = 0;
      double mean = 0;
      for (int i = 0; i < brains; i++) {
        theta[i] += step[i];
        size = Math.max(size, Math.abs(step[i]));
      }
      for (double t : theta) {
        mean += t / brains;
      }
      for (int i = 0; i < brains; i++) {
        theta[i] -= mean;
      }
      if (size < 1e-12) {
        break;
      }
    }
    return theta;
  }

  /** As {@link #bradleyTerryIntervals}, for team games. */
  public static double[][] bradleyTerryTeamIntervals(int brains, List<List<TeamGame>> units, int resamples,
      double level, long seed) {
    return bootstrap(brains, units, games -> bradleyTerryTeams(brains, games), resamples, level, seed);
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
    return bootstrap(brains, units, games -> bradleyTerry(brains, games), resamples, level, seed);
  }

  /** Percentile bootstrap of a fit over units of games resampled with replacement. */
  private static <G> double[][] bootstrap(int brains, List<List<G>> units, Function<List<G>, double[]> fit,
      int resamples, double level, long seed) {
    List<G> all = new ArrayList<>();
    units.forEach(all::addAll);
    double[] estimate = fit.apply(all);
    double[][] samples = new double[brains][resamples];
    SplittableRandom rng = new SplittableRandom(seed);
    List<G> resampled = new ArrayList<>(all.size());
    for (int r = 0; r < resamples; r++) {
      resampled.clear();
      for (int u = 0; u < units.size(); u++) {
        resampled.addAll(units.get(rng.nextInt(units.size())));
      }
      double[] t = fit.apply(resampled);
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
