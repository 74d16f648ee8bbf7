package dev.kindred.bench;

import dev.kindred.client.ClientOptions;
import dev.kindred.client.KindredClient;
import dev.kindred.client.ShardedVectorEnv;
import dev.kindred.client.MatchConfig;
import dev.kindred.client.RemoteMatch;
import dev.kindred.client.RemoteVectorEnv;
import dev.kindred.client.SeatEnv;
import dev.kindred.env.SessionOptions;
import dev.kindred.env.VectorEnv;
import dev.kindred.env.WorldRegistry;
import dev.kindred.local.LocalVectorEnv;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
   * @param match        whether to measure {@code prefix.grpc.match2} too: the same world as a
   *                     match of two seats (even and odd agents), each on its own stream
   */
  record Spec(String prefix, String unit, String worldId, Map<String, Object> worldConfig, int copies, long seed,
      List<String> observations, double unitsPerStep, String ratioKey, Function<String, Map<String, Object>> config,
      Function<VectorEnv, int[][]> actions, boolean match) {}

  /** The names of the session rows of {@code prefix} without a match row, in the order they are measured. */
  static List<String> names(String prefix) {
    return names(prefix, false);
  }

  /**
   * The names of the session rows of {@code prefix}, in the order they are measured; with
   * {@code match}, also {@code prefix.grpc.pipelined2} (the copies as two sessions of half as many,
   * one always stepping on the server while the other is handled), {@code prefix.grpc.match2} (a
   * 2-seat match of the same world) and {@code prefix.grpc.sharded2} (the same copies sharded over 2
   * servers in this JVM).
   */
  static List<String> names(String prefix, boolean match) {
    return match ? List.of(prefix + ".local", prefix + ".grpc.unary", prefix + ".grpc.stream",
        prefix + ".grpc.pipelined2", prefix + ".grpc.match2", prefix + ".grpc.sharded2")
        : List.of(prefix + ".local", prefix + ".grpc.unary", prefix + ".grpc.stream");
  }

  /** Measures and reports the rows of {@code spec} that {@code bench} selects. */
  static void measure(BenchHarness h, BenchFlags bench, WorldRegistry registry, Spec spec) {
    List<String> names = names(spec.prefix(), spec.match());
    String local = names.get(0);
    String unary = names.get(1);
    String stream = names.get(2);
    String pipelined = spec.prefix() + ".grpc.pipelined2";
    String match = spec.prefix() + ".grpc.match2";
    String sharded = spec.prefix() + ".grpc.sharded2";
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
    LoopbackServer server2 = null;
    KindredClient client2 = null;
    try {
      if (bench.selected(unary) || bench.selected(stream)
          || (spec.match() && (bench.selected(pipelined) || bench.selected(match) || bench.selected(sharded)))) {
        quietServerLogs();
        try {
          server = LoopbackServer.start();
          client = KindredClient.connect(server.address(),
              ClientOptions.builder().deadline(Duration.ofMinutes(5)).build());
        } catch (RuntimeException e) {
          h.fail(unary + ", " + stream + ", " + match, e);
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
        if (spec.match() && bench.selected(pipelined)) {
          if (spec.copies() < 2) {
            h.fail(pipelined, new IllegalArgumentException("needs at least 2 copies to split in halves; got "
                + spec.copies()));
          } else {
            String path = "two RemoteVectorEnvs of " + (spec.copies() / 2) + " and " + (spec.copies() - spec.copies() / 2)
                + " copies (together the same copies, seeds seed and seed + 1), each on its own StepStream over one "
                + "connection, one always in flight: each half's answer is received and its next step sent while the "
                + "server steps the other half, as asynchronous vector environments do (EnvPool, PufferLib) -> "
                + "KindredServer over loopback TCP (client and server in this JVM)";
            Map<String, Object> cfg = new LinkedHashMap<>(spec.config().apply(path));
            cfg.put("in_flight", "one step per half");
            cases.add(new BenchHarness.Case(pipelined, spec.unit(), cfg, () -> new PipelinedStepping(c, spec)));
          }
        }
        if (spec.match() && bench.selected(match)) {
          String path = "a match of 2 seats (every other agent each), each a SeatEnv on its own StepSeatStream, "
              + "stepped concurrently from 2 threads -> KindredServer over loopback TCP (client and server in this "
              + "JVM)";
          cases.add(new BenchHarness.Case(match, spec.unit(), spec.config().apply(path), () -> new MatchStepping(c,
              spec)));
        }
        if (spec.match() && bench.selected(sharded)) {
          try {
            server2 = LoopbackServer.start();
            client2 = KindredClient.connect(server2.address(),
                ClientOptions.builder().deadline(Duration.ofMinutes(5)).build());
          } catch (RuntimeException e) {
            h.fail(sharded, e);
          }
        }
        if (client2 != null) {
          List<KindredClient> both = List.of(c, client2);
          String path = "ShardedVectorEnv: the same copies split over 2 KindredServers (one StepStream each, "
              + "stepped concurrently, merged in copy order) over loopback TCP (clients and servers in this JVM)";
          cases.add(new BenchHarness.Case(sharded, spec.unit(), spec.config().apply(path), () -> stepping(spec,
              ShardedVectorEnv.make(both, spec.worldId(), spec.worldConfig(), spec.copies(), spec.seed(),
                  SessionOptions.builder().observations(spec.observations()).clientName("kindred-bench").build()))));
        }
      }
      // Interleaved runs: the ratios to the in-process session are measured under the same load.
      List<BenchHarness.Row> rows = h.measureInterleaved(cases);
      BenchHarness.Row localRow = rows.stream().filter(r -> r.name().equals(local)).findFirst().orElse(null);
      BenchHarness.Row streamRow = rows.stream().filter(r -> r.name().equals(stream)).findFirst().orElse(null);
      for (BenchHarness.Row row : rows) {
        if (localRow != null && row != localRow) {
          row = row.withExtra(spec.ratioKey(), row.median() / localRow.median());
          Object mine = row.extra().get("per_cpu_s");
          Object theirs = localRow.extra().get("per_cpu_s");
          if (mine instanceof Double a && theirs instanceof Double b && b > 0) {
            // Per busy core: the same copies, the CPU of client and server counted (docs/benchmarks.md).
            row = row.withExtra("per_core_" + spec.ratioKey(), a / b);
          }
        }
        if (streamRow != null && row.name().equals(match)) {
          row = row.withExtra("vs_single_controller_stream", row.median() / streamRow.median());
        }
        if (streamRow != null && row.name().equals(sharded)) {
          row = row.withExtra("vs_one_server_stream", row.median() / streamRow.median());
        }
        h.report(row);
      }
    } finally {
      if (client2 != null) {
        client2.close();
      }
      if (server2 != null) {
        server2.close();
      }
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

  /** The whole session, reset, for building the action rows of rows that split it (seats, halves). */
  private static VectorEnv probe(KindredClient client, Spec spec) {
    VectorEnv probe = client.make(spec.worldId(), spec.worldConfig(), spec.copies(), spec.seed());
    try {
      probe.reset();
    } catch (RuntimeException e) {
      probe.close();
      throw e;
    }
    return probe;
  }

  private static Stepping stepping(Spec spec, VectorEnv env) {
    env.reset();
    return new Stepping(env, spec.actions().apply(env), spec.unitsPerStep());
  }

  /**
   * Steps a 2-seat match of the session's world: seat "a" holds the even agents, "b" the odd
   * ones; each step both seats submit their part of the same action rows concurrently (b from a
   * second thread). Keeps each step's latency and how long the server says the step waited for its
   * slowest seat.
   */
  static final class MatchStepping implements BenchHarness.Workload {
    private long cpuNanos;
    private final RemoteMatch match;
    private final SeatEnv a;
    private final SeatEnv b;
    private final int[][] actionsA;
    private final int[][] actionsB;
    private final ExecutorService other = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "kindred-bench-seat-b");
      t.setDaemon(true);
      return t;
    });
    private final double unitsPerStep;
    private long[] latencies = new long[1024];
    private long[] waits = new long[1024];
    private int count;
    private int next;

    MatchStepping(KindredClient client, Spec spec) {
      int agents;
      int[][] full;
      // The same action rows as the single-controller rows, built for the whole world.
      try (VectorEnv probe = probe(client, spec)) {
        agents = probe.agents();
        full = spec.actions().apply(probe);
      }
      int[] even = java.util.stream.IntStream.range(0, agents).filter(x -> x % 2 == 0).toArray();
      int[] odd = java.util.stream.IntStream.range(0, agents).filter(x -> x % 2 == 1).toArray();
      this.match = client.createMatch(spec.worldId(), spec.worldConfig(), spec.copies(), spec.seed(),
          MatchConfig.builder().seat("a", even).seat("b", odd).sessionOptions(SessionOptions.builder()
              .observations(spec.observations()).clientName("kindred-bench").build()).build());
      this.a = client.joinSeat(match.seat("a"));
      this.b = client.joinSeat(match.seat("b"));
      int dims = a.actionDimensions();
      this.actionsA = new int[full.length][];
      this.actionsB = new int[full.length][];
      for (int r = 0; r < full.length; r++) {
        actionsA[r] = slice(full[r], spec.copies(), agents, dims, even);
        actionsB[r] = slice(full[r], spec.copies(), agents, dims, odd);
      }
      this.unitsPerStep = spec.unitsPerStep();
    }

    private static int[] slice(int[] all, int copies, int agents, int dims, int[] seat) {
      int[] out = new int[copies * seat.length * dims];
      for (int c = 0; c < copies; c++) {
        for (int j = 0; j < seat.length; j++) {
          System.arraycopy(all, (c * agents + seat[j]) * dims, out, (c * seat.length + j) * dims, dims);
        }
      }
      return out;
    }

    @Override
    public double run(long iterations) throws Exception {
      if (latencies.length < iterations) {
        latencies = new long[(int) Math.min(Integer.MAX_VALUE - 8, iterations)];
        waits = new long[latencies.length];
      }
      count = 0;
      long cpu0 = processCpuNanos();
      for (long i = 0; i < iterations; i++) {
        int row = next;
        long t0 = System.nanoTime();
        Future<?> f = other.submit(() -> b.step(actionsB[row]));
        a.step(actionsA[row]);
        f.get();
        next = (next + 1) % actionsA.length;
        if (count < latencies.length) {
          latencies[count] = System.nanoTime() - t0;
          waits[count++] = a.lastMatchStep().getWaitMicros() * 1000L;
        }
      }
      cpuNanos = processCpuNanos() - cpu0;
      return iterations * unitsPerStep;
    }

    @Override
    public Map<String, Double> extras(long iterations, double seconds) {
      Map<String, Double> m = stepExtras(iterations, seconds, latencies, count);
      m.put("slowest_seat_wait_p50_ms", BenchHarness.quantile(waits, count, 0.50) * 1e-6);
      m.put("slowest_seat_wait_p99_ms", BenchHarness.quantile(waits, count, 0.99) * 1e-6);
      cpuExtras(m, iterations * unitsPerStep, seconds, cpuNanos);
      return m;
    }

    @Override
    public void close() {
      other.shutdownNow();
      a.close();
      b.close();
      match.close();
    }
  }

  /**
   * Steps the session's copies as two sessions of half as many, each on its own StepStream, with
   * one step of each always in flight: receive half A's answer, send its next step, receive half
   * B's, send its next, so the server steps one half while the client handles the other's answer
   * (and, in a real trainer, the policy acts on it). An iteration moves every copy once; its
   * latency is the time from one iteration's end to the next's (the time per step of all copies).
   * Each half's actions are its copies' part of the same action rows as the other rows'.
   */
  static final class PipelinedStepping extends TimedSteps {
    private final RemoteVectorEnv[] halves = new RemoteVectorEnv[2];
    private final int[][][] actions = new int[2][][];
    private int next;

    PipelinedStepping(KindredClient client, Spec spec) {
      super(spec.unitsPerStep());
      int[][] full;
      try (VectorEnv probe = probe(client, spec)) {
        full = spec.actions().apply(probe);
      }
      int perCopy = full[0].length / spec.copies();
      int[] first = {0, spec.copies() / 2};
      int[] size = {spec.copies() / 2, spec.copies() - spec.copies() / 2};
      try {
        for (int h = 0; h < 2; h++) {
          halves[h] = client.make(spec.worldId(), spec.worldConfig(), size[h], spec.seed() + h,
              SessionOptions.builder().observations(spec.observations()).streaming(true)
                  .clientName("kindred-bench").build());
          actions[h] = new int[full.length][];
          for (int r = 0; r < full.length; r++) {
            actions[h][r] = java.util.Arrays.copyOfRange(full[r], first[h] * perCopy, (first[h] + size[h]) * perCopy);
          }
          halves[h].reset();
        }
        for (int h = 0; h < 2; h++) {
          halves[h].send(actions[h][0]);
        }
      } catch (RuntimeException e) {
        close();
        throw e;
      }
      next = 1;
    }

    @Override
    void stepAll() {
      for (int h = 0; h < 2; h++) {
        halves[h].receive();
        halves[h].send(actions[h][next]);
      }
      next = (next + 1) % actions[0].length;
    }

    @Override
    public void close() {
      for (RemoteVectorEnv h : halves) {
        if (h != null) {
          h.close(); // abandons the step in flight
        }
      }
    }
  }

  /** Steps a session with rows of actions in turn, keeping each Step's latency. */
  static final class Stepping extends TimedSteps {
    private final VectorEnv env;
    private final int[][] actions;
    private int next;

    Stepping(VectorEnv env, int[][] actions, double unitsPerStep) {
      super(unitsPerStep);
      this.env = env;
      this.actions = actions;
    }

    @Override
    void stepAll() {
      env.step(actions[next]);
      next = (next + 1) % actions.length;
    }

    @Override
    public void close() {
      env.close();
    }
  }

  /**
   * A workload that steps every copy once per iteration ({@link #stepAll}), keeping each
   * iteration's latency and the process's CPU time over the run.
   */
  abstract static class TimedSteps implements BenchHarness.Workload {
    private final double unitsPerStep;
    private long[] latencies = new long[1024];
    private int count;
    private long cpuNanos;

    TimedSteps(double unitsPerStep) {
      this.unitsPerStep = unitsPerStep;
    }

    /** Moves every copy once. */
    abstract void stepAll();

    @Override
    public double run(long iterations) {
      if (latencies.length < iterations) {
        latencies = new long[(int) Math.min(Integer.MAX_VALUE - 8, iterations)];
      }
      count = 0;
      long cpu0 = processCpuNanos();
      for (long i = 0; i < iterations; i++) {
        long t0 = System.nanoTime();
        stepAll();
        if (count < latencies.length) {
          latencies[count++] = System.nanoTime() - t0;
        }
      }
      cpuNanos = processCpuNanos() - cpu0;
      return iterations * unitsPerStep;
    }

    @Override
    public Map<String, Double> extras(long iterations, double seconds) {
      Map<String, Double> m = stepExtras(iterations, seconds, latencies, count);
      cpuExtras(m, iterations * unitsPerStep, seconds, cpuNanos);
      return m;
    }
  }

  /** The least CPU time a run must use for its per-core figures: 20 ticks of a 10 ms clock. */
  static final long MIN_CPU_NANOS = 200_000_000L;

  /**
   * CPU time of this whole process (every thread: the stepping thread, the in-JVM server's and
   * the client's transport threads, JIT and GC), in nanoseconds.
   */
  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /**
   * The per-core figures of a run: {@code per_cpu_s}, the row's units per second of CPU time spent
   * by the whole process (client and server included), and {@code busy_cores}, that CPU time over
   * the wall time. Rows that differ in how many cores they keep busy compare fairly by the former.
   * Left out for a run that used less than {@link #MIN_CPU_NANOS} of CPU: the process CPU clock may
   * count in scheduler ticks (10 ms), too coarse for a shorter run (a 25 ms run once read 3.1 busy
   * cores on a 2-core machine).
   */
  static void cpuExtras(Map<String, Double> m, double units, double seconds, long cpuNanos) {
    if (cpuNanos >= MIN_CPU_NANOS) {
      m.put("per_cpu_s", units / (cpuNanos * 1e-9));
      m.put("busy_cores", cpuNanos * 1e-9 / seconds);
    }
  }

  /** Steps per second and the p50/p99 of the first {@code count} step latencies (ns), in ms. */
  static Map<String, Double> stepExtras(long iterations, double seconds, long[] latencies, int count) {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("steps_per_s", iterations / seconds);
    m.put("p50_ms", BenchHarness.quantile(latencies, count, 0.50) * 1e-6);
    m.put("p99_ms", BenchHarness.quantile(latencies, count, 0.99) * 1e-6);
    return m;
  }
}
