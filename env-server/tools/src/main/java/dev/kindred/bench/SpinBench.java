package dev.kindred.bench;

import dev.kindred.cli.support.Cli;
import dev.kindred.cli.support.PrintingCommand;
import dev.kindred.env.BatchedEnv;
import dev.kindred.env.WorldRegistry;
import dev.kindred.env.spin.theory.IsingExact;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kindred bench spin}: how fast the spin worlds update spins, in process and over gRPC.
 *
 * <p>In-process rows step a {@link BatchedEnv} on one thread with many sweeps per step, asking
 * only for {@code magnetisation}, so the figure is the update kernel's speed per core; JMH
 * measures them ({@link SpinKernelBenchmark}, one fresh JVM per row, through {@link JmhRows}).
 * The gRPC rows drive a session on an in-JVM Kindred server over loopback TCP with a remote
 * environment (unary Step and StepStream), next to the same session in process, with their timed
 * runs interleaved ({@link SessionRows}), so the cost of serving is visible as a ratio measured in
 * the same run: the hand-written {@link BenchHarness} times those, as JMH cannot interleave
 * benchmarks.
 *
 * <p>A picocli command: its options are the fields below; {@link #call} runs it.
 */
@Command(name = "spin",
    description = {
        "Spin updates per second: the 2-D lattice (async, sweep, sync, checkerboard), SK n=1024, and the "
            + "lattice served over gRPC against the same session in process.",
        "",
        "Measures asynchronous (random sequential), sweep, synchronous and checkerboard heat-bath updates on "
            + "the 2-D lattice, random sequential on the dense Sherrington-Kirkpatrick model, and the same "
            + "lattice served over gRPC (unary and streaming, in-JVM server on loopback TCP) against the same "
            + "session in process.",
        "",
        "In-process rows run on one thread: their figure is updates per second per core. The project's goal "
            + "is >= 1e8 asynchronous lattice updates per second per core."},
    footer = "Output: a table (name, median, min, max, unit, runs, details); details of the session rows give "
        + "steps/s and per-step latency p50/p99 in milliseconds, and the gRPC rows their rate as a fraction of "
        + "the in-process session's ('vs_local').")
public final class SpinBench extends PrintingCommand {

  /** The project's goal for asynchronous lattice updates, per second per core. */
  public static final double TARGET_ASYNC_UPDATES_PER_S = 1e8;

  static final String UNIT = "spin_updates_per_s";

  @Option(names = "--warmup", paramLabel = "S", description = "minimum warm-up seconds per row (default 1.0)")
  Double warmup;

  @Mixin
  BenchFlags bench = new BenchFlags();

  @Option(names = "--size", paramLabel = "L", description = "lattice side for the in-process rows (default 256)")
  Integer size;

  @Option(names = "--sweeps-per-step", paramLabel = "K",
      description = "sweeps per step for the in-process lattice rows (default 100)")
  Integer sweepsPerStep;

  @Option(names = "--copies", paramLabel = "C", description = "copies in the in-process rows (default ${DEFAULT-VALUE})")
  int copies = 1;

  @Option(names = "--beta", paramLabel = "B",
      description = "inverse temperature on the lattice (default beta_c = 0.4407)")
  double beta = IsingExact.criticalBeta();

  @Option(names = "--sk-n", paramLabel = "N", description = "spins in the SK row (default 1024)")
  Integer skN;

  @Option(names = "--sk-sweeps-per-step", paramLabel = "K", description = "sweeps per step in the SK row (default 2)")
  Integer skSweepsPerStep;

  @Option(names = "--sk-beta", paramLabel = "B",
      description = "inverse temperature of the SK row (default ${DEFAULT-VALUE})")
  double skBeta = 1.0;

  @Option(names = "--grpc-size", paramLabel = "L", description = "lattice side for the session rows (default 64)")
  Integer grpcSize;

  @Option(names = "--grpc-copies", paramLabel = "C", description = "copies per session (default 16)")
  Integer grpcCopies;

  @Option(names = "--grpc-sweeps", paramLabel = "K",
      description = "sweeps per Step in the session rows (default ${DEFAULT-VALUE})")
  int grpcSweeps = 1;

  @Option(names = "--grpc-observations", paramLabel = "A,B", split = ",", hideParamSyntax = true,
      description = "observations each Step returns (default spins,magnetisation)")
  List<String> grpcObservations = new ArrayList<>(List.of("spins", "magnetisation"));

  /** Runs the command; returns 0 when every row was measured, 1 when some failed. */
  @Override
  public Integer call() {
    Settings s = settings();
    BenchHarness h = new BenchHarness(s.options, out, err);
    WorldRegistry registry = WorldRegistry.builtIn();

    for (String schedule : List.of("random_sequential", "sweep", "synchronous", "checkerboard")) {
      String name = "spin.lattice." + shortName(schedule);
      if (s.selected(name)) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("schedule", schedule);
        params.put("size", s.size);
        params.put("sweepsPerStep", s.sweepsPerStep);
        params.put("beta", s.beta);
        measureKernel(h, name, "spin.lattice", "lattice", params,
            SpinKernelBenchmark.latticeConfig(s.size, s.beta, schedule, s.sweepsPerStep), (long) s.size * s.size, 4,
            s, err);
      }
    }
    String skName = "spin.sk" + s.skN + ".async";
    if (s.selected(skName)) {
      Map<String, Object> params = new LinkedHashMap<>();
      params.put("n", s.skN);
      params.put("sweepsPerStep", s.skSweepsPerStep);
      params.put("beta", s.skBeta);
      measureKernel(h, skName, "spin.sk", "sk", params,
          SpinKernelBenchmark.skConfig(s.skN, s.skBeta, s.skSweepsPerStep), s.skN, s.skN - 1, s, err);
    }
    if (!s.noGrpc) {
      sessionRows(h, registry, s);
    }
    h.finish();
    PrintStream t = s.options.json() ? err : out;
    for (BenchHarness.Row r : h.rows()) {
      if (r.name().equals("spin.lattice.async")) {
        double f = r.median() / TARGET_ASYNC_UPDATES_PER_S;
        t.printf(Locale.ROOT, "%nAsynchronous lattice updates (L=%d, one thread): %.3g /s/core = %.1f ns/update;"
                + " target >= %.0e: %s (%.0f%% of target)%n",
            s.size, r.median(), 1e9 / r.median(), TARGET_ASYNC_UPDATES_PER_S, f >= 1 ? "MET" : "NOT MET", 100 * f);
      }
    }
    return h.failures().isEmpty() ? 0 : 1;
  }

  private static String shortName(String schedule) {
    return switch (schedule) {
      case "random_sequential" -> "async";
      case "synchronous" -> "sync";
      default -> schedule;
    };
  }

  // ------------------------------------------------------------------ in-process kernel rows (JMH)

  /** Measures one {@link SpinKernelBenchmark} method with JMH and reports it as a row. */
  private static void measureKernel(BenchHarness h, String name, String worldId, String method,
      Map<String, Object> params, Map<String, Object> worldConfig, long spins, int degree, Settings s,
      PrintStream err) {
    Map<String, Object> cfg = new LinkedHashMap<>();
    cfg.put("world", worldId);
    cfg.put("spins", spins);
    cfg.put("degree", degree);
    cfg.put("copies", s.copies);
    cfg.put("threads", 1);
    cfg.put("path", "BatchedEnv (in process)");
    cfg.put("observations", List.of("magnetisation"));
    cfg.put("world_config", worldConfig);
    Map<String, Object> jmhParams = new LinkedHashMap<>(params);
    jmhParams.put("copies", s.copies);
    jmhParams.put("seed", s.seed);
    JmhRows.Case c = new JmhRows.Case(name, UNIT, cfg, SpinKernelBenchmark.class, method, jmhParams, "updates",
        it -> {
          Map<String, Double> m = new LinkedHashMap<>();
          m.put("ns_per_update", 1e9 / it.rate());
          m.put("coupling_terms_per_s", it.rate() * degree);
          return m;
        });
    BenchHarness.Row row = h.tryMeasure(name, () -> JmhRows.measure(c, h.options(), err));
    if (row != null) {
      h.report(row);
    }
  }

  // ------------------------------------------------------------------ session rows (gRPC vs local)

  private static void sessionRows(BenchHarness h, WorldRegistry registry, Settings s) {
    Map<String, Object> worldConfig = SpinKernelBenchmark.latticeConfig(s.grpcSize, s.beta, "random_sequential",
        s.grpcSweeps);
    long spins = (long) s.grpcSize * s.grpcSize;
    SessionRows.measure(h, s.flags, registry, new SessionRows.Spec("spin.lattice", UNIT,
        "spin.lattice", worldConfig, s.grpcCopies, s.seed, s.grpcObservations,
        (double) spins * s.grpcSweeps * s.grpcCopies, "vs_local",
        path -> sessionConfig(path, worldConfig, spins, s),
        env -> new int[][] {new int[env.copies() * env.agents() * env.actionDimensions()]}, false));
  }

  private static Map<String, Object> sessionConfig(String path, Map<String, Object> worldConfig, long spins, Settings s) {
    Map<String, Object> cfg = new LinkedHashMap<>();
    cfg.put("world", "spin.lattice");
    cfg.put("spins", spins);
    cfg.put("copies", s.grpcCopies);
    cfg.put("path", path);
    cfg.put("observations", s.grpcObservations);
    cfg.put("world_config", worldConfig);
    return cfg;
  }

  // ------------------------------------------------------------------ settings

  private static final class Settings extends BenchFlags.Settings {
    int size;
    int sweepsPerStep;
    int copies;
    double beta;
    int skN;
    int skSweepsPerStep;
    double skBeta;
    int grpcSize;
    int grpcCopies;
    int grpcSweeps;
    List<String> grpcObservations;

    Settings(BenchFlags flags, Double warmup) {
      super(flags, warmup, 1.0);
    }
  }

  /** The flags with their defaults filled in (some depend on --quick) and checked. */
  private Settings settings() {
    BenchFlags b = bench;
    Settings s = new Settings(b, warmup);
    s.size = Cli.positive("--size", b.or(size, 16, 256));
    s.sweepsPerStep = Cli.positive("--sweeps-per-step", b.or(sweepsPerStep, 2, 100));
    s.copies = Cli.positive("--copies", copies);
    s.beta = beta;
    s.skN = Cli.positive("--sk-n", b.or(skN, 32, 1024));
    s.skSweepsPerStep = Cli.positive("--sk-sweeps-per-step", b.or(skSweepsPerStep, 1, 2));
    s.skBeta = skBeta;
    s.grpcSize = Cli.positive("--grpc-size", b.or(grpcSize, 8, 64));
    s.grpcCopies = Cli.positive("--grpc-copies", b.or(grpcCopies, 2, 16));
    s.grpcSweeps = Cli.positive("--grpc-sweeps", grpcSweeps);
    s.grpcObservations = BenchFlags.words(grpcObservations);
    if (s.size % 2 != 0) {
      throw new IllegalArgumentException("--size must be even (the checkerboard schedule needs a bipartite lattice)");
    }
    return s;
  }

  /** For tests and tools: the row names a run with these flags would measure. */
  static List<String> rowNames(String... args) {
    Settings s = Cli.parse(new SpinBench(), args).settings();
    List<String> names = new ArrayList<>();
    for (String n : Arrays.asList("spin.lattice.async", "spin.lattice.sweep", "spin.lattice.sync",
        "spin.lattice.checkerboard", "spin.sk" + s.skN + ".async")) {
      if (s.selected(n)) {
        names.add(n);
      }
    }
    if (!s.noGrpc) {
      for (String n : SessionRows.names("spin.lattice")) {
        if (s.selected(n)) {
          names.add(n);
        }
      }
    }
    return names;
  }
}
