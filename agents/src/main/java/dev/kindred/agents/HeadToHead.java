package dev.kindred.agents;

import dev.kindred.env.EpisodeSummary;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.VectorEnv;
import dev.kindred.stats.SampleStats;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Two brains in one world, by seat, with common random numbers: game A gives brain 0 the seats
 * {@code seats} and brain 1 the rest; game B swaps them; both games play from
 * {@code env.reset(seed)}, so the k-th episode of each copy has the same episode seed in both
 * (the same map, economy and kinship at its start). The k-th episodes of a copy in A and B form
 * a pair: each brain held every seat once, so seat advantages (who acts
 * first, who starts nearer the altar) cancel within the pair, and the pairs are independent
 * samples of the comparison.
 */
public final class HeadToHead {
  private HeadToHead() {}

  /**
   * A brain: its name, and how to build its policy for the batches its seats make (a spec
   * narrowed to those seats, {@link SeatPolicy#seatSpec}). A policy that is
   * {@link AutoCloseable} is closed after its game.
   */
  public record Brain(String name, Function<SessionSpec, BatchPolicy> policy) {}

  /**
   * The outcome over {@code pairs} pairs of episodes.
   *
   * @param hearts      per brain, its hearts per agent-episode in each pair (its seats' hearts in
   *                    both games over the agents it held, {@code agents} in all)
   * @param difference  per pair, brain 0's minus brain 1's
   * @param wins        per brain, episodes (of both games) in which its hearts per agent were
   *                    greater than the other's; {@code draws}: equal
   * @param actions     per brain, its actions over the agent-episodes it played
   * @param perCapita   per pair, per game (0: A, brain 0 in {@code seats[0]}; 1: B, swapped), per
   *                    brain: its hearts per agent over the seats it held in that episode
   * @param episodes    per pair, its {copy, episode of that copy in each game}: both games' episodes
   *                    of a pair start from the same episode seed
   */
  public record Result(List<String> names, int[][] seats, int pairs, double[][] hearts, double[] difference,
      int[] wins, int draws, ActionTally[] actions, double[][][] perCapita, int[][] episodes) {

    public double mean(int brain) {
      return SampleStats.mean(hearts[brain]);
    }

    public double ci95(int brain) {
      return SampleStats.ci95(hearts[brain]);
    }

    /** Episodes played in both games: {@code 2 * pairs}. */
    public int games() {
      return 2 * pairs;
    }

    public int losses(int brain) {
      return wins[1 - brain];
    }
  }

  /**
   * Plays game A ({@code seats} to brain 0) and game B (swapped) for at least
   * {@code episodes} episodes each.
   *
   * @param seats brain 0's seats in game A: at least one, not all
   * @param hearts the per-agent episode statistic compared ("hearts" in the energy world), or
   *               {@code "return"} for the episode return
   */
  public static Result play(VectorEnv env, Brain first, Brain second, int[] seats, int episodes, long seed,
      String hearts, Evaluation.EpisodeListener progress) {
    return play(env, first, second, seats, episodes, seed, hearts, progress, (game, owner) -> { });
  }

  /** Told when a game starts, before its first reset (e.g. to label the replays it records). */
  @FunctionalInterface
  public interface GameStart {
    /**
     * @param game  0 for game A, 1 for game B (seats swapped)
     * @param owner per seat, the brain that holds it (0: first, 1: second)
     */
    void starting(int game, int[] owner);
  }

