package dev.kindred.bench;

import dev.kindred.cli.support.Cli;
import dev.kindred.cli.support.PrintingCommand;
import dev.kindred.env.BatchedEnv;
import dev.kindred.env.WorldRegistry;
import dev.kindred.env.WorldType;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kindred bench energy}: agent-steps per second of the energy/kinship world on the
 * scenarios S1-S3 of docs/benchmarks.md, in process and over gRPC.
 *
 * <p>In-process rows ({@code energy.S1.in-process}, ...) step one copy through a
 * {@link BatchedEnv} on one thread with random valid actions taken from a table built before
 * timing, writing every observation ({@code grid}, {@code globals}, {@code action_mask}) every
 * step, agents acting in the default random order; JMH
 * measures them ({@link EnergyStepBenchmark}, one fresh JVM per row, through {@link JmhRows}),
 * and their details give the bytes allocated per step (JMH's GC profiler). No row is compared with
 * a figure this run did not measure: outside anchors live in docs/benchmarks.md. The gRPC rows ({@code energy.S1.grpc.unary}, {@code energy.S1.grpc.stream})
 * drive a session of several copies on an in-JVM Kindred server over loopback TCP,
 * interleaved with the same session in process ({@code energy.S1.local}) so that their ratio
 * ({@code vs_in_process}) is measured under the same load ({@link SessionRows}); the
 * hand-written {@link BenchHarness} times those, as JMH cannot interleave benchmarks. The run
 * ends with the verdict on the project's goals.
 *
 * <p>A picocli command: its options are the fields below; {@link #call} runs it.
 */
@Command(name = "energy",
    description = {
        "Energy/kinship world agent-steps per second on S1-S3, in process and over gRPC against in-process.",
        "",
        "Measures the scenarios of docs/benchmarks.md (S1: 20 agents on 40x40; S2: 100 agents on 100x100; "
            + "S3: 5 agents on 25x25), with random valid actions, agents acting in the default random order, and "
            + "every observation (grid 17 x 11 x 11 uint8, globals 44 float32 and action_mask 72 uint8 per agent) "
            + "written every step:",
        "",
        "  energy.Sk.in-process    one copy, one thread, BatchedEnv in process",
        "  energy.Sk.tokens        the same with the window observed as tokens (observation = tokens: 200 "
            + "(location, feature, value) uint8 triples per agent instead of the 17 x 11 x 11 grid); 'vs_grid' is "
            + "its rate over the in-process row's",
        "  energy.S1.in-process.recorded   the same, every episode recorded as a replay (gzip, SHA-256) into a "
            + "sink that drops the bytes; 'vs_unrecorded' is its rate over the in-process row's",
        "  energy.S1.recording.cpu   the same two, stepped in alternating rounds in this JVM: the stepping thread's "
            + "extra CPU time per step when recorded, in percent (robust to a loaded machine), and the background "
            + "writer's CPU time",
        "  energy.Sk.local         --copies copies in process (LocalVectorEnv), one thread",
        "  energy.Sk.grpc.unary    the same session over gRPC on loopback (unary Step)",
        "  energy.Sk.grpc.stream   the same session over gRPC on loopback (StepStream)",
        "  energy.Sk.grpc.pipelined2 the same copies as 2 sessions of half as many, each on its own stream, one "
            + "always stepping on the server while the client handles the other's answer (asynchronous vector "
            + "environments, as EnvPool's and PufferLib's)",
        "  energy.Sk.grpc.match2   the same world as a match of 2 seats, each on its own stream",
        "  energy.Sk.grpc.sharded2 the same copies sharded over 2 servers in this JVM (ShardedVectorEnv); "
            + "'vs_one_server_stream' is its rate over the stream row's: the overhead of sharding itself",
        "",
        "The local and gRPC rows of a scenario run interleaved (run 1 of each, then run 2, ...), so the gRPC "
            + "rows' 'vs_in_process' ratio is measured under the same machine load. The client and the in-JVM "
            + "server share this machine's cores.",
        "",
        "Goals (docs/benchmarks.md): >= 1.4 M agent-steps/s on S1 in process; over gRPC, StepStream >= 0.5 and unary Step >= 0.35 of the same session in process, in the same run; a 2-seat match >= 0.7 of one controller's stream; recording costs <= 10%%. The verdict is printed at the end."},
    footer = "Output: a table (name, median, min, max, unit, runs, details). Details: in-process rows give ns per "
        + "agent-step and bytes allocated per step by the stepping thread (figures from other projects are "
        + "anchors in docs/benchmarks.md, never printed here as if measured); local and gRPC rows give Steps/s (one Step moves every copy) and per-Step "
        + "latency p50/p99 in milliseconds, and the gRPC rows their rate as a fraction of the local row's "
        + "('vs_in_process').")
public final class EnergyBench extends PrintingCommand {

  static final String UNIT = "agent_steps_per_s";

  /** The project's goal for S1 in process, single thread (docs/benchmarks.md). */
  public static final double TARGET_S1_AGENT_STEPS_PER_S = 1.4e6;

  /**
   * The goals for one controller over gRPC on loopback with batched copies, as a fraction of the
   * same session in process (issue 12, docs/benchmarks.md): StepStream and unary Step.
   */
  public static final double TARGET_GRPC_STREAM_RATIO = 0.50;
  public static final double TARGET_GRPC_UNARY_RATIO = 0.35;

  /** The goal of a 2-seat match (two streams) as a fraction of one controller's stream of the same world. */
  public static final double TARGET_MATCH_RATIO = 0.70;

  /** The goal for recording replays: at most 10% off the in-process step rate. */
  public static final double TARGET_RECORDING_RATIO = 0.90;


  static final List<String> SCENARIOS = List.of("S1", "S2", "S3");

  /**
   * Arguments each action defines ({@code ActionTable}): noop, move (forward/back), rotate (4),
   * use, attack (9 cells ahead), shield, swap, give (energy, green, yellow). Random actions draw
   * an argument in the action's range, so every action is valid and most can take effect.
   */
  static final int[] ARGUMENT_RANGE = {1, 2, 4, 1, 9, 1, 1, 3};

  @Option(names = "--warmup", paramLabel = "S", description = "minimum warm-up seconds per row (default 2.0)")
  Double warmup;

  @Mixin
  BenchFlags bench = new BenchFlags();

  @Option(names = "--scenarios", paramLabel = "A,B", split = ",", hideParamSyntax = true,
      description = "scenarios of the in-process rows (default S1,S2,S3)")
  List<String> scenarios = new ArrayList<>(SCENARIOS);

  @Option(names = "--grpc-scenarios", paramLabel = "A,B", split = ",", hideParamSyntax = true,
      description = "scenarios of the local and gRPC rows (default S1,S3)")
  List<String> grpcScenarios = new ArrayList<>(List.of("S1", "S3"));

  @Option(names = "--copies", paramLabel = "C", description = "copies per session in the local and gRPC rows (default 32)")
  Integer copies;

  @Option(names = "--observation", paramLabel = "KIND",
      description = "the window observation of the local and gRPC rows: grid (default; rows energy.Sk.local, ...) "
          + "or tokens (rows energy.Sk.tokens.local, energy.Sk.tokens.grpc.stream, ...)")
  String observation = "grid";

  @Option(names = "--no-in-process", description = "skip the single-copy in-process rows")
  boolean noInProcess;

  @Option(names = "--no-recording", description = "skip the recorded in-process row (energy.S1.in-process.recorded)")
  boolean noRecording;

  @Option(names = "--max-steps", paramLabel = "N",
      description = "episode length (default: the scenario's, 1000); every max_steps + 1-th step of a copy is its "
          + "autoreset")
  Integer maxSteps;

  /** Runs the command; returns 0 when every row was measured, 1 when some failed. */
  @Override
  public Integer call() {
    Settings s = settings();
    BenchHarness h = new BenchHarness(s.options, out, err);
    WorldRegistry registry = WorldRegistry.builtIn();
    if (!s.noInProcess) {
      for (String sc : s.scenarios) {
        String name = "energy." + sc + ".in-process";
        if (s.selected(name)) {
          BenchHarness.Row row = h.tryMeasure(name, () -> JmhRows.measure(inProcessCase(registry, name, sc, s),
              s.options, err));
          if (row != null) {
            h.report(row);
          }
        }
        String tokens = "energy." + sc + ".tokens";
        if (s.selected(tokens)) {
          BenchHarness.Row row = h.tryMeasure(tokens, () -> JmhRows.measure(tokensCase(registry, tokens, sc, s),
              s.options, err));
          if (row != null) {
            BenchHarness.Row grid = h.rows().stream().filter(r -> r.name().equals(name)).findFirst().orElse(null);
            h.report(grid == null ? row : row.withExtra("vs_grid", row.median() / grid.median()));
          }
        }
        String recorded = name + ".recorded";
        if (sc.equals("S1") && !noRecording && s.selected(recorded)) {
          BenchHarness.Row row = h.tryMeasure(recorded, () -> JmhRows.measure(recordedCase(registry, recorded, sc, s),
              s.options, err));
          if (row != null) {
            BenchHarness.Row plain = h.rows().stream().filter(r -> r.name().equals(name)).findFirst().orElse(null);
            h.report(plain == null ? row : row.withExtra("vs_unrecorded", row.median() / plain.median()));
          }
          String cpuName = "energy.S1.recording.cpu";
          Map<String, Object> cfg = new LinkedHashMap<>();
          cfg.put("world", worldId(sc));
          cfg.put("world_config", worldConfig(s.maxSteps));
          cfg.put("what", "stepping-thread CPU time per step, recorded (every episode, into a sink that drops the "
              + "bytes) over unrecorded, minus 1, in percent; alternating rounds in one JVM");
          int rounds = s.options.runs() * 4;
          BenchHarness.Row cpu = h.tryMeasure(cpuName, () -> RecordingCpu.measure(cpuName, worldId(sc),
              worldConfig(s.maxSteps), rounds, bench.quick ? 500 : 5000, s.seed, cfg));
          if (cpu != null) {
            h.report(cpu);
          }
        }
      }
    }
    if (!s.noGrpc) {
      for (String sc : s.grpcScenarios) {
        sessionRows(h, registry, sc, s);
      }
    }
    h.finish();
    verdict(h.rows(), s.options.json() ? err : out);
    return h.failures().isEmpty() ? 0 : 1;
  }

  /** Prints the measured figures against the goals. */
  static void verdict(List<BenchHarness.Row> rows, PrintStream t) {
    t.println();
    t.println("Goals (docs/benchmarks.md):");
    boolean any = false;
    for (BenchHarness.Row r : rows) {
      if (r.name().equals("energy.S1.in-process")) {
        double f = r.median() / TARGET_S1_AGENT_STEPS_PER_S;
        t.printf(Locale.ROOT, "  S1 in process, one thread: %s agent-steps/s; goal >= 1.4 M: %s (%.0f%% of goal)%n",
            BenchHarness.human(r.median()), f >= 1 ? "MET" : "NOT MET", 100 * f);
        any = true;
      } else if (r.name().endsWith(".recording.cpu")) {
        t.printf(Locale.ROOT, "  %s: recording costs the stepping thread %.1f%% more CPU per step (%.2f against %.2f us; "
                + "the background writer %.2f us); goal <= 10%%: %s%n", r.name(), r.median(),
            r.extra().get("recorded_us_per_step"), r.extra().get("plain_us_per_step"),
            r.extra().get("writer_thread_us_per_step"), r.median() <= 10 ? "MET" : "NOT MET");
        any = true;
      } else if (r.name().endsWith(".recorded") && r.extra().get("vs_unrecorded") instanceof Double ratio) {
        t.printf(Locale.ROOT, "  %s: %.3f of the unrecorded rate (recording costs %.1f%%); goal: costs <= 10%%: %s%n",
            r.name(), ratio, 100 * (1 - ratio), ratio >= TARGET_RECORDING_RATIO ? "MET" : "NOT MET");
        any = true;
      } else if (r.name().endsWith(".grpc.pipelined2") && r.extra().get("vs_in_process") instanceof Double ratio) {
        // Not the goal's row: the goal is about one session whose client waits for each answer.
        t.printf(Locale.ROOT, "  %s: %.2f of in-process (%s copies as two sessions of half as many, one always in flight;"
                + " same run); the goal's rows are grpc.stream and grpc.unary%n",
            r.name(), ratio, r.config().get("copies"));
        any = true;
      } else if (r.name().endsWith(".grpc.match2")
          && r.extra().get("vs_single_controller_stream") instanceof Double ratio) {
        t.printf(Locale.ROOT, "  %s: %.2f of one controller's stream (%s copies, same run); goal >= %.2f: %s;"
                + " slowest-seat wait p50 %.3f ms, p99 %.3f ms%n",
            r.name(), ratio, r.config().get("copies"), TARGET_MATCH_RATIO, ratio >= TARGET_MATCH_RATIO ? "MET"
                : "NOT MET", r.extra().get("slowest_seat_wait_p50_ms"), r.extra().get("slowest_seat_wait_p99_ms"));
        any = true;
      } else if (r.name().endsWith(".grpc.sharded2")
          && r.extra().get("vs_one_server_stream") instanceof Double ratio) {
        // Below 1: what sharding itself costs. Above 1: the two servers' encode/step/decode overlapped
        // better than one server's (both servers and the client still share this machine's cores).
        t.printf(Locale.ROOT, "  %s: %.2f of one server's stream with the same %s copies over 2 servers in this JVM"
                + " (same run): sharding %s %.1f%%%n",
            r.name(), ratio, r.config().get("copies"), ratio < 1 ? "costs" : "gains", 100 * Math.abs(1 - ratio));
        any = true;
      } else if ((r.name().endsWith(".grpc.stream") || r.name().endsWith(".grpc.unary"))
          && r.extra().get("vs_in_process") instanceof Double ratio) {
        double goal = r.name().endsWith(".grpc.stream") ? TARGET_GRPC_STREAM_RATIO : TARGET_GRPC_UNARY_RATIO;
        t.printf(Locale.ROOT, "  %s: %.2f of in-process (%s copies, same run); goal >= %.2f: %s%n",
            r.name(), ratio, r.config().get("copies"), goal, ratio >= goal ? "MET" : "NOT MET");
        any = true;
      }
    }
    if (!any) {
      t.println("  (no row measured here bears on them: run without --only / --no-grpc)");
    }
    t.flush();
  }

  static String worldId(String scenario) {
    return "energy." + scenario.toLowerCase(Locale.ROOT);
  }

  /** The scenario's configuration: its defaults, with episodes of {@code maxSteps} when positive. */
  static Map<String, Object> worldConfig(int maxSteps) {
    return worldConfig(maxSteps, "grid");
  }

  /** The same, observing the window as {@code observation} ({@code grid}, the default, or {@code tokens}). */
  static Map<String, Object> worldConfig(int maxSteps, String observation) {
    Map<String, Object> cfg = new LinkedHashMap<>();
    if (maxSteps > 0) {
      cfg.put("max_steps", maxSteps);
    }
    if (!observation.equals("grid")) {
      cfg.put("observation", observation);
    }
    return cfg;
  }

  /**
   * {@code rows} rows of random valid actions for {@code copies * agents} agents:
   * {@code [action, argument]} pairs with the argument drawn from the action's range.
   */
  static int[][] actionTable(int rows, int copies, int agents, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    int[][] t = new int[rows][2 * copies * agents];
    for (int[] row : t) {
      for (int i = 0; i < row.length; i += 2) {
        int action = rng.nextInt(ARGUMENT_RANGE.length);
        row[i] = action;
        row[i + 1] = rng.nextInt(ARGUMENT_RANGE[action]);
      }
    }
    return t;
  }

  // ------------------------------------------------------------------ in-process, one copy (JMH)

  /** The row of one scenario stepped by {@link EnergyStepBenchmark}. */
  private static JmhRows.Case inProcessCase(WorldRegistry registry, String name, String scenario, Settings s) {
    String worldId = worldId(scenario);
    Map<String, Object> worldConfig = worldConfig(s.maxSteps);
    WorldType type = registry.get(worldId);
    int agents = type.create(type.schema().resolve(worldConfig), 1).spec().numAgents();
    Map<String, Object> cfg = new LinkedHashMap<>();
    cfg.put("world", worldId);
    cfg.put("scenario", scenario);
    cfg.put("agents", agents);
    cfg.put("copies", 1);
    cfg.put("threads", 1);
    cfg.put("path", "BatchedEnv (in process, autoreset next step)");
    cfg.put("observations", List.of("grid", "globals", "action_mask"));
    cfg.put("agent_order", "random (the default)");
    cfg.put("actions",
        "random valid, from a table of " + EnergyStepBenchmark.ACTION_ROWS + " rows built before timing");
    cfg.put("world_config", worldConfig);
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("scenario", scenario);
    params.put("maxSteps", s.maxSteps);
    params.put("seed", s.seed);
    return new JmhRows.Case(name, UNIT, cfg, EnergyStepBenchmark.class, "step", params, "agentSteps", it -> {
      Map<String, Double> m = new LinkedHashMap<>();
      m.put("ns_per_agent_step", 1e9 / it.rate());
      m.put("steps_per_s", it.opsPerSecond());
      m.put("alloc_bytes_per_step", it.allocBytesPerOp());
      return m;
    });
  }

  /** The in-process row with the window observed as tokens ({@link EnergyStepBenchmark#observation}). */
  private static JmhRows.Case tokensCase(WorldRegistry registry, String name, String scenario, Settings s) {
    JmhRows.Case c = inProcessCase(registry, name, scenario, s);
    Map<String, Object> cfg = new LinkedHashMap<>(c.config());
    cfg.put("observations", List.of("tokens", "globals", "action_mask"));
    cfg.put("world_config", worldConfig(s.maxSteps, "tokens"));
    Map<String, Object> params = new LinkedHashMap<>(c.params());
    params.put("observation", "tokens");
    return new JmhRows.Case(c.name(), c.unit(), cfg, c.benchmark(), c.method(), params, c.counter(), c.extras());
  }

  /** The in-process row with every episode recorded ({@link EnergyStepBenchmark#record}). */
  private static JmhRows.Case recordedCase(WorldRegistry registry, String name, String scenario, Settings s) {
    JmhRows.Case c = inProcessCase(registry, name, scenario, s);
    Map<String, Object> cfg = new LinkedHashMap<>(c.config());
    cfg.put("recording", "every episode, RecordingWorld into ReplaySink.discard() (gzip level 1 and SHA-256 done, "
        + "bytes dropped)");
    Map<String, Object> params = new LinkedHashMap<>(c.params());
    params.put("record", true);
    return new JmhRows.Case(c.name(), c.unit(), cfg, c.benchmark(), c.method(), params, c.counter(), c.extras());
  }

  // ------------------------------------------------------------------ sessions: local vs gRPC

  private static void sessionRows(BenchHarness h, WorldRegistry registry, String scenario, Settings s) {
    String prefix = sessionPrefix(scenario, s.observation);
    if (SessionRows.names(prefix, true).stream().noneMatch(s::selected)) {
      return;
    }
    String worldId = worldId(scenario);
    Map<String, Object> worldConfig = worldConfig(s.maxSteps, s.observation);
    WorldType type = registry.get(worldId);
    int agents = type.create(type.schema().resolve(worldConfig), 1).spec().numAgents();
    int[][] table = actionTable(64, s.copies, agents, s.seed);
    SessionRows.measure(h, s.flags, registry, new SessionRows.Spec(prefix, UNIT,
        worldId, worldConfig, s.copies, s.seed, List.of(),
        (double) agents * s.copies, "vs_in_process",
        path -> sessionConfig(worldId, scenario, agents, path, worldConfig, s), env -> table, true));
  }

  /** The session rows' prefix: {@code energy.Sk}, or {@code energy.Sk.tokens} for the tokens observation. */
  static String sessionPrefix(String scenario, String observation) {
    return "energy." + scenario + (observation.equals("grid") ? "" : "." + observation);
  }

  private static Map<String, Object> sessionConfig(String worldId, String scenario, int agents, String path,
      Map<String, Object> worldConfig, Settings s) {
    Map<String, Object> cfg = new LinkedHashMap<>();
    cfg.put("world", worldId);
    cfg.put("scenario", scenario);
    cfg.put("agents", agents);
    cfg.put("copies", s.copies);
    cfg.put("path", path);
    cfg.put("observations", List.of(s.observation, "globals", "action_mask"));
    cfg.put("agent_order", "random (the default)");
    cfg.put("actions", "random valid, from a table of 64 rows built before timing");
    cfg.put("world_config", worldConfig);
    return cfg;
  }

  // ------------------------------------------------------------------ settings

  private static final class Settings extends BenchFlags.Settings {
    List<String> scenarios;
    List<String> grpcScenarios;
    int copies;
    int maxSteps;
    boolean noInProcess;
    boolean noRecording;
    String observation;

    Settings(BenchFlags flags, Double warmup) {
      super(flags, warmup, 2.0);
    }
  }

  /** The flags with their defaults filled in (some depend on --quick) and checked. */
  private Settings settings() {
    Settings s = new Settings(bench, warmup);
    s.scenarios = scenarios("--scenarios", scenarios);
    s.grpcScenarios = scenarios("--grpc-scenarios", grpcScenarios);
    s.copies = Cli.positive("--copies", bench.or(copies, 2, 32));
    s.maxSteps = maxSteps == null ? 0 : Cli.positive("--max-steps", maxSteps);
    s.noInProcess = noInProcess;
    s.noRecording = noRecording;
    if (!observation.equals("grid") && !observation.equals("tokens")) {
      throw new IllegalArgumentException("--observation: unknown observation '" + observation
          + "'; expected grid or tokens");
    }
    s.observation = observation;
    return s;
  }

  private static List<String> scenarios(String flag, List<String> values) {
    List<String> out = new ArrayList<>();
    for (String w : BenchFlags.words(values)) {
      String sc = w.toUpperCase(Locale.ROOT);
      if (!SCENARIOS.contains(sc)) {
        throw new IllegalArgumentException(flag + ": unknown scenario '" + w + "'; expected some of S1, S2, S3");
      }
      out.add(sc);
    }
    return out;
  }

  /** For tests and tools: the row names a run with these flags would measure. */
  static List<String> rowNames(String... args) {
    Settings s = Cli.parse(new EnergyBench(), args).settings();
    List<String> names = new ArrayList<>();
    if (!s.noInProcess) {
      for (String sc : s.scenarios) {
        if (s.selected("energy." + sc + ".in-process")) {
          names.add("energy." + sc + ".in-process");
        }
        if (s.selected("energy." + sc + ".tokens")) {
          names.add("energy." + sc + ".tokens");
        }
        if (sc.equals("S1") && !s.noRecording && s.selected("energy.S1.in-process.recorded")) {
          names.add("energy.S1.in-process.recorded");
          names.add("energy.S1.recording.cpu");
        }
      }
    }
    if (!s.noGrpc) {
      for (String sc : s.grpcScenarios) {
        for (String n : SessionRows.names(sessionPrefix(sc, s.observation), true)) {
          if (s.selected(n)) {
            names.add(n);
          }
        }
      }
    }
    return names;
  }
}
