package dev.kindred.agents.suite;

import dev.kindred.agents.ActionTally;
import dev.kindred.agents.ppo.FeatureReader;
import dev.kindred.env.EpisodeSummary;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.StatSpec;
import dev.kindred.env.StepBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Follows the focal agents of every copy step by step and turns each ended episode into one
 * value per metric ({@link Measure}): statistics from the episode's summary, the rest from what
 * the agent did and observed at each step (its action, whether it succeeded, its reward, its
 * observation features). Built for one test on one world: binding checks that the world has
 * what the metrics read, and errors name the test file and the field.
 */
final class EpisodeTracker {
  private static final int[] DX = {0, 1, 0, -1};
  private static final int[] DY = {-1, 0, 1, 0};
  private static final String ORIENTATION = "globals.orientation";

  private final TestFile test;
  private final int[] focal;
  private final int agents;
  private final int dims;
  private final Set<String> stats = new HashSet<>();
  private final List<String> actionNames;

  // Per-step conditions, one slot per first_step or fraction_of_steps node.
  private final IdentityHashMap<Measure, Integer> slots = new IdentityHashMap<>();
  private final List<Bound> conditions = new ArrayList<>();
  /** The field of the first cells_visited measure, null when none: then positions are not followed. */
  private String cellsField;
  private int moveId = -1;
  private int swapId = -1;
  private int orientationTerm = -1;

  // Observation features the conditions (and cells_visited) read, one term each.
  private final Map<String, Object> featureTerms = new LinkedHashMap<>();
  private final FeatureReader features;
  private float[] values = new float[0];

  private final Track[] tracks;

  /** A condition bound to the world: its kind and the indices it reads. */
  private record Bound(int kind, double threshold, int term, int thresholdTerm, int action, boolean below) {
    static final int REWARD = 0;
    static final int ACTION = 1;
    static final int FEATURE = 2;
  }

  /** One focal agent's episode so far. */
  private static final class Track {
    int steps;
    int x;
    int y;
    final Set<Long> visited = new HashSet<>();
    final int[] first;
    final int[] count;

    Track(int slots) {
      first = new int[slots];
      count = new int[slots];
    }

    void start() {
      steps = 0;
      x = 0;
      y = 0;
      visited.clear();
      visited.add(0L);
      Arrays.fill(first, -1);
      Arrays.fill(count, 0);
    }
  }

  /**
   * @throws IllegalArgumentException naming the test file and the field whose statistic, feature
   *                                  or action the world does not have
   */
  EpisodeTracker(TestFile test, SessionSpec spec, int[] focal) {
    this.test = test;
    this.focal = focal.clone();
    this.agents = spec.agents();
    this.dims = spec.actionDimensions();
    for (StatSpec s : spec.world().agentStats()) {
      stats.add(s.name());
    }
    this.actionNames = ActionTally.actionNames(spec);
    for (int i = 0; i < test.metrics().size(); i++) {
      bind(test.metrics().get(i).measure(), "metrics[" + i + "]", spec);
    }
    if (cellsField != null) {
      moveId = actionNames.indexOf("move");
      swapId = actionNames.indexOf("swap");
      if (moveId < 0) {
        throw error(cellsField, "cells_visited follows an agent by its successful moves; " + spec.worldId()
            + " has no action named move");
      }
      orientationTerm = term(spec, ORIENTATION, cellsField);
    }
    this.features = new FeatureReader(spec, featureTerms, test.path() + ": features");
    this.tracks = new Track[spec.copies() * focal.length];
    for (int i = 0; i < tracks.length; i++) {
      tracks[i] = new Track(conditions.size());
    }
  }

  private IllegalArgumentException error(String field, String problem) {
    return new IllegalArgumentException(test.path() + ": " + field + ": " + problem);
  }

  private void bind(Measure m, String at, SessionSpec spec) {
    if (m instanceof Measure.Stat s) {
      for (int i = 0; i < s.stats().size(); i++) {
        String name = s.stats().get(i);
        if (!stats.contains(name)) {
          throw error(at + ".stat", "'" + name + "' is not a per-agent statistic of " + spec.worldId() + "; it reports "
              + String.join(", ", spec.world().agentStats().stream().map(StatSpec::name).toList()));
        }
      }
    } else if (m instanceof Measure.CellsVisited c) {
      if (cellsField == null) {
        cellsField = at;
      }
      if (c.fractionOfFreeCells() && test.freeCells() == 0) {
        throw error(at + ".fraction_of_free_cells", "needs an inline map in world_config.map to count the free cells");
      }
    } else if (m instanceof Measure.FirstStep f) {
      slots.put(m, conditions.size());
      conditions.add(condition(f.when(), at + ".when", spec));
    } else if (m instanceof Measure.FractionOfSteps f) {
      slots.put(m, conditions.size());
      conditions.add(condition(f.when(), at + ".when", spec));
    } else if (m instanceof Measure.Ratio r) {
      bind(r.numerator(), at + ".numerator", spec);
      bind(r.denominator(), at + ".denominator", spec);
    }
  }

  private Bound condition(Condition c, String at, SessionSpec spec) {
    if (c instanceof Condition.RewardAbove r) {
      return new Bound(Bound.REWARD, r.threshold(), -1, -1, -1, false);
    }
    if (c instanceof Condition.ActionSucceeded a) {
      int id = actionNames.indexOf(a.action());
      if (id < 0) {
        throw error(at + ".action", "'" + a.action() + "' is not an action of " + spec.worldId() + "; its actions are "
            + String.join(", ", actionNames));
      }
      return new Bound(Bound.ACTION, 0, -1, -1, id, false);
    }
    Condition.Feature f = (Condition.Feature) c;
    int term = term(spec, f.feature(), at + ".feature");
    int bound = f.thresholdFeature() == null ? -1 : term(spec, f.thresholdFeature(), at + (f.below() ? ".below" : ".above"));
    return new Bound(Bound.FEATURE, f.threshold() == null ? 0 : f.threshold(), term, bound, -1, f.below());
  }