  /** As {@link #play(VectorEnv, Brain, Brain, int[], int, long, String, Evaluation.EpisodeListener)}, telling {@code onGame} as each game starts. */
  public static Result play(VectorEnv env, Brain first, Brain second, int[] seats, int episodes, long seed,
      String hearts, Evaluation.EpisodeListener progress, GameStart onGame) {
    SessionSpec spec = env.spec();
    int agents = spec.agents();
    int[] ownerA = new int[agents];
    java.util.Arrays.fill(ownerA, 1);
    for (int s : seats) {
      if (s < 0 || s >= agents) {
        throw new IllegalArgumentException("seat " + s + " is not an agent of " + spec.worldId() + " (0 <= seat < "
            + agents + ")");
      }
      if (ownerA[s] == 0) {
        throw new IllegalArgumentException("seat " + s + " is listed twice");
      }
      ownerA[s] = 0;
    }
    if (seats.length == 0 || seats.length == agents) {
      throw new IllegalArgumentException("a head-to-head needs seats for both brains: give the first brain between 1 and "
          + (agents - 1) + " of the " + agents + " seats");
    }
    int[] ownerB = new int[agents];
    for (int a = 0; a < agents; a++) {
      ownerB[a] = 1 - ownerA[a];
    }
    Brain[] brains = {first, second};
    ActionTally[] tallies = {new ActionTally(spec), new ActionTally(spec)};
    onGame.starting(0, ownerA.clone());
    Map<Long, double[]> gameA = game(env, brains, ownerA, episodes, seed, hearts, tallies, progress);
    onGame.starting(1, ownerB.clone());
    Map<Long, double[]> gameB = game(env, brains, ownerB, episodes, seed, hearts, tallies, progress);
    List<Long> keys = new ArrayList<>(gameA.keySet());
    keys.retainAll(gameB.keySet());
    keys.sort(null);
    int n = keys.size();
    double[][] perBrain = new double[2][n];
    double[] diff = new double[n];
    int[] wins = new int[2];
    int draws = 0;
    double[][][] perCapita = new double[n][][];
    int[][] episodeOf = new int[n][];
    for (int i = 0; i < n; i++) {
      episodeOf[i] = new int[] {(int) (keys.get(i) >>> 32), (int) (long) keys.get(i)};
      double[] a = gameA.get(keys.get(i));
      double[] b = gameB.get(keys.get(i));
      perCapita[i] = new double[][] {perCapita(a, ownerA), perCapita(b, ownerB)};
      double[] sum = new double[2];
      for (int s = 0; s < agents; s++) {
        sum[ownerA[s]] += a[s];
        sum[ownerB[s]] += b[s];
      }
      for (int k = 0; k < 2; k++) {
        perBrain[k][i] = sum[k] / agents; // each brain held `agents` seats over the pair
      }
      diff[i] = perBrain[0][i] - perBrain[1][i];
      for (double[] pc : perCapita[i]) {
        int outcome = Double.compare(pc[0], pc[1]);
        if (outcome == 0) {
          draws++;
        } else {
          wins[outcome > 0 ? 0 : 1]++;
        }
      }
    }
    return new Result(List.of(first.name(), second.name()),
        new int[][] {SeatPolicy.seatsOf(ownerA, 0), SeatPolicy.seatsOf(ownerA, 1)}, n, perBrain, diff, wins, draws,
        tallies, perCapita, episodeOf);
  }

  /** Each brain's hearts per agent over the seats {@code owner} gave it in one episode. */
  private static double[] perCapita(double[] hearts, int[] owner) {
    double[] sum = new double[2];
    int[] count = new int[2];
    for (int s = 0; s < hearts.length; s++) {
      sum[owner[s]] += hearts[s];
      count[owner[s]]++;
    }
    return new double[] {sum[0] / count[0], sum[1] / count[1]};
  }

  /**
   * One game: the seat policy of {@code owner} from {@code env.reset(seed)}; each ended episode's
   * per-seat statistic under the key (copy, its ordinal among that copy's episodes in this game).
   */
  private static Map<Long, double[]> game(VectorEnv env, Brain[] brains, int[] owner, int episodes, long seed,
      String stat, ActionTally[] tallies, Evaluation.EpisodeListener progress) {
    SessionSpec spec = env.spec();
    List<BatchPolicy> policies = new ArrayList<>();
    try {
      for (int k = 0; k < brains.length; k++) {
        policies.add(brains[k].policy().apply(SeatPolicy.seatSpec(spec, SeatPolicy.seatsOf(owner, k))));
      }
      SeatPolicy router = new SeatPolicy(spec, owner, policies);
      Map<Long, double[]> out = new HashMap<>();
      int[] ordinal = new int[env.copies()];
      Evaluation.episodes(router, env, episodes, seed, (e, actions) -> {
        double[] v = new double[e.agentStats().size()];
        for (int a = 0; a < v.length; a++) {
          v[a] = statOf(e, a, stat);
          tallies[owner[a]].add(actions, a);
        }
        out.put(((long) e.copy() << 32) | ordinal[e.copy()]++, v);
        if (progress != null) {
          progress.ended(e, actions);
        }
      });
      return out;
    } finally {
      closeAll(policies);
    }
  }

  /** Agent {@code a}'s per-agent statistic {@code stat} of the episode ({@code "return"}: its return; absent: 0). */
  public static double statOf(EpisodeSummary e, int a, String stat) {
    if (stat.equals("return")) {
      return e.returns()[a];
    }
    Double h = e.agentStats().get(a).get(stat);
    return h == null ? 0 : h;
  }

  /** Closes the policies that hold resources (a neural network's native memory). */
  public static void closeAll(List<? extends BatchPolicy> policies) {
    for (BatchPolicy p : policies) {
      if (p instanceof AutoCloseable c) {
        try {
          c.close();
        } catch (Exception ex) {
          throw new IllegalStateException(ex);
        }
      }
    }
  }
}
