package dev.kindred.bench;

import dev.kindred.build.BuildInfo;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * Runs benchmark cases the same way for every Kindred benchmark command: set up, warm up while
 * calibrating how many iterations make one run last about {@link Options#runSeconds}, then time
 * {@link Options#runs} runs and report the median, min and max rate over them.
 *
 * <p>Output follows {@code docs/benchmarks.md}: a readable aligned table, or with {@code --json}
 * one JSON object per line per row on stdout (the table then goes to stderr) with {@code name},
 * {@code unit}, {@code median}, {@code min}, {@code max}, {@code runs}, the per-run
 * {@code values}, the row's {@code config} and {@code extra} figures, and where it ran:
 * {@code version}, {@code java}, {@code cores}, {@code cpu}, {@code os}, {@code timestamp}.
 * Progress goes to stderr.
 *
 * <pre>{@code
 * BenchHarness h = new BenchHarness(options, System.out, System.err);
 * BenchHarness.Row row = h.measure(new BenchHarness.Case("spin.lattice.async", "spin_updates_per_s",
 *     Map.of("world", "spin.lattice", "size", 256), () -> iterations -> { ...; return updates; }));
 * h.report(row);
 * h.finish();
 * }</pre>
 */
public final class BenchHarness {

  /** Work to time. One instance serves the warm-up and every timed run of a case. */
  public interface Workload extends AutoCloseable {
    /**
     * Performs {@code iterations} iterations (e.g. environment steps) and returns the units of
     * work done (e.g. spin updates); the harness divides by the elapsed time.
     */
    double run(long iterations) throws Exception;

    /**
     * Figures about the run that just finished (e.g. steps per second, latency percentiles),
     * reported in the row's {@code extra} as their medians over the timed runs.
     */
    default Map<String, Double> extras(long iterations, double seconds) {
      return Map.of();
    }

    @Override
    default void close() throws Exception {}
  }

  /**
   * A benchmark case.
   *
   * @param config what produced the figure (world id, size, schedule, copies, ...)
   * @param setup  builds the workload (not timed)
   */
  public record Case(String name, String unit, Map<String, Object> config, Callable<Workload> setup) {}

  /**
   * One measured row.
   *
   * @param values the rate of each timed run, in run order
   * @param extra  medians over runs of the workload's extras, plus anything added later
   */
  public record Row(String name, String unit, double median, double min, double max, int runs,
      double[] values, long iterationsPerRun, Map<String, Object> config, Map<String, Object> extra,
      String timestamp) {

    /**
     * A row of per-run rates: median, min and max of {@code values}, stamped now.
     *
     * @param extra the details (copied)
     */
    public static Row of(String name, String unit, double[] values, long iterationsPerRun, Map<String, Object> config,
        Map<String, ?> extra) {
      double[] sorted = values.clone();
      Arrays.sort(sorted);
      return new Row(name, unit, BenchHarness.median(values), sorted[0], sorted[sorted.length - 1], values.length,
          values.clone(), iterationsPerRun, new LinkedHashMap<>(config), new LinkedHashMap<>(extra),
          Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    }

    /** A copy with one more extra figure. */
    public Row withExtra(String key, Object value) {
      Map<String, Object> e = new LinkedHashMap<>(extra);
      e.put(key, value);
      return new Row(name, unit, median, min, max, runs, values, iterationsPerRun, config, e, timestamp);
    }
  }

  /**
   * How to run.
   *
   * @param runs          timed runs per case
   * @param warmupSeconds minimum warm-up time per case (calibration runs count)
   * @param runSeconds    target duration of one timed run
   * @param json          JSON lines on stdout instead of the table
   * @param forks         fresh JVMs per JMH row ({@link JmhRows}); 0 runs JMH rows in this JVM
   */
  public record Options(int runs, double warmupSeconds, double runSeconds, boolean json, int forks) {
    public Options {
      if (runs < 1) {
        throw new IllegalArgumentException("runs must be at least 1, got " + runs);
      }
      if (!(warmupSeconds >= 0) || !(runSeconds > 0)) {
        throw new IllegalArgumentException("warm-up must be >= 0 s and run time > 0 s");
      }
      if (forks < 0) {
        throw new IllegalArgumentException("forks must be >= 0, got " + forks);
      }
    }

    /** One fork per JMH row. */
    public Options(int runs, double warmupSeconds, double runSeconds, boolean json) {
      this(runs, warmupSeconds, runSeconds, json, 1);
    }
  }

  private final Options options;
  private final PrintStream out;
  private final PrintStream err;
  private final Map<String, Object> environment;
  private final List<Row> rows = new ArrayList<>();
  private final List<String> failures = new ArrayList<>();

  public BenchHarness(Options options, PrintStream out, PrintStream err) {
    this.options = options;
    this.out = out;
    this.err = err;
    this.environment = environment();
  }

  public Options options() {
    return options;
  }

  /** Rows reported so far. */
  public List<Row> rows() {
    return List.copyOf(rows);
  }

  /** Names of cases that failed, with why. */
  public List<String> failures() {
    return List.copyOf(failures);
  }

  /** Sets up, warms up, calibrates and times one case; prints progress to stderr. */
  public Row measure(Case c) throws Exception {
    err.printf(Locale.ROOT, "bench: %s: setting up%n", c.name());
    try (Workload w = c.setup().call()) {
      long n = calibrate(c, w);
      Timing timing = new Timing(options.runs);
      for (int r = 0; r < options.runs; r++) {
        timedRun(c, w, n, r, timing);
      }
      return row(c, n, timing);
    }
  }

  /**
   * Measures several cases with their timed runs interleaved (run 1 of each case, then run 2 of
   * each, ...), so that drifting machine load affects them alike and their ratios are fair.
   * Every case is set up and warmed up first, and all stay open until the end. A case that
   * fails is recorded with {@link #fail} and left out of the result.
   *
   * @return the rows of the cases that succeeded, in case order (not yet reported)
   */
  public List<Row> measureInterleaved(List<Case> cases) {
    int k = cases.size();
    Workload[] w = new Workload[k];
    long[] n = new long[k];
    Timing[] timing = new Timing[k];
    try {
      for (int i = 0; i < k; i++) {
        Case c = cases.get(i);
        try {
          err.printf(Locale.ROOT, "bench: %s: setting up%n", c.name());
          w[i] = c.setup().call();
          n[i] = calibrate(c, w[i]);
          timing[i] = new Timing(options.runs);
        } catch (Exception e) {
          fail(c.name(), e);
          closeQuietly(w[i]);
          w[i] = null;
        }
      }
      for (int r = 0; r < options.runs; r++) {
        for (int i = 0; i < k; i++) {
          if (w[i] == null) {
            continue;
          }
          try {
            timedRun(cases.get(i), w[i], n[i], r, timing[i]);
          } catch (Exception e) {
            fail(cases.get(i).name(), e);
            closeQuietly(w[i]);
            w[i] = null;
          }
        }
      }
      List<Row> out = new ArrayList<>();
      for (int i = 0; i < k; i++) {
        if (w[i] != null) {
          out.add(row(cases.get(i), n[i], timing[i]));
        }
      }
      return out;
    } finally {
      for (Workload x : w) {
        closeQuietly(x);
      }
    }
  }

  private void closeQuietly(Workload w) {
    if (w == null) {
      return;
    }
    try {
      w.close();
    } catch (Exception e) {
      err.println("bench: closing a workload failed: " + e);
    }
  }

  /** Per-run rates and extras of one case. */
  private static final class Timing {
    final double[] values;
    final Map<String, double[]> extras = new TreeMap<>();

    Timing(int runs) {
      values = new double[runs];
    }
  }

  /**
   * Warm-up and calibration: grows the iteration count until one run takes about
   * {@code runSeconds}, and keeps going until the warm-up time is spent. Returns the count.
   */
  private long calibrate(Case c, Workload w) throws Exception {
    long n = 1;
    double warmed = 0;
    int warmRuns = 0;
    while (true) {
      long t0 = System.nanoTime();
      w.run(n);
      double last = (System.nanoTime() - t0) * 1e-9;
      warmed += last;
      warmRuns++;
      double perIteration = Math.max(last, 1e-7) / n;
      long wanted = Math.max(1, (long) Math.ceil(options.runSeconds / perIteration));
      boolean calibrated = last >= 0.5 * options.runSeconds;
      n = Math.max(1, Math.min(wanted, n * 100));
      if ((calibrated && warmed >= options.warmupSeconds && warmRuns >= 2) || warmRuns > 200) {
        break;
      }
    }
    err.printf(Locale.ROOT, "bench: %s: warmed up %.2f s; %d runs of %d iterations%n",
        c.name(), warmed, options.runs, n);
    return n;
  }

  private void timedRun(Case c, Workload w, long n, int r, Timing timing) throws Exception {
    long t0 = System.nanoTime();
    double units = w.run(n);
    double seconds = (System.nanoTime() - t0) * 1e-9;
    timing.values[r] = units / seconds;
    for (Map.Entry<String, Double> e : w.extras(n, seconds).entrySet()) {
      timing.extras.computeIfAbsent(e.getKey(), k -> new double[options.runs])[r] = e.getValue();
    }
    err.printf(Locale.ROOT, "bench: %s: run %d/%d: %s %s (%.2f s)%n", c.name(), r + 1, options.runs,
        human(timing.values[r]), c.unit(), seconds);
  }

  private Row row(Case c, long n, Timing timing) {
    return Row.of(c.name(), c.unit(), timing.values, n, c.config(), medians(timing.extras));
  }

  /**
   * {@link #measure}s and {@link #report}s, recording a failure (and returning null) instead of
   * throwing when the case fails.
   */
  public Row run(Case c) {
    Row row = tryMeasure(c);
    if (row != null) {
      report(row);
    }
    return row;
  }

  /** {@link #measure}s, recording a failure and returning null when the case fails; does not report. */
  public Row tryMeasure(Case c) {
    return tryMeasure(c.name(), () -> measure(c));
  }

  /** Measures a row some other way (e.g. {@link JmhRows}), recording a failure and returning null when it fails. */
  public Row tryMeasure(String name, Callable<Row> measurement) {
    try {
      return measurement.call();
    } catch (Exception e) {
      fail(name, e);
      return null;
    }
  }

  /** Records a case that could not be measured. */
  public void fail(String name, Exception e) {
    String why = e.getMessage() == null ? e.toString() : e.getClass().getSimpleName() + ": " + e.getMessage();
    failures.add(name + ": " + why);
    err.println("bench: " + name + ": FAILED: " + why);
  }

  /** Adds a row to the table and, with --json, prints its JSON line at once. */
  public void report(Row row) {
    rows.add(row);
    if (options.json) {
      out.println(JsonLines.write(toJson(row)));
      out.flush();
    }
  }

  /** The row as the JSON object the docs specify. */
  public Map<String, Object> toJson(Row row) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", row.name());
    m.put("unit", row.unit());
    m.put("median", row.median());
    m.put("min", row.min());
    m.put("max", row.max());
    m.put("runs", row.runs());
    m.put("values", row.values());
    m.put("iterations_per_run", row.iterationsPerRun());
    m.put("config", row.config());
    m.put("extra", row.extra());
    m.putAll(environment);
    m.put("timestamp", row.timestamp());
    return m;
  }

  /** Prints the table (to stdout, or to stderr with --json) and any failures. */
  public void finish() {
    PrintStream t = options.json ? err : out;
    t.print(table(rows));
    if (!failures.isEmpty()) {
      t.println();
      t.println("Failed:");
      failures.forEach(f -> t.println("  " + f));
    }
    t.flush();
  }

  /** A readable aligned table of rows. */
  public String table(List<Row> rows) {
    List<String[]> cells = new ArrayList<>();
    cells.add(new String[] {"name", "median", "min", "max", "unit", "runs", "details"});
    for (Row r : rows) {
      StringBuilder d = new StringBuilder();
      r.extra().forEach((k, v) -> {
        if (d.length() > 0) {
          d.append("  ");
        }
        d.append(k).append('=').append(v instanceof Double x ? human(x) : String.valueOf(v));
      });
      cells.add(new String[] {r.name(), human(r.median()), human(r.min()), human(r.max()), r.unit(),
          Integer.toString(r.runs()), d.toString()});
    }
    int cols = cells.get(0).length;
    int[] w = new int[cols];
    for (String[] row : cells) {
      for (int i = 0; i < cols; i++) {
        w[i] = Math.max(w[i], row[i].length());
      }
    }
    StringBuilder b = new StringBuilder();
    for (int k = 0; k < cells.size(); k++) {
      String[] row = cells.get(k);
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < cols; i++) {
        boolean numeric = i >= 1 && i <= 3 || i == 5;
        String cell = row[i];
        String pad = " ".repeat(w[i] - cell.length());
        line.append(numeric ? pad + cell : cell + (i == cols - 1 ? "" : pad));
        if (i < cols - 1) {
          line.append("  ");
        }
      }
      b.append(line.toString().stripTrailing()).append('\n');
      if (k == 0) {
        int total = Arrays.stream(w).sum() + 2 * (cols - 1);
        b.append("-".repeat(Math.min(total, 160))).append('\n');
      }
    }
    b.append(String.format(Locale.ROOT, "(%s runs per row after warm-up; version %s, Java %s, %s cores, %s)%n",
        options.runs, environment.get("version"), environment.get("java"), environment.get("cores"),
        environment.get("cpu")));
    return b.toString();
  }

  /** Where the benchmark runs: version, Java, cores, CPU, OS. */
  public static Map<String, Object> environment() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", BuildInfo.current().codeVersion());
    m.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
    m.put("cores", Runtime.getRuntime().availableProcessors());
    m.put("cpu", cpuModel());
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
    m.put("max_heap_mib", Runtime.getRuntime().maxMemory() >> 20);
    m.put("jvm_args", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
    return m;
  }

  private static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or not readable
    }
    return System.getProperty("os.arch");
  }

  /** The median of {@code v} (mean of the middle two for an even count). */
  public static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
  }

  /** The median of each series, in key order. */
  public static Map<String, Double> medians(Map<String, double[]> series) {
    Map<String, Double> m = new LinkedHashMap<>();
    series.forEach((k, v) -> m.put(k, median(v)));
    return m;
  }

  /** The q-quantile (0..1) of the first {@code n} values, by nearest rank; sorts them in place. */
  public static double quantile(long[] v, int n, double q) {
    if (n == 0) {
      return Double.NaN;
    }
    Arrays.sort(v, 0, n);
    int rank = (int) Math.ceil(q * n) - 1;
    return v[Math.max(0, Math.min(n - 1, rank))];
  }

  /** A number for people: 4 significant figures with k / M / G suffixes. */
  public static String human(double x) {
    if (!Double.isFinite(x)) {
      return String.valueOf(x);
    }
    double a = Math.abs(x);
    if (a >= 1e9) {
      return String.format(Locale.ROOT, "%.3f G", x / 1e9);
    }
    if (a >= 1e6) {
      return String.format(Locale.ROOT, "%.3f M", x / 1e6);
    }
    if (a >= 1e4) {
      return String.format(Locale.ROOT, "%.2f k", x / 1e3);
    }
    if (a >= 100) {
      return String.format(Locale.ROOT, "%.1f", x);
    }
    if (a >= 1) {
      return String.format(Locale.ROOT, "%.3f", x);
    }
    return String.format(Locale.ROOT, "%.4g", x);
  }
}
