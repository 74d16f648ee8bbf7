package dev.kindred.bench;

import dev.kindred.build.BuildInfo;
import dev.kindred.cli.support.Cli;
import dev.kindred.cli.support.PrintingCommand;
import dev.kindred.cli.support.SeedOption;
import dev.kindred.env.Autoreset;
import dev.kindred.env.BatchedEnv;
import dev.kindred.env.StepBatch;
import dev.kindred.env.WorldRegistry;
import dev.kindred.env.WorldType;
import dev.kindred.env.spin.theory.IsingExact;
import dev.kindred.stats.SampleStats;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kindred spin measure}: equilibrium magnetisation and energy of the 2-D Ising lattice
 * world over a range of temperatures, next to the exact infinite-lattice results (Yang's
 * spontaneous magnetisation and Onsager's energy), as a table and a PNG.
 *
 * <p>At each temperature, {@code copies} independent copies of {@code spin.lattice} (J = 1, no
 * field) are burnt in, then measured every step; each copy's time averages of |m| and of the
 * energy per spin are one sample, and the error is the standard error over copies, so it
 * includes the effect of autocorrelation honestly. Temperatures run in parallel on a pool of
 * threads, one {@link BatchedEnv} each.
 *
 * <p>A picocli command: its options are the fields below; {@link #call} runs it.
 */
@Command(name = "measure",
    description = {
        "Magnetisation and energy of the 2-D lattice against temperature, as a table and a PNG with Yang's and "
            + "Onsager's exact curves.",
        "",
        "Sweeps the temperature of the 2-D Ising lattice world (spin.lattice, J = 1, no field) and compares the "
            + "measured <|m|> and energy per spin with the exact infinite-lattice results: Yang's spontaneous "
            + "magnetisation and Onsager's energy (T_c = 2/ln(1+sqrt 2) = 2.2692). Each copy is one independent "
            + "sample: errors are standard errors over copies. Prints a table and writes a PNG with both panels."},
    footer = "Finite-size effects are expected near T_c: at L = 64 <|m|> stays well above 0 just above T_c and the "
        + "energy's kink is rounded.")
public final class SpinMeasure extends PrintingCommand {

  @Option(names = "--size", paramLabel = "L", description = "lattice side (default ${DEFAULT-VALUE})")
  int size = 64;

  @Option(names = "--t-min", paramLabel = "T", description = "lowest temperature (default ${DEFAULT-VALUE})")
  double tMin = 1.5;

  @Option(names = "--t-max", paramLabel = "T", description = "highest temperature (default ${DEFAULT-VALUE})")
  double tMax = 3.5;

  @Option(names = "--points", paramLabel = "N",
      description = "temperatures, evenly spaced (default ${DEFAULT-VALUE}: steps of 0.125)")
  int points = 17;

  @Option(names = "--temperatures", paramLabel = "A,B", split = ",", hideParamSyntax = true,
      description = "explicit temperatures (overrides --t-min/--t-max/--points)")
  double[] temperatures;

  @Option(names = "--copies", paramLabel = "C",
      description = "independent copies per temperature (default ${DEFAULT-VALUE})")
  int copies = 12;

  @Option(names = "--burn-in", paramLabel = "S", description = "sweeps discarded before measuring (default ${DEFAULT-VALUE})")
  int burnIn = 1000;

  @Option(names = "--steps", paramLabel = "N", description = "measurements per copy (default ${DEFAULT-VALUE})")
  int steps = 1000;

  @Option(names = "--sweeps-per-step", paramLabel = "K",
      description = "sweeps between measurements (default ${DEFAULT-VALUE})")
  int sweepsPerStep = 1;

  @Option(names = "--schedule", paramLabel = "S",
      description = "random_sequential | sweep | checkerboard (default ${DEFAULT-VALUE})")
  String schedule = "random_sequential";

  @Option(names = "--init", paramLabel = "I",
      description = "up | down | random start (default ${DEFAULT-VALUE}: avoids long-lived stripe states when "
          + "quenching below T_c)")
  String init = "up";

  @Mixin
  SeedOption seed = new SeedOption();

  @Option(names = "--threads", paramLabel = "N", description = "temperatures measured in parallel (default: cores)")
  Integer threads;

  @Option(names = "--out", paramLabel = "FILE", description = "the PNG (default ${DEFAULT-VALUE})")
  Path outFile = Path.of("spin-measure.png");

  @Option(names = "--no-plot", description = "do not write the PNG")
  boolean noPlot;

  @Option(names = "--json", description = "one JSON object per temperature on stdout; the table goes to stderr")
  boolean json;

  /** One temperature's result. */
  record Point(double t, double m, double mErr, double e, double eErr, double seconds, long updates) {}

  /** Runs the command; returns 0 on success, 1 on failure. */
  @Override
  public Integer call() {
    Settings s = settings();
    WorldType type;
    try {
      type = WorldRegistry.builtIn().get("spin.lattice");
    } catch (RuntimeException e) {
      err.println("kindred spin measure: " + e.getMessage());
      return 1;
    }

    long start = System.nanoTime();
    err.printf(Locale.ROOT, "spin measure: L=%d, %d temperatures in [%.3f, %.3f], %d copies, burn-in %d sweeps,"
            + " %d measurements every %d sweep(s), %s schedule, init %s, %d thread(s)%n",
        s.size, s.temperatures.length, s.temperatures[0], s.temperatures[s.temperatures.length - 1], s.copies,
        s.burnIn, s.steps, s.sweepsPerStep, s.schedule, s.init, s.threads);
    List<Point> points = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(s.threads, r -> {
      Thread th = new Thread(r, "spin-measure");
      th.setDaemon(true);
      return th;
    });
    try {
      AtomicInteger done = new AtomicInteger();
      List<Future<Point>> futures = new ArrayList<>();
      for (int i = 0; i < s.temperatures.length; i++) {
        double t = s.temperatures[i];
        long seed = s.seed + 7919L * i;
        futures.add(pool.submit(() -> {
          Point p = measure(type, s, t, seed);
          err.printf(Locale.ROOT, "spin measure: T=%.4f done (%d/%d) in %.1f s: <|m|>=%.4f, <E>/N=%.4f%n",
              t, done.incrementAndGet(), s.temperatures.length, p.seconds, p.m, p.e);
          return p;
        }));
      }
      for (Future<Point> f : futures) {
        points.add(f.get());
      }
    } catch (Exception e) {
      Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
      err.println("kindred spin measure: " + cause);
      return 1;
    } finally {
      pool.shutdownNow();
    }
    double seconds = (System.nanoTime() - start) * 1e-9;
    long updates = points.stream().mapToLong(Point::updates).sum();

    PrintStream table = s.json ? err : out;
    table.print(table(points, s));
    table.printf(Locale.ROOT, "%d spin updates in %.1f s (%.3g updates/s over %d thread(s))%n",
        updates, seconds, updates / seconds, s.threads);
    if (s.json) {
      for (Point p : points) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "spin.lattice.measure");
        m.put("t", p.t);
        m.put("abs_m", p.m);
        m.put("abs_m_se", p.mErr);
        m.put("yang_m", IsingExact.spontaneousMagnetisation(p.t));
        m.put("energy", p.e);
        m.put("energy_se", p.eErr);
        m.put("onsager_u", IsingExact.energyPerSpin(p.t));
        m.put("config", s.config());
        m.put("version", BuildInfo.current().codeVersion());
        out.println(JsonLines.write(m));
      }
    }
    if (s.out != null) {
      try {
        writePlot(points, s);
        table.println("wrote " + s.out.toAbsolutePath());
      } catch (IOException | RuntimeException e) {
        err.println("kindred spin measure: cannot write " + s.out + ": " + e);
        return 1;
      }
    }
    return 0;
  }

  /** Measures one temperature: copies burnt in, then {@code steps} measurements each. */
  static Point measure(WorldType type, Settings s, double t, long seed) {
    long t0 = System.nanoTime();
    Map<String, Object> cfg = SpinKernelBenchmark.latticeConfig(s.size, 1.0 / t, s.schedule, s.sweepsPerStep);
    cfg.put("init", s.init);
    cfg.put("burn_in_sweeps", s.burnIn);
    var world = type.create(type.schema().resolve(cfg), s.copies);
    BatchedEnv env = new BatchedEnv(world, Autoreset.NEXT_STEP, seed, List.of("magnetisation", "energy"));
    StepBatch batch = env.reset(null, null);
    int[] actions = new int[env.copies() * env.spec().numAgents() * env.spec().actions().size()];
    ByteBuffer mag = batch.observation("magnetisation");
    ByteBuffer energy = batch.observation("energy");
    int c = s.copies;
    double[] sumM = new double[c];
    double[] sumE = new double[c];
    for (int k = 0; k < s.steps; k++) {
      env.step(actions);
      for (int i = 0; i < c; i++) {
        sumM[i] += Math.abs(mag.getDouble(8 * i));
        sumE[i] += energy.getDouble(8 * i);
      }
    }
    for (int i = 0; i < c; i++) {
      sumM[i] /= s.steps;
      sumE[i] /= s.steps;
    }
    long updates = (long) s.size * s.size * c * ((long) s.steps * s.sweepsPerStep + s.burnIn);
    return new Point(t, SampleStats.mean(sumM), SampleStats.standardError(sumM),
        SampleStats.mean(sumE), SampleStats.standardError(sumE),
        (System.nanoTime() - t0) * 1e-9, updates);
  }

  static String table(List<Point> points, Settings s) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "2-D Ising (spin.lattice) L=%d, %d copies x %d measurements (every %d sweep(s), "
            + "after %d burn-in sweeps), %s; T_c = %.4f%n",
        s.size, s.copies, s.steps, s.sweepsPerStep, s.burnIn, s.schedule, IsingExact.criticalTemperature()));
    b.append(String.format(Locale.ROOT, "%8s  %9s  %8s  %9s  %10s  %8s  %10s%n",
        "T", "<|m|>", "s.e.", "Yang m", "<E>/N", "s.e.", "Onsager u"));
    b.append("-".repeat(8 + 9 + 8 + 9 + 10 + 8 + 10 + 12)).append('\n');
    for (Point p : points) {
      b.append(String.format(Locale.ROOT, "%8.4f  %9.5f  %8.5f  %9.5f  %10.5f  %8.5f  %10.5f%n",
          p.t, p.m, p.mErr, IsingExact.spontaneousMagnetisation(p.t), p.e, p.eErr, IsingExact.energyPerSpin(p.t)));
    }
    return b.toString();
  }

  static void writePlot(List<Point> points, Settings s) throws IOException {
    SpinMeasurePlot.write(points, s.size, s.copies, s.out);
  }

  // ------------------------------------------------------------------ settings

  /** The flags with their defaults filled in and checked. */
  Settings settings() {
    Settings s = new Settings();
    s.size = Cli.positive("--size", size);
    double[] ts = temperatures;
    if (ts == null) {
      double lo = tMin;
      double hi = tMax;
      int n = Cli.positive("--points", points);
      if (!(lo > 0) || !(hi >= lo)) {
        throw new IllegalArgumentException("need 0 < --t-min <= --t-max, got " + lo + ", " + hi);
      }
      ts = new double[n];
      for (int i = 0; i < n; i++) {
        ts[i] = n == 1 ? lo : lo + (hi - lo) * i / (n - 1);
      }
    }
    for (double t : ts) {
      if (!(t > 0) || !Double.isFinite(t)) {
        throw new IllegalArgumentException("temperatures must be positive and finite, got " + t);
      }
    }
    s.temperatures = ts;
    s.copies = Cli.positive("--copies", copies);
    s.burnIn = Cli.atLeast("--burn-in", burnIn, 0);
    s.steps = Cli.positive("--steps", steps);
    s.sweepsPerStep = Cli.positive("--sweeps-per-step", sweepsPerStep);
    s.schedule = schedule;
    if (!List.of("random_sequential", "sweep", "checkerboard", "synchronous").contains(s.schedule)) {
      throw new IllegalArgumentException("--schedule must be random_sequential, sweep or checkerboard, got '"
          + s.schedule + "'");
    }
    s.init = init;
    s.seed = seed.value;
    s.threads = Cli.positive("--threads", threads != null ? threads
        : Math.min(Runtime.getRuntime().availableProcessors(), s.temperatures.length));
    s.out = noPlot ? null : outFile;
    s.json = json;
    return s;
  }

  static final class Settings {
    int size;
    double[] temperatures;
    int copies;
    int burnIn;
    int steps;
    int sweepsPerStep;
    String schedule;
    String init;
    long seed;
    int threads;
    Path out;
    boolean json;

    Map<String, Object> config() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("world", "spin.lattice");
      m.put("size", size);
      m.put("copies", copies);
      m.put("burn_in_sweeps", burnIn);
      m.put("steps", steps);
      m.put("sweeps_per_step", sweepsPerStep);
      m.put("schedule", schedule);
      m.put("init", init);
      m.put("seed", seed);
      return m;
    }
  }
}
