package dev.kindred.bench;

import dev.kindred.cli.support.PrintingCommand;
import dev.kindred.client.ClientOptions;
import dev.kindred.client.KindredClient;
import dev.kindred.client.RemoteVectorEnv;
import dev.kindred.env.ActionDimension;
import dev.kindred.env.KindredException;
import dev.kindred.env.SessionOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kindred bench load}: many clients stepping sessions at once, for minutes, against a
 * server in this JVM (over loopback TCP) or a running one ({@code --target}). Client {@code i}
 * drives world {@code worlds[i % W]} through {@code modes[(i / W) % M]} (unary Step or StepStream),
 * so every combination runs once there are W x M clients. Every report period a row: Steps per
 * second, latency p50/p99/max, errors by status code, and the heap after a full GC and resident
 * memory of this process (which holds the server too unless {@code --target} is given); at the
 * end one row per world and mode and a total. A client that fails counts the error, waits
 * 100 ms and opens a new session.
 *
 * <p>Entry points: {@link #run(LoadOptions, PrintStream, PrintStream)} and {@link LoadCommand}.
 */
public final class LoadBench {
  private LoadBench() {}

  /** World configurations the load runs on: small, with agents the client controls. */
  static final Map<String, World> WORLDS = Map.of(
      "spin", new World("spin.lattice", Map.of("width", 16, "height", 16, "controlled",
          List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), "max_steps", 200)),
      "energy", new World("energy.s3", Map.of("max_steps", 200)));

  record World(String id, Map<String, Object> config) {}

  /**
   * What to run.
   *
   * @param target       {@code host:port} of a running server, or null for one in this JVM
   * @param reportEvery  period of the rows over time
   * @param worlds       keys of {@link #WORLDS}
   * @param modes        {@code unary} and/or {@code stream}
   */
  public record LoadOptions(int clients, Duration duration, String target, List<String> worlds, List<String> modes,
      int copies, Duration reportEvery, boolean json, long seed) {

    public LoadOptions {
      if (clients < 1 || clients > 10_000) {
        throw new IllegalArgumentException("--clients must be in [1, 10000], got " + clients);
      }
      if (duration.isNegative() || duration.isZero()) {
        throw new IllegalArgumentException("the duration must be positive, got " + duration);
      }
      if (reportEvery.isNegative() || reportEvery.isZero()) {
        throw new IllegalArgumentException("--report-seconds must be positive, got " + reportEvery);
      }
      if (copies < 1) {
        throw new IllegalArgumentException("--copies must be at least 1, got " + copies);
      }
      worlds = List.copyOf(worlds);
      modes = List.copyOf(modes);
      for (String w : worlds) {
        if (!WORLDS.containsKey(w)) {
          throw new IllegalArgumentException("--worlds: unknown world '" + w + "'; expected spin and/or energy");
        }
      }
      for (String m : modes) {
        if (!m.equals("unary") && !m.equals("stream")) {
          throw new IllegalArgumentException("--modes: unknown mode '" + m + "'; expected unary and/or stream");
        }
      }
      if (worlds.isEmpty() || modes.isEmpty()) {
        throw new IllegalArgumentException("--worlds and --modes need at least one entry each");
      }
    }
  }

  /** {@code kindred bench load}: the flags of {@link LoadOptions}. */
  @Command(name = "load", mixinStandardHelpOptions = true,
      description = {"Load on a server: N clients, each with its own connection and session, step as fast as they can "
          + "for the whole run with random valid actions. Client i drives world i mod W in mode (i / W) mod M, so all "
          + "combinations run once N >= W x M."},
      footer = {"Every --report-seconds a row over time; at the end a row per world and mode, and the total:",
          "  steps_per_s     Step calls answered per second (each moves every copy of a session)",
          "  p50_ms p99_ms max_ms   latency of one Step as its client sees it",
          "  errors          failed calls by status code (0 on a healthy server)",
          "  heap_mib        heap of this process after a full GC (System.gc at each row: its pause shows in max_ms);",
          "                  flat over a long run means no leak",
          "  rss_mib         resident memory of this process",
          "Without --target the server runs in this JVM (loopback TCP) and both figures include it; with --target",
          "they are the clients' alone.",
          "",
          "Exit code: 0 when no call failed, 1 otherwise, 2 on bad flags."})
  public static final class LoadCommand extends PrintingCommand {
    @Option(names = "--clients", paramLabel = "N", description = "concurrent clients (default ${DEFAULT-VALUE})")
    int clients = 8;

    @Option(names = "--minutes", paramLabel = "M", description = "run length in minutes (default 1)")
    Double minutes;

    @Option(names = "--seconds", paramLabel = "S", description = "run length in seconds (instead of --minutes)")
    Double seconds;

    @Option(names = "--target", paramLabel = "HOST:PORT", description = "a running server (default: one in this JVM)")
    String target;

    @Option(names = "--worlds", paramLabel = "LIST", split = ",",
        description = "spin (spin.lattice 16x16, 16 controlled spins) and/or energy (energy.s3: 5 agents on 25x25) "
            + "(default spin,energy)")
    List<String> worlds = List.of("spin", "energy");

    @Option(names = "--modes", paramLabel = "LIST", split = ",",
        description = "unary and/or stream (default unary,stream)")
    List<String> modes = List.of("unary", "stream");

    @Option(names = "--copies", paramLabel = "C", description = "copies per session (default ${DEFAULT-VALUE})")
    int copies = 4;

    @Option(names = "--report-seconds", paramLabel = "S",
        description = "period of the rows over time (default ${DEFAULT-VALUE})")
    double reportSeconds = 10;

    @Option(names = "--seed", paramLabel = "S", description = "base seed; client i uses S + i (default ${DEFAULT-VALUE})")
    long seed = 1;

    @Option(names = "--json", description = "one JSON object per row on stdout; the table goes to stderr")
    boolean json;

    @Override
    public Integer call() {
      if (minutes != null && seconds != null) {
        throw new IllegalArgumentException("give --minutes or --seconds, not both");
      }
      Duration d = seconds != null ? Duration.ofMillis((long) (seconds * 1000))
          : Duration.ofMillis((long) ((minutes == null ? 1 : minutes) * 60_000));
      LoadOptions o = new LoadOptions(clients, d, target, worlds, modes, copies,
          Duration.ofMillis((long) (reportSeconds * 1000)), json, seed);
      return run(o, out, err);
    }
  }

  /** Runs the load; 0 when no call failed, 1 otherwise. */
  public static int run(LoadOptions o, PrintStream out, PrintStream err) {
    PrintStream table = o.json() ? err : out;
    if (o.target() == null) {
      SessionRows.quietServerLogs(); // a line per session would bury the table
    }
    LoopbackServer local = o.target() == null ? LoopbackServer.start(Duration.ofSeconds(5)) : null;
    String target = local != null ? local.address() : o.target();
    Stats stats = new Stats();
    long start = System.nanoTime();
    long end = start + o.duration().toNanos();
    List<Thread> threads = new ArrayList<>();
    try {
      table.printf(Locale.ROOT, "kindred bench load: %d clients for %s against %s (%s), worlds %s, modes %s, "
              + "%d copies per session%n", o.clients(), human(o.duration()), target,
          local != null ? "server in this JVM" : "remote server", o.worlds(), o.modes(), o.copies());
      table.println(header());
      for (int i = 0; i < o.clients(); i++) {
        int index = i;
        Thread t = new Thread(() -> client(o, target, index, end, stats), "load-client-" + i);
        t.setDaemon(true);
        t.start();
        threads.add(t);
      }
      long next = start;
      while (true) {
        next += o.reportEvery().toNanos();
        long now = System.nanoTime();
        if (next >= end) {
          break;
        }
        TimeUnit.NANOSECONDS.sleep(next - now);
        report(o, out, table, stats.interval(), "interval", (System.nanoTime() - start) / 1e9, stats);
      }
      for (Thread t : threads) {
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())) + 60_000);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      report(o, out, table, stats.interval(), "interval", seconds, stats);
      table.println();
      table.println("Whole run:");
      table.println(header());
      for (Map.Entry<String, Series> e : new TreeMap<>(stats.byCase).entrySet()) {
        report(o, out, table, e.getValue(), e.getKey(), seconds, null);
      }
      report(o, out, table, stats.total, "total", seconds, null);
      long errors = stats.total.errors.values().stream().mapToLong(LongAdder::sum).sum();
      table.printf(Locale.ROOT, "%s: %,d steps, %,d errors%n", errors == 0 ? "OK" : "ERRORS", stats.total.latency.count(),
          errors);
      return errors == 0 ? 0 : 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    } finally {
      if (local != null) {
        local.close();
      }
    }
  }

  /** One client: a connection and a session, stepped until the end; a failure opens a new session. */
  private static void client(LoadOptions o, String target, int index, long end, Stats stats) {
    String worldKey = o.worlds().get(index % o.worlds().size());
    String mode = o.modes().get((index / o.worlds().size()) % o.modes().size());
    World world = WORLDS.get(worldKey);
    Series series = stats.series(worldKey + "." + mode);
    SplittableRandom rng = new SplittableRandom(o.seed() + index);
    ClientOptions options = ClientOptions.builder().deadline(Duration.ofSeconds(60)).build();
    KindredClient client = null;
    while (System.nanoTime() < end) {
      RemoteVectorEnv env = null;
      try {
        if (client == null) {
          client = KindredClient.connect(target, options);
        }
        env = client.make(world.id(), world.config(), o.copies(), o.seed() + index, SessionOptions.builder()
            .streaming(mode.equals("stream")).clientName("kindred-bench-load-" + index).build());
        env.reset();
        List<ActionDimension> dims = env.spec().world().actions().dimensions();
        int[] actions = new int[env.copies() * env.agents() * dims.size()];
        while (System.nanoTime() < end) {
          for (int i = 0; i < actions.length; i++) {
            actions[i] = rng.nextInt(dims.get(i % dims.size()).numValues());
          }
          long t0 = System.nanoTime();
          env.step(actions);
          long dt = System.nanoTime() - t0;
          series.record(dt);
          stats.record(dt);
        }
      } catch (KindredException e) {
        failed(stats, series, e.code());
      } catch (RuntimeException e) {
        failed(stats, series, e.getClass().getSimpleName());
      } finally {
        if (env != null) {
          try {
            env.close();
          } catch (RuntimeException e) {
            failed(stats, series, "close: " + (e instanceof KindredException k ? k.code() : e.getClass().getSimpleName()));
          }
        }
      }
    }
    if (client != null) {
      client.close();
    }
  }

  private static void failed(Stats stats, Series series, String code) {
    series.error(code);
    stats.error(code);
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- figures -----------------------------------------------------------------------------

  /** Latencies and errors of some steps. */
  static final class Series {
    final LatencyHistogram latency = new LatencyHistogram();
    final Map<String, LongAdder> errors = new ConcurrentHashMap<>();

    void record(long nanos) {
      latency.record(nanos);
    }

    void error(String code) {
      errors.computeIfAbsent(code, k -> new LongAdder()).increment();
    }

    Map<String, Long> errorCounts() {
      Map<String, Long> m = new TreeMap<>();
      errors.forEach((k, v) -> m.put(k, v.sum()));
      return m;
    }
  }

  /** The whole run, by world and mode, and the current report period. */
  static final class Stats {
    final Series total = new Series();
    final Map<String, Series> byCase = new ConcurrentHashMap<>();
    private volatile Series current = new Series();
    private long lastNanos = System.nanoTime();
    double periodSeconds;

    Series series(String name) {
      return byCase.computeIfAbsent(name, k -> new Series());
    }

    void record(long nanos) {
      total.record(nanos);
      current.record(nanos);
    }

    void error(String code) {
      total.error(code);
      current.error(code);
    }

    /** The period just ended (samples racing the switch may land in either period). */
    Series interval() {
      Series ended = current;
      current = new Series();
      long now = System.nanoTime();
      periodSeconds = (now - lastNanos) / 1e9;
      lastNanos = now;
      return ended;
    }
  }

  private static String header() {
    return String.format(Locale.ROOT, "%-16s %8s %12s %9s %9s %9s %9s %9s  %s", "row", "t_s", "steps_per_s",
        "p50_ms", "p99_ms", "max_ms", "heap_mib", "rss_mib", "errors");
  }

  /**
   * Prints one row.
   *
   * @param period the stats holding the period's length, for rows over time; null for whole-run rows
   */
  private static void report(LoadOptions o, PrintStream out, PrintStream table, Series s, String row, double t,
      Stats period) {
    double seconds = period != null ? period.periodSeconds : t;
    long steps = s.latency.count();
    double rate = steps / Math.max(seconds, 1e-9);
    long heap = heapAfterGcMib();
    long rss = rssMib();
    Map<String, Long> errors = s.errorCounts();
    table.println(String.format(Locale.ROOT, "%-16s %8.1f %12.1f %9.3f %9.3f %9.3f %9d %9d  %s", row, t, rate,
        s.latency.quantileNanos(0.5) / 1e6, s.latency.quantileNanos(0.99) / 1e6, s.latency.maxNanos() / 1e6,
        heap, rss, errors.isEmpty() ? "0" : errors.toString()));
    table.flush();
    if (o.json()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("row", row);
      m.put("t_s", t);
      m.put("seconds", seconds);
      m.put("steps", steps);
      m.put("steps_per_s", rate);
      m.put("p50_ms", s.latency.quantileNanos(0.5) / 1e6);
      m.put("p99_ms", s.latency.quantileNanos(0.99) / 1e6);
      m.put("max_ms", s.latency.maxNanos() / 1e6);
      m.put("errors", errors);
      m.put("heap_after_gc_mib", heap);
      m.put("rss_mib", rss);
      m.put("clients", o.clients());
      m.put("copies", o.copies());
      m.put("server", o.target() == null ? "in this JVM" : o.target());
      out.println(JsonLines.write(m));
      out.flush();
    }
  }

  private static long heapAfterGcMib() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
  }

  /** Resident memory of this process from /proc (Linux); -1 elsewhere. */
  static long rssMib() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
      return lines.filter(l -> l.startsWith("VmRSS:")).findFirst()
          .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) >> 10).orElse(-1L);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static String human(Duration d) {
    long s = d.toSeconds();
    return s % 60 == 0 ? (s / 60) + " min" : s + " s";
  }
}
