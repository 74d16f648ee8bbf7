package dev.kindred.bench;

import dev.kindred.env.Autoreset;
import dev.kindred.env.BatchedEnv;
import dev.kindred.env.StepBatch;
import dev.kindred.env.WorldRegistry;
import dev.kindred.env.WorldType;
import dev.kindred.env.spin.theory.IsingExact;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

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
 * <p>Entry point: {@link #run(String[])}; see {@link #usage()} for the flags.
 */
public final class SpinMeasure {
  private SpinMeasure() {}

  private static final Set<String> BOOLEANS = Set.of("help", "json", "no-plot");
  private static final Set<String> VALUED = Set.of("size", "t-min", "t-max", "points", "temperatures",
      "copies", "burn-in", "steps", "sweeps-per-step", "schedule", "init", "seed", "threads", "out");

  /** The command's help text. */
  public static String usage() {
    return """
        Usage: kindred spin measure [flags]

        Sweeps the temperature of the 2-D Ising lattice world (spin.lattice, J = 1, no field) and
        compares the measured <|m|> and energy per spin with the exact infinite-lattice results:
        Yang's spontaneous magnetisation and Onsager's energy (T_c = 2/ln(1+sqrt 2) = 2.2692).
        Each copy is one independent sample: errors are standard errors over copies.
        Prints a table and writes a PNG with both panels.

        Flags:
          --size L            lattice side (default 64)
          --t-min T           lowest temperature (default 1.5)
          --t-max T           highest temperature (default 3.5)
          --points N          temperatures, evenly spaced (default 17: steps of 0.125)
          --temperatures A,B  explicit temperatures (overrides --t-min/--t-max/--points)
          --copies C          independent copies per temperature (default 12)
          --burn-in S         sweeps discarded before measuring (default 1000)
          --steps N           measurements per copy (default 1000)
          --sweeps-per-step K sweeps between measurements (default 1)
          --schedule S        random_sequential | sweep | checkerboard (default random_sequential)
          --init I            up | down | random start (default up: avoids long-lived stripe
                              states when quenching below T_c)
          --seed S            session seed (default 1)
          --threads N         temperatures measured in parallel (default: cores)
          --out FILE          the PNG (default spin-measure.png)
          --no-plot           do not write the PNG
          --json              one JSON object per temperature on stdout; the table goes to stderr
          --help              this help

        Finite-size effects are expected near T_c: at L = 64 <|m|> stays well above 0 just above
        T_c and the energy's kink is rounded.
        """;
  }

  /** For running without the launcher. */
  public static void main(String[] args) {
    int code = run(args);
    if (code != 0) {
      System.exit(code);
    }
  }

  /** Runs the command with {@code System.out} / {@code System.err}; returns the exit code. */
  public static int run(String[] args) {
    return run(args, System.out, System.err);
  }

  /** One temperature's result. */
  record Point(double t, double m, double mErr, double e, double eErr, double seconds, long updates) {}

  /** Runs the command; returns 0 on success, 1 on failure, 2 on bad flags. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    Settings s;
    try {
      Args a = Args.parse(args, BOOLEANS, VALUED);
      if (a.flag("help")) {
        out.print(usage());
        return 0;
      }
      s = Settings.from(a);
    } catch (IllegalArgumentException e) {
      err.println("kindred spin measure: " + e.getMessage());
      return 2;
    }
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
        m.put("version", BenchHarness.version());
        out.println(Json.write(m));
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
    Map<String, Object> cfg = new LinkedHashMap<>();
    cfg.put("width", s.size);
    cfg.put("height", s.size);
    cfg.put("beta", 1.0 / t);
    cfg.put("schedule", s.schedule);
    cfg.put("sweeps_per_step", s.sweepsPerStep);
    cfg.put("max_steps", 0);
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

    static Settings from(Args a) {
      Settings s = new Settings();
      s.size = Args.positive("size", a.integer("size", 64));
      double[] ts = a.numbers("temperatures");
      if (ts == null) {
        double lo = a.number("t-min", 1.5);
        double hi = a.number("t-max", 3.5);
        int n = Args.positive("points", a.integer("points", 17));
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
      s.copies = Args.positive("copies", a.integer("copies", 12));
      s.burnIn = a.integer("burn-in", 1000);
      if (s.burnIn < 0) {
        throw new IllegalArgumentException("--burn-in must be >= 0, got " + s.burnIn);
      }
      s.steps = Args.positive("steps", a.integer("steps", 1000));
      s.sweepsPerStep = Args.positive("sweeps-per-step", a.integer("sweeps-per-step", 1));
      s.schedule = a.string("schedule", "random_sequential");
      if (!List.of("random_sequential", "sweep", "checkerboard", "synchronous").contains(s.schedule)) {
        throw new IllegalArgumentException("--schedule must be random_sequential, sweep or checkerboard, got '"
            + s.schedule + "'");
      }
      s.init = a.string("init", "up");
      s.seed = a.integer("seed", 1);
      s.threads = Args.positive("threads", a.integer("threads",
          Math.min(Runtime.getRuntime().availableProcessors(), s.temperatures.length)));
      s.out = a.flag("no-plot") ? null : Path.of(a.string("out", "spin-measure.png"));
      s.json = a.flag("json");
      return s;
    }

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
