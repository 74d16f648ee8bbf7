package dev.kindred.bench;

import dev.kindred.client.ClientOptions;
import dev.kindred.client.KindredClient;
import dev.kindred.client.RemoteVectorEnv;
import dev.kindred.env.SessionOptions;
import dev.kindred.env.VectorEnv;
import dev.kindred.env.WorldRegistry;
import dev.kindred.local.LocalVectorEnv;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The session rows of a bench command: one session stepped in process ({@link LocalVectorEnv},
 * row {@code PREFIX.local}) and the same session served over gRPC by an in-JVM server on loopback
 * TCP ({@link LoopbackServer}) to a {@link RemoteVectorEnv}, with unary Step
 * ({@code PREFIX.grpc.unary}) and with StepStream ({@code PREFIX.grpc.stream}). Their timed runs
 * are interleaved, so the gRPC rows' rate as a fraction of the local row's is measured under the
 * same load; {@link BenchHarness} times them, as JMH cannot interleave benchmarks.
 */
final class SessionRows {
  private SessionRows() {}

  static final String LOCAL_PATH = "LocalVectorEnv (in process, same session, one thread)";

  /**
   * One session and how its rows report it.
   *
   * @param prefix       the rows are named {@code prefix.local}, {@code prefix.grpc.unary} and
   *                     {@code prefix.grpc.stream}
   * @param unit         the rows' unit
   * @param worldId      the session: its world, configuration, copies and seed
   * @param observations the observations each Step returns (empty: all)
   * @param unitsPerStep units of work one Step does (every copy moves)
   * @param ratioKey     the extra of the gRPC rows that gives their rate over the local row's
   * @param config       a row's config, given its path (how the row steps the session)
   * @param actions      the rows of actions the Steps take in turn, given the session (reset)
   */
  record Spec(String prefix, String unit, String worldId, Map<String, Object> worldConfig, int copies, long seed,
      List<String> observations, double unitsPerStep, String ratioKey, Function<String, Map<String, Object>> config,
      Function<VectorEnv, int[][]> actions) {}

  /** The names of the session rows of {@code prefix}, in the order they are measured. */
  static List<String> names(String prefix) {
    return List.of(prefix + ".local", prefix + ".grpc.unary", prefix + ".grpc.stream");
  }

  /** Measures and reports the rows of {@code spec} that {@code bench} selects. */
  static void measure(BenchHarness h, BenchFlags bench, WorldRegistry registry, Spec spec) {
    List<String> names = names(spec.prefix());
    String local = names.get(0);
    String unary = names.get(1);
    String stream = names.get(2);
    if (names.stream().noneMatch(bench::selected)) {
      return;
    }
    List<BenchHarness.Case> cases = new ArrayList<>();
    if (bench.selected(local)) {
      cases.add(new BenchHarness.Case(local, spec.unit(), spec.config().apply(LOCAL_PATH), () -> stepping(spec,
          LocalVectorEnv.create(registry, spec.worldId(), spec.worldConfig(), spec.copies(), spec.seed(),
              SessionOptions.builder().observations(spec.observations()).build()))));
    }
    LoopbackServer server = null;
    KindredClient client = null;
    try {
      if (bench.selected(unary) || bench.selected(stream)) {
        quietServerLogs();
        try {
          server = LoopbackServer.start();
          client = KindredClient.connect(server.address(),
              ClientOptions.builder().deadline(Duration.ofMinutes(5)).build());
        } catch (RuntimeException e) {
          h.fail(unary + ", " + stream, e);
        }
      }
      if (client != null) {
        KindredClient c = client;
        for (boolean streaming : new boolean[] {false, true}) {
          String name = streaming ? stream : unary;
          if (!bench.selected(name)) {
            continue;
          }
          String path = "RemoteVectorEnv -> KindredServer over loopback TCP, "
              + (streaming ? "StepStream" : "unary Step") + " (client and server in this JVM)";
          cases.add(new BenchHarness.Case(name, spec.unit(), spec.config().apply(path), () -> stepping(spec,
              c.make(spec.worldId(), spec.worldConfig(), spec.copies(), spec.seed(),
                  SessionOptions.builder().observations(spec.observations()).streaming(streaming)
                      .clientName("kindred-bench").build()))));
        }
      }
      // Interleaved runs: the ratios to the in-process session are measured under the same load.
      List<BenchHarness.Row> rows = h.measureInterleaved(cases);
      BenchHarness.Row localRow = rows.stream().filter(r -> r.name().equals(local)).findFirst().orElse(null);
      for (BenchHarness.Row row : rows) {
        if (localRow != null && row != localRow) {
          row = row.withExtra(spec.ratioKey(), row.median() / localRow.median());
        }
        h.report(row);
      }
    } finally {
      if (client != null) {
        client.close();
      }
      if (server != null) {
        server.close();
      }
    }
  }

  /** Session open/close lines at INFO would interleave with the progress; keep WARN and above. */
  static void quietServerLogs() {
    if (System.getProperty("kindred.log.level") != null) {
      return;
    }
    if (org.slf4j.LoggerFactory.getLogger("dev.kindred.server") instanceof ch.qos.logback.classic.Logger l) {
      l.setLevel(ch.qos.logback.classic.Level.WARN);
    }
  }

  private static Stepping stepping(Spec spec, VectorEnv env) {
    env.reset();
    return new Stepping(env, spec.actions().apply(env), spec.unitsPerStep());
  }

  /** Steps a session with rows of actions in turn, keeping each Step's latency. */
  static final class Stepping implements BenchHarness.Workload {
    private final VectorEnv env;
    private final int[][] actions;
    private final double unitsPerStep;
    private long[] latencies = new long[1024];
    private int count;
    private int next;

    Stepping(VectorEnv env, int[][] actions, double unitsPerStep) {
      this.env = env;
      this.actions = actions;
      this.unitsPerStep = unitsPerStep;
    }

    @Override
    public double run(long iterations) {
      if (latencies.length < iterations) {
        latencies = new long[(int) Math.min(Integer.MAX_VALUE - 8, iterations)];
      }
      count = 0;
      for (long i = 0; i < iterations; i++) {
        long t0 = System.nanoTime();
        env.step(actions[next]);
        next = (next + 1) % actions.length;
        if (count < latencies.length) {
          latencies[count++] = System.nanoTime() - t0;
        }
      }
      return iterations * unitsPerStep;
    }

    @Override
    public Map<String, Double> extras(long iterations, double seconds) {
      Map<String, Double> m = new LinkedHashMap<>();
      m.put("steps_per_s", iterations / seconds);
      m.put("p50_ms", BenchHarness.quantile(latencies, count, 0.50) * 1e-6);
      m.put("p99_ms", BenchHarness.quantile(latencies, count, 0.99) * 1e-6);
      return m;
    }

    @Override
    public void close() {
      env.close();
    }
  }
}
