package dev.kindred.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.IterationType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormat;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs one JMH benchmark of this package programmatically, with JMH's GC profiler, and turns
 * its result into a {@link BenchHarness.Row}: the row's runs are JMH's measurement iterations,
 * its figure the rate of one of the benchmark's {@code @AuxCounters} (spin updates, agent-steps),
 * its details computed per iteration and given as medians, as the hand-written harness does.
 *
 * <p>The GC profiler's bytes per operation count every thread of the JVM, JMH's own included:
 * about 6 KB per iteration, which is noise at thousands of operations per iteration (energy
 * stepping) but dominates at tens (a 256 x 256 lattice with 100 sweeps per Step).
 *
 * <p>{@link BenchHarness.Options} map onto JMH's: {@code runs} measurement iterations of
 * {@code runSeconds} each, after {@code warmupSeconds} of warm-up iterations, in
 * {@code forks} fresh JVMs (0: in this JVM). A fork runs {@code java -cp <this JVM's class path>}
 * with this JVM's arguments, which finds the benchmarks through the {@code META-INF/BenchmarkList}
 * that JMH's annotation processor writes into the classes and the shaded jar.
 *
 * <p>Progress goes to stderr in the harness's words; JMH's own report is kept back and printed
 * only when the benchmark fails.
 */
final class JmhRows {
  private JmhRows() {}

  /** The GC profiler's allocation figure: bytes allocated per benchmark operation (one Step). */
  static final String ALLOC_PER_OP = "gc.alloc.rate.norm";

  /**
   * One JMH benchmark measured as one row.
   *
   * @param benchmark the benchmark class
   * @param method    its {@code @Benchmark} method
   * @param params    the {@code @Param} values (one each: one row is one parameter set)
   * @param counter   the {@code @AuxCounters} field whose rate is the row's figure, in {@code unit}
   * @param extras    the row's details from one measured iteration
   */
  record Case(String name, String unit, Map<String, Object> config, Class<?> benchmark, String method,
      Map<String, Object> params, String counter, Extras extras) {}

  /**
   * One measured iteration.
   *
   * @param rate            the counter per second (the row's unit)
   * @param opsPerSecond    benchmark operations (Steps) per second
   * @param allocBytesPerOp bytes allocated per operation, NaN without the GC profiler's figure
   * @param ops             operations measured
   */
  record Iteration(double rate, double opsPerSecond, double allocBytesPerOp, long ops) {}

  /** A row's details from one iteration; the row gives the median of each over iterations. */
  @FunctionalInterface
  interface Extras {
    Map<String, Double> of(Iteration it);
  }

  /** Runs the case and returns its row; throws when JMH fails, after printing JMH's report to {@code err}. */
  static BenchHarness.Row measure(Case c, BenchHarness.Options o, PrintStream err) throws RunnerException {
    Progress progress = new Progress(c, err);
    Collection<RunResult> results;
    try {
      results = new Runner(options(c, o), progress).run();
    } catch (RunnerException | RuntimeException e) {
      progress.dumpReport();
      Throwable why = firstCause(e);
      if (why != e) {
        throw new RunnerException(e.getMessage() + ": " + why, e);
      }
      throw e;
    }
    if (results.size() != 1) {
      progress.dumpReport();
      throw new IllegalStateException("JMH ran " + results.size() + " benchmarks for " + c.name() + "; expected 1");
    }
    List<Iteration> measured = new ArrayList<>();
    for (BenchmarkResult fork : results.iterator().next().getBenchmarkResults()) {
      for (IterationResult it : fork.getIterationResults()) {
        measured.add(iteration(c, it));
      }
    }
    if (measured.isEmpty()) {
      progress.dumpReport();
      throw new IllegalStateException("JMH measured no iteration of " + c.name());
    }
    return row(c, measured);
  }

  /** What went wrong first: JMH wraps a benchmark's exceptions as causes and suppressed exceptions. */
  static Throwable firstCause(Throwable e) {
    Throwable t = e;
    for (int depth = 0; depth < 16; depth++) {
      if (t.getCause() != null && t.getCause() != t) {
        t = t.getCause();
      } else if (t.getSuppressed().length > 0) {
        t = t.getSuppressed()[0];
      } else {
        break;
      }
    }
    return t;
  }

  /** JMH options for the case: one benchmark, one parameter set, throughput in seconds, GC profiler. */
  static Options options(Case c, BenchHarness.Options o) {
    ChainedOptionsBuilder b = new OptionsBuilder()
        .include("^" + Pattern.quote(c.benchmark().getName() + "." + c.method()) + "$")
        .mode(Mode.Throughput)
        .timeUnit(TimeUnit.SECONDS)
        .threads(1)
        .forks(o.forks())
        .measurementIterations(o.runs())
        .measurementTime(millis(o.runSeconds()))
        .addProfiler(GCProfiler.class)
        .shouldFailOnError(true);
    int warmups = o.warmupSeconds() > 0 ? (int) Math.ceil(o.warmupSeconds() / o.runSeconds()) : 0;
    b.warmupIterations(warmups);
    if (warmups > 0) {
      b.warmupTime(millis(o.warmupSeconds() / warmups));
    }
    c.params().forEach((k, v) -> b.param(k, String.valueOf(v)));
    return b.build();
  }

  private static TimeValue millis(double seconds) {
    return TimeValue.milliseconds(Math.max(1, Math.round(seconds * 1000)));
  }

  static Iteration iteration(Case c, IterationResult it) {
    var secondary = it.getSecondaryResults();
    Result<?> counter = secondary.get(c.counter());
    if (counter == null) {
      throw new IllegalStateException("JMH reported no '" + c.counter() + "' counter for " + c.name()
          + "; it reported " + secondary.keySet());
    }
    Result<?> alloc = secondary.get(ALLOC_PER_OP);
    return new Iteration(counter.getScore(), it.getPrimaryResult().getScore(),
        alloc == null ? Double.NaN : alloc.getScore(), it.getMetadata().getMeasuredOps());
  }

  private static BenchHarness.Row row(Case c, List<Iteration> measured) {
    int n = measured.size();
    double[] values = new double[n];
    double[] ops = new double[n];
    Map<String, double[]> extras = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      Iteration it = measured.get(i);
      values[i] = it.rate();
      ops[i] = it.ops();
      for (Map.Entry<String, Double> e : c.extras().of(it).entrySet()) {
        extras.computeIfAbsent(e.getKey(), k -> new double[n])[i] = e.getValue();
      }
    }
    Map<String, Object> config = new LinkedHashMap<>(c.config());
    config.put("harness", "JMH");
    return BenchHarness.Row.of(c.name(), c.unit(), values, Math.round(BenchHarness.median(ops)), config,
        BenchHarness.medians(extras));
  }

  /**
   * JMH's progress in the harness's words, one line per iteration; everything JMH prints itself
   * (its report, warnings, a failing benchmark's stack trace) is kept for {@link #dumpReport}.
   */
  private static final class Progress implements OutputFormat {
    private static final int MAX_REPORT = 64 * 1024;
    private final Case c;
    private final PrintStream err;
    private final StringBuilder report = new StringBuilder();

    Progress(Case c, PrintStream err) {
      this.c = c;
      this.err = err;
    }

    void dumpReport() {
      if (report.length() > 0) {
        err.printf(Locale.ROOT, "bench: %s: JMH's report:%n%s%n", c.name(), report.toString().stripTrailing());
      }
    }

    @Override
    public void startBenchmark(BenchmarkParams p) {
      IterationParams w = p.getWarmup();
      IterationParams m = p.getMeasurement();
      err.printf(Locale.ROOT, "bench: %s: JMH %s, %s; warm-up %d x %s; %d runs of %s%n", c.name(), p.getJmhVersion(),
          p.getForks() == 0 ? "in this JVM" : p.getForks() + " fork(s)", w.getCount(), w.getTime(), m.getCount(),
          m.getTime());
    }

    @Override
    public void iterationResult(BenchmarkParams p, IterationParams ip, int iteration, IterationResult data) {
      Iteration it = JmhRows.iteration(c, data);
      String alloc = Double.isNaN(it.allocBytesPerOp()) ? ""
          : String.format(Locale.ROOT, ", %s B allocated per Step", BenchHarness.human(it.allocBytesPerOp()));
      err.printf(Locale.ROOT, "bench: %s: %s %d/%d: %s %s (%d Steps%s)%n", c.name(),
          ip.getType() == IterationType.WARMUP ? "warm-up" : "run", iteration, ip.getCount(),
          BenchHarness.human(it.rate()), c.unit(), it.ops(), alloc);
    }

    @Override
    public void iteration(BenchmarkParams p, IterationParams ip, int iteration) {}

    @Override
    public void endBenchmark(BenchmarkResult result) {}

    @Override
    public void startRun() {}

    @Override
    public void endRun(Collection<RunResult> result) {}

    @Override
    public void print(String s) {
      keep(s);
    }

    @Override
    public void println(String s) {
      keep(s + System.lineSeparator());
    }

    @Override
    public void verbosePrintln(String s) {}

    @Override
    public void write(int b) {
      keep(String.valueOf((char) b));
    }

    @Override
    public void write(byte[] b) {
      keep(new String(b, java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public void flush() {
      err.flush();
    }

    @Override
    public void close() {}

    private void keep(String s) {
      report.append(s);
      if (report.length() > MAX_REPORT) {
        report.delete(0, report.length() - MAX_REPORT);
      }
    }
  }
}
