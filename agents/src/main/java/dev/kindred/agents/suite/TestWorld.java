package dev.kindred.agents.suite;

import dev.kindred.agents.BatchPolicy;
import dev.kindred.agents.SeatPolicy;
import dev.kindred.agents.report.CurveBands;
import dev.kindred.env.Autoreset;
import dev.kindred.env.EpisodeSummary;
import dev.kindred.env.Seeds;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.StepBatch;
import dev.kindred.env.VectorEnv;
import dev.kindred.stats.SampleStats;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A test's world, open and checked against the test file (seats, roles, metrics), ready to play
 * any brain in the focal seats: every brain plays from {@code env.reset(seed)}, so the k-th
 * episode of each copy starts from the same world seed for every brain (common random numbers).
 */
public final class TestWorld implements AutoCloseable {

  /** Opens a world (in process, or on a server). */
  @FunctionalInterface
  public interface Opener {
    VectorEnv open(String world, Map<String, ?> config, int copies, long seed);
  }

  /** Told of the copy-steps each play takes, for progress. */
  @FunctionalInterface
  public interface StepListener {
    void stepped(int copySteps);
  }

  /**
   * One brain on one test.
   *
   * @param unfit        why the brain cannot play the test's focal seats, or null when it played
   * @param episodeSeeds the world seed of each episode, in the order of the metrics' values
   */
  public record Result(TestFile test, Brain brain, String unfit, List<MetricResult> metrics, long[] episodeSeeds,
      int copies) {

    public boolean fits() {
      return unfit == null;
    }

    public MetricResult metric(String name) {
      return metrics.stream().filter(m -> m.metric().name().equals(name)).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("no metric " + name + " in " + test.name()));
    }
  }

  /**
   * A metric over the episodes: one value per episode (NaN where undefined), their mean and the
   * half-width of the Student-t 95% interval of the mean over the {@code n} defined ones (NaN
   * below 2), and for first_step metrics the fraction of agent-episodes in which the event occurred.
   */
  public record MetricResult(Metric metric, double[] values, double mean, double ci95, int n, double occurred) {

    static MetricResult of(Metric metric, double[] values, double[] occurredPerEpisode) {
      double[] defined = Arrays.stream(values).filter(v -> !Double.isNaN(v)).toArray();
      double mean = defined.length == 0 ? Double.NaN : SampleStats.mean(defined);
      double ci = CurveBands.ci95(defined);
      double occurred = metric.reportsOccurrence() ? Arrays.stream(occurredPerEpisode).average().orElse(Double.NaN)
          : Double.NaN;
      return new MetricResult(metric, values, mean, ci, defined.length, occurred);
    }
  }

  private final TestFile test;
  private final VectorEnv env;
  private final SessionSpec spec;
  private final int episodes;
  private final long seed;
  private final int[] focal;
  private final int[] owner;
  private final EpisodeTracker tracker;

  private TestWorld(TestFile test, VectorEnv env, int episodes, long seed) {
    this.test = test;
    this.env = env;
    this.spec = env.spec();
    this.episodes = episodes;
    this.seed = seed;
    if (spec.autoreset() != Autoreset.NEXT_STEP) {
      throw new IllegalStateException("behavioural tests step worlds with autoreset NEXT_STEP; got "
          + spec.autoreset());
    }
    int agents = spec.agents();
    if (agents == 0) {
      throw error("world_config", test.world() + " has no agents here for a brain to play; configure some");
    }
    this.owner = new int[agents];
    Arrays.fill(owner, -1);
    List<Role> roles = test.others();
    for (int i = 0; i < roles.size(); i++) {
      for (int s : roles.get(i).seats()) {
        seat(s, "others[" + i + "].seats");
        owner[s] = i + 1;
      }
    }
    if (test.focal() != null) {
      for (int s : test.focal()) {
        seat(s, "focal");
        owner[s] = 0;
      }
    }
    List<Integer> f = new ArrayList<>();
    for (int a = 0; a < agents; a++) {
      if (owner[a] < 0) {
        if (test.focal() != null) {
          throw error("focal", "seat " + a + " is neither focal nor in others; list every one of the " + agents
              + " agents of the map in focal or others");
        }
        owner[a] = 0;
      }
      if (owner[a] == 0) {
        f.add(a);
      }
    }
    if (f.isEmpty()) {
      throw error("others", "every seat has a role; leave at least one to the brain under test (focal)");
    }
    this.focal = f.stream().mapToInt(Integer::intValue).toArray();
    for (int i = 0; i < roles.size(); i++) {
      Role r = roles.get(i);
      if (r.script() != null) {
        try {
          new ScriptPolicy(seats(r), r.script());
        } catch (IllegalArgumentException e) {
          throw error("others[" + i + "].script", e.getMessage());
        }
      }
    }
    this.tracker = new EpisodeTracker(test, spec, focal);
  }

  /**
   * Opens the test's world with {@code copies} copies (at most {@code episodes}) and checks the
   * test file against it.
   *
   * @param episodes the test file's, unless overridden
   * @throws IllegalArgumentException naming the test file and the field at fault
   */
  public static TestWorld open(TestFile test, Opener opener, int episodes, int copies, long seed) {
    VectorEnv env;
    try {
      env = opener.open(test.world(), test.worldConfig(), Math.min(copies, episodes), seed);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(test.path() + ": world / world_config: " + e.getMessage(), e);
    }
    try {
      return new TestWorld(test, env, episodes, seed);
    } catch (RuntimeException e) {
      env.close();
      throw e;
    }
  }

  private void seat(int s, String field) {
    if (s >= spec.agents()) {
      throw error(field, "seat " + s + " does not exist: " + test.world() + " here has " + spec.agents()
          + " agent(s), seats 0.." + (spec.agents() - 1) + " (an inline map's agents are numbered in reading order)");
    }
    if (owner[s] >= 0) {
      throw error(field, "seat " + s + " is given twice");
    }
  }

  private IllegalArgumentException error(String field, String problem) {
    return new IllegalArgumentException(test.path() + ": " + field + ": " + problem);
  }

  private SessionSpec seats(Role r) {
    return SeatPolicy.seatSpec(spec, r.seats().stream().mapToInt(Integer::intValue).toArray());
  }

  public TestFile test() {
    return test;
  }

  public SessionSpec spec() {
    return spec;
  }

  public int[] focal() {
    return focal.clone();
  }

  public int episodes() {
    return episodes;
  }

  /** The spec of the batches the brain under test sees: the focal seats only. */
  public SessionSpec focalSpec() {
    return SeatPolicy.seatSpec(spec, focal);
  }

  /** Copy-steps a play takes when episodes last max_steps (rounds of copies, each after a reset step). */
  public long expectedCopySteps() {
    int copies = spec.copies();
    long rounds = (episodes + copies - 1) / copies;
    long length = spec.world().maxEpisodeSteps() > 0 ? spec.world().maxEpisodeSteps() : 1000;
    return copies * (rounds * length + rounds - 1);
  }

  /**
   * Plays {@code brain} in the focal seats and the roles in theirs, from {@code env.reset(seed)},
   * until {@code episodes} episodes have ended (the first ones to end; copies that end together
   * in copy order); or reports why the brain does not fit.
   *
   * @throws IllegalStateException when episodes do not end (set max_steps)
   */
  public Result play(Brain brain, StepListener listener) {
    SessionSpec focalSpec = focalSpec();
    String why = brain.unfit(focalSpec);
    if (why != null) {
      return new Result(test, brain, why, List.of(), new long[0], spec.copies());
    }
    List<BatchPolicy> policies = new ArrayList<>();
    try {
      policies.add(brain.policy(focalSpec, seed));
      List<Role> roles = test.others();
      for (int i = 0; i < roles.size(); i++) {
        Role r = roles.get(i);
        policies.add(r.brain() != null ? Brain.builtIn(r.brain(), seats(r), seed + 1 + i)
            : new ScriptPolicy(seats(r), r.script()));
      }
      return play(brain, new SeatPolicy(spec, owner, policies), listener);
    } finally {
      for (BatchPolicy p : policies) {
        if (p instanceof AutoCloseable c) {
          try {
            c.close();
          } catch (Exception e) {
            throw new IllegalStateException("closing a policy failed: " + e.getMessage(), e);
          }
        }
      }
    }
  }

  private Result play(Brain brain, SeatPolicy policy, StepListener listener) {
    int copies = spec.copies();
    int metrics = test.metrics().size();
    double[][] values = new double[metrics][episodes];
    double[][] occurred = new double[metrics][episodes];
    long[] seeds = new long[episodes];
    int[] ended = new int[copies]; // episodes ended per copy since the reset: the next one's seed index
    int[] actions = new int[copies * spec.agents() * spec.actionDimensions()];
    StepBatch b = env.reset(seed);
    tracker.observe(b);
    for (int c = 0; c < copies; c++) {
      tracker.start(b, c);
    }
    long maxSteps = 10_000_000L / copies;
    long steps = 0;
    int count = 0;
    while (count < episodes) {
      policy.act(b, actions);
      b = env.step(actions);
      listener.stepped(copies);
      tracker.observe(b);
      byte[] reset = b.resetMask();
      for (int c = 0; c < copies; c++) {
        if (reset[c] != 0) {
          tracker.start(b, c);
        } else {
          tracker.step(b, c, actions);
        }
      }
      for (EpisodeSummary e : b.episodes()) {
        int c = e.copy();
        long seedIndex = ended[c]++;
        if (count == episodes) {
          continue;
        }
        EpisodeTracker.Values v = tracker.finish(c, e);
        for (int m = 0; m < metrics; m++) {
          values[m][count] = v.mean()[m];
          occurred[m][count] = v.occurred()[m];
        }
        seeds[count] = Seeds.episodeSeed(seed, c, seedIndex);
        count++;
      }
      if (++steps > maxSteps) {
        throw new IllegalStateException(test.path() + ": episodes do not end; set max_steps in world_config");
      }
    }
    List<MetricResult> out = new ArrayList<>();
    for (int m = 0; m < metrics; m++) {
      out.add(MetricResult.of(test.metrics().get(m), values[m], occurred[m]));
    }
    return new Result(test, brain, null, out, seeds, copies);
  }

  @Override
  public void close() {
    env.close();
  }
}
