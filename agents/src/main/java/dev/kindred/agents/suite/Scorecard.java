package dev.kindred.agents.suite;

import dev.kindred.agents.ppo.Checkpoint;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Brains × behavioural tests: every brain plays every test of a suite in the test's focal seats,
 * from the same seed, and each metric is reported as its mean over episodes with the Student-t 95%
 * interval of that mean. Printed as a Markdown table ({@link #table}), as JSON rows with what
 * made them ({@link #rows}: suite, test file SHA-256, seeds, code version, checkpoints' parameter
 * SHA-256) and drawn as a heat map ({@link ScorecardPlot}).
 */
public final class Scorecard {

  /** What a test was played on: its world's agents and focal seats, copies and episodes. */
  public record Setting(TestFile test, String world, int agents, int[] focal, int copies, int episodes) {}

  private final Suite suite;
  private final List<Brain> brains;
  private final List<Setting> settings;
  private final Map<String, List<TestWorld.Result>> results;
  private final long seed;

  private Scorecard(Suite suite, List<Brain> brains, List<Setting> settings,
      Map<String, List<TestWorld.Result>> results, long seed) {
    this.suite = suite;
    this.brains = List.copyOf(brains);
    this.settings = List.copyOf(settings);
    this.results = results;
    this.seed = seed;
  }

  /**
   * Plays every brain on every test. Every test file is checked against its world before anything
   * plays, so a malformed test fails at once.
   *
   * @param episodes per test, or 0 for each test file's own
   * @param progress where progress lines go, every {@code interval} seconds
   */
  public static Scorecard evaluate(Suite suite, List<TestFile> tests, List<Brain> brains, TestWorld.Opener opener,
      int episodes, int copies, long seed, PrintStream progress, double interval) {
    if (brains.isEmpty()) {
      throw new IllegalArgumentException("no brain to evaluate: give --brain NAME or --checkpoint DIR");
    }
    List<TestWorld> worlds = new ArrayList<>();
    try {
      for (TestFile t : tests) {
        worlds.add(TestWorld.open(t, opener, episodes > 0 ? episodes : t.episodes(), copies, seed));
      }
      long total = 0;
      for (TestWorld w : worlds) {
        for (Brain b : brains) {
          total += b.unfit(w.focalSpec()) == null ? w.expectedCopySteps() : 0;
        }
      }
      SuiteProgress p = new SuiteProgress(progress, suite.name(), total, interval);
      List<Setting> settings = new ArrayList<>();
      Map<String, List<TestWorld.Result>> results = new LinkedHashMap<>();
      for (TestWorld w : worlds) {
        settings.add(new Setting(w.test(), w.spec().worldId(), w.spec().agents(), w.focal(), w.spec().copies(),
            w.episodes()));
        List<TestWorld.Result> row = new ArrayList<>();
        for (Brain b : brains) {
          p.playing(b.name(), w.test().name());
          row.add(w.play(b, p));
        }
        results.put(w.test().name(), row);
      }
      p.finished();
      return new Scorecard(suite, brains, settings, results, seed);
    } finally {
      for (TestWorld w : worlds) {
        w.close();
      }
    }
  }

  public Suite suite() {
    return suite;
  }

  public List<Brain> brains() {
    return brains;
  }

  public List<Setting> settings() {
    return settings;
  }

  public long seed() {
    return seed;
  }

  /** The results of a test, one per brain in column order. */
  public List<TestWorld.Result> results(String test) {
    List<TestWorld.Result> r = results.get(test);
    if (r == null) {
      throw new IllegalArgumentException("no test " + test + " in this scorecard");
    }
    return r;
  }

  /** The result of one brain (by column) on one test. */
  public TestWorld.Result result(String test, int brain) {
    return results(test).get(brain);
  }

  /** Digits after the point for a row whose largest |mean| is {@code max}. */
  static int decimals(double max) {
    return max >= 100 ? 0 : max >= 10 ? 1 : max >= 1 ? 2 : 3;
  }

  /** Digits after the point for the metric's row of a test. */
  int decimals(String test, String metric) {
    double max = 0;
    for (TestWorld.Result r : results(test)) {
      if (r.fits() && Double.isFinite(r.metric(metric).mean())) {
        max = Math.max(max, Math.abs(r.metric(metric).mean()));
      }
    }
    return decimals(max);
  }

  /** "mean ± ci", with the interval left out when undefined (fewer than 2 values). */
  static String estimate(TestWorld.MetricResult m, int decimals) {
    if (m.n() == 0) {
      return "undefined";
    }
    String f = "%." + decimals + "f";
    String s = String.format(Locale.ROOT, f, m.mean());
    return Double.isNaN(m.ci95()) ? s : s + " ± " + String.format(Locale.ROOT, f, m.ci95());
  }

  /** What a cell adds beside its estimate: the fraction in which a first_step's event occurred, below 1, the defined episodes when some are not. */
  static String note(TestWorld.MetricResult m, int episodes) {
    List<String> notes = new ArrayList<>();
    if (!Double.isNaN(m.occurred()) && m.occurred() < 1) {
      notes.add(String.format(Locale.ROOT, "occurred in %.0f%%", 100 * m.occurred()));
    }
    if (m.n() < episodes) {
      notes.add("n=" + m.n());
    }
    return String.join(", ", notes);
  }

  /** The metric's label: its name and an arrow saying which way is better. */
  static String label(Metric m) {
    return m.name() + switch (m.better()) {
      case "higher" -> " ↑";
      case "lower" -> " ↓";
      default -> "";
    };
  }

  /**
   * The scorecard as Markdown: a header line, one row per test and metric with a column per
   * brain, the reasons of cells that do not fit as footnotes, and what each test and metric is.
   */
  public String table() {
    StringBuilder b = new StringBuilder();
    int copies = settings.stream().mapToInt(Setting::copies).max().orElse(0);
    b.append(String.format(Locale.ROOT, "suite %s (%s): %d test(s), %d brain(s), seed %d, up to %d copies; "
        + "mean ± 95%% interval (Student t) over episodes%n%n", suite.name(), suite.dir(), settings.size(),
        brains.size(), seed, copies));
    b.append("| test | metric |");
    for (Brain br : brains) {
      b.append(' ').append(br.name()).append(" |");
    }
    b.append('\n').append("| --- | --- |").append(" --- |".repeat(brains.size())).append('\n');
    List<String> footnotes = new ArrayList<>();
    for (Setting s : settings) {
      TestFile t = s.test();
      boolean first = true;
      for (Metric m : t.metrics()) {
        b.append("| ").append(first ? t.name() : "").append(" | ").append(label(m)).append(" |");
        int d = decimals(t.name(), m.name());
        for (TestWorld.Result r : results(t.name())) {
          if (!r.fits()) {
            String fn = r.brain().name() + " on " + t.name() + ": " + r.unfit();
            if (!footnotes.contains(fn)) {
              footnotes.add(fn);
            }
            b.append(" does not fit [").append(footnotes.indexOf(fn) + 1).append("] |");
            continue;
          }
          TestWorld.MetricResult mr = r.metric(m.name());
          String note = note(mr, s.episodes());
          b.append(' ').append(estimate(mr, d)).append(note.isEmpty() ? "" : " (" + note + ")").append(" |");
        }
        b.append('\n');
        first = false;
      }
    }
    for (int i = 0; i < footnotes.size(); i++) {
      b.append(String.format(Locale.ROOT, "%n[%d] %s", i + 1, footnotes.get(i)));
    }
    if (!footnotes.isEmpty()) {
      b.append('\n');
    }
    b.append("\ntests (episodes, agents: focal seats; others):\n");
    for (Setting s : settings) {
      TestFile t = s.test();
      b.append(String.format(Locale.ROOT, "  %s (%d episodes, %d agent(s) on %s: focal %s%s): %s%n", t.name(),
          s.episodes(), s.agents(), s.world(), java.util.Arrays.toString(s.focal()), others(t), t.description()));
      for (Metric m : t.metrics()) {
        b.append("    ").append(m.name()).append(": ").append(m.description()).append('\n');
      }
    }
    return b.toString();
  }

  private static String others(TestFile t) {
    StringBuilder b = new StringBuilder();
    for (Role r : t.others()) {
      b.append("; ").append(r.seats()).append(' ').append(r.describe());
    }
    return b.toString();
  }

  /**
   * One JSON row per test, metric and brain: the estimate with its values per episode (null where
   * undefined) and the world seed of each episode, and how the row was made (suite, the test
   * file's path and SHA-256, world, seats, copies, seed, the evaluator's code version, the brain's
   * checkpoint and parameters' SHA-256). A brain that does not fit a test has {@code fits: false}
   * and the reason instead.
   */
  public List<Map<String, Object>> rows() {
    List<Map<String, Object>> rows = new ArrayList<>();
    String code = Checkpoint.currentCodeVersion();
    for (Setting s : settings) {
      TestFile t = s.test();
      for (Metric m : t.metrics()) {
        for (TestWorld.Result r : results(t.name())) {
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("suite", suite.name());
          row.put("test", t.name());
          row.put("metric", m.name());
          row.putAll(r.brain().provenance());
          row.put("fits", r.fits());
          if (r.fits()) {
            TestWorld.MetricResult mr = r.metric(m.name());
            row.put("mean", mr.mean());
            row.put("ci95", mr.ci95());
            row.put("n", mr.n());
            if (m.reportsOccurrence()) {
              row.put("occurred", mr.occurred());
            }
            row.put("values", mr.values());
            row.put("episode_seeds", r.episodeSeeds());
          } else {
            row.put("reason", r.unfit());
          }
          row.put("kind", kind(m.measure()));
          row.put("better", m.better());
          row.put("description", m.description());
          row.put("episodes", s.episodes());
          row.put("world", s.world());
          row.put("agents", s.agents());
          row.put("focal", s.focal());
          row.put("others", t.others().stream().map(o -> Map.of("seats", o.seats(), "played_by", o.describe())).toList());
          row.put("copies", s.copies());
          row.put("seed", seed);
          row.put("suite_dir", suite.dir().toString());
          row.put("test_file", t.path().toString());
          row.put("test_sha256", t.sha256());
          row.put("evaluator_code_version", code);
          rows.add(row);
        }
      }
    }
    return rows;
  }

  static String kind(Measure m) {
    if (m instanceof Measure.Stat) {
      return "stat";
    } else if (m instanceof Measure.CellsVisited) {
      return "cells_visited";
    } else if (m instanceof Measure.FirstStep) {
      return "first_step";
    } else if (m instanceof Measure.FractionOfSteps) {
      return "fraction_of_steps";
    }
    return "ratio";
  }
}