  /** The term of a feature (added on first use), checked against the world with the field named. */
  private int term(SessionSpec spec, String name, String at) {
    try {
      new FeatureReader(spec, Map.of(name, 1.0), "feature");
    } catch (IllegalArgumentException e) {
      throw error(at, e.getMessage());
    }
    int i = 0;
    for (String k : featureTerms.keySet()) {
      if (k.equals(name)) {
        return i;
      }
      i++;
    }
    featureTerms.put(name, 1.0);
    return i;
  }

  /** Reads the features of every row of a batch, once per batch, before the copies use it. */
  void observe(StepBatch batch) {
    int k = features.size();
    if (k == 0) {
      return;
    }
    int n = batch.copies() * batch.agents() * k;
    if (values.length != n) {
      values = new float[n];
    }
    features.read(batch, values);
  }

  /** Copy {@code c} starts an episode; {@code batch} (already {@link #observe}d) holds its first observation. */
  void start(StepBatch batch, int c) {
    for (int f = 0; f < focal.length; f++) {
      Track t = tracks[c * focal.length + f];
      t.start();
      int row = c * agents + focal[f];
      for (int k = 0; k < conditions.size(); k++) {
        if (conditions.get(k).kind() == Bound.FEATURE && feature(conditions.get(k), row)) {
          t.first[k] = 0;
        }
      }
    }
  }

  /** Copy {@code c} took a step with {@code actions}; {@code batch} (already observed) is what it returned. */
  void step(StepBatch batch, int c, int[] actions) {
    byte[] success = batch.actionSuccess();
    float[] rewards = batch.rewards();
    for (int f = 0; f < focal.length; f++) {
      Track t = tracks[c * focal.length + f];
      int row = c * agents + focal[f];
      int step = ++t.steps;
      int action = actions[row * dims];
      boolean ok = success[row] != 0;
      if (cellsField != null && ok && (action == moveId || action == swapId)) {
        int o = (int) values[row * features.size() + orientationTerm] & 3;
        // move: argument 0 forward, 1 backward; swap: into the cell in front.
        int dir = action == moveId && dims > 1 && actions[row * dims + 1] == 1 ? (o + 2) & 3 : o;
        t.x += DX[dir];
        t.y += DY[dir];
        t.visited.add(((long) t.x << 32) ^ (t.y & 0xffffffffL));
      }
      for (int k = 0; k < conditions.size(); k++) {
        Bound b = conditions.get(k);
        boolean holds = switch (b.kind()) {
          case Bound.REWARD -> rewards[row] > b.threshold();
          case Bound.ACTION -> ok && action == b.action();
          default -> feature(b, row);
        };
        if (holds) {
          t.count[k]++;
          if (t.first[k] < 0) {
            t.first[k] = step;
          }
        }
      }
    }
  }

  private boolean feature(Bound b, int row) {
    int k = features.size();
    float v = values[row * k + b.term()];
    double bound = b.thresholdTerm() >= 0 ? values[row * k + b.thresholdTerm()] : b.threshold();
    return b.below() ? v < bound : v > bound;
  }

  /**
   * The ended episode of copy {@code c}: per metric, the mean of its focal agents' values (NaN
   * where none is defined), and for first_step metrics the fraction of them in which the event
   * happened ({@code occurred}; NaN for other metrics).
   */
  Values finish(int c, EpisodeSummary e) {
    List<Metric> metrics = test.metrics();
    double[] mean = new double[metrics.size()];
    double[] occurred = new double[metrics.size()];
    for (int m = 0; m < metrics.size(); m++) {
      Measure measure = metrics.get(m).measure();
      double sum = 0;
      int n = 0;
      int hit = 0;
      for (int f = 0; f < focal.length; f++) {
        Track t = tracks[c * focal.length + f];
        double v = value(measure, t, e.agentStats().get(focal[f]));
        if (!Double.isNaN(v)) {
          sum += v;
          n++;
        }
        if (measure instanceof Measure.FirstStep) {
          hit += t.first[slots.get(measure)] >= 0 ? 1 : 0;
        }
      }
      mean[m] = n == 0 ? Double.NaN : sum / n;
      occurred[m] = measure instanceof Measure.FirstStep ? (double) hit / focal.length : Double.NaN;
    }
    return new Values(mean, occurred);
  }

  /** An episode's values per metric, and the fraction of its focal agents in which a first_step's event occurred. */
  record Values(double[] mean, double[] occurred) {}

  private double value(Measure m, Track t, Map<String, Double> episodeStats) {
    if (m instanceof Measure.Stat s) {
      double v = 0;
      for (String name : s.stats()) {
        Double x = episodeStats.get(name);
        v += x == null ? 0 : x;
      }
      return v;
    }
    if (m instanceof Measure.CellsVisited c) {
      return c.fractionOfFreeCells() ? (double) t.visited.size() / test.freeCells() : t.visited.size();
    }
    if (m instanceof Measure.FirstStep) {
      int first = t.first[slots.get(m)];
      return first >= 0 ? first : t.steps;
    }
    if (m instanceof Measure.FractionOfSteps) {
      return t.steps == 0 ? Double.NaN : (double) t.count[slots.get(m)] / t.steps;
    }
    Measure.Ratio r = (Measure.Ratio) m;
    double d = value(r.denominator(), t, episodeStats);
    return d == 0 || Double.isNaN(d) ? Double.NaN : value(r.numerator(), t, episodeStats) / d;
  }
}
