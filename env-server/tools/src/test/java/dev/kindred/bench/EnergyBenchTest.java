package dev.kindred.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kindred.cli.support.Cli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Smoke tests of kindred bench energy: it runs and its output is well formed. No timing assertions. */
class EnergyBenchTest {

  @Test
  void quickJsonRowsParseWithTheirDetails() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String[] args = {"--quick", "--json", "--scenarios", "S3", "--grpc-scenarios", "S3"};
    int code = run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
        args);
    String log = err.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, log);
    List<JsonObject> rows = new ArrayList<>();
    for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
      if (!line.isBlank()) {
        rows.add(JsonParser.parseString(line).getAsJsonObject()); // stdout is pure JSON lines
      }
    }
    List<String> names = rows.stream().map(r -> r.get("name").getAsString()).toList();
    assertEquals(List.of("energy.S3.in-process", "energy.S3.tokens", "energy.S3.local", "energy.S3.grpc.unary",
        "energy.S3.grpc.stream", "energy.S3.grpc.pipelined2",
        "energy.S3.grpc.match2", "energy.S3.grpc.sharded2"), names);
    assertEquals(EnergyBench.rowNames(args), names);
    for (JsonObject r : rows) {
      String name = r.get("name").getAsString();
      assertEquals("agent_steps_per_s", r.get("unit").getAsString(), name);
      double median = r.get("median").getAsDouble();
      assertTrue(median > 0, name + " median " + median);
      assertTrue(r.get("min").getAsDouble() <= median && median <= r.get("max").getAsDouble(), name);
      assertEquals(2, r.get("runs").getAsInt(), name);
      JsonObject config = r.getAsJsonObject("config");
      assertEquals("energy.s3", config.get("world").getAsString(), name);
      assertEquals(5, config.get("agents").getAsInt(), name);
      JsonObject extra = r.getAsJsonObject("extra");
      List<String> keys = name.endsWith("in-process") ? List.of("ns_per_agent_step", "alloc_bytes_per_step")
          : name.endsWith("tokens") ? List.of("ns_per_agent_step", "alloc_bytes_per_step", "vs_grid")
          : name.endsWith("match2") ? List.of("steps_per_s", "p50_ms", "p99_ms", "vs_in_process",
              "vs_single_controller_stream", "slowest_seat_wait_p50_ms", "slowest_seat_wait_p99_ms")
          : name.endsWith("sharded2") ? List.of("steps_per_s", "p50_ms", "p99_ms", "vs_in_process", "vs_one_server_stream")
          : name.contains("grpc") ? List.of("steps_per_s", "p50_ms", "p99_ms", "vs_in_process")
          : List.of("steps_per_s", "p50_ms", "p99_ms");
      for (String key : keys) {
        assertTrue(extra.has(key), name + " extra " + key + ": " + extra);
      }
      if (extra.has("busy_cores")) {
        // Per-core figures (absent only when a run this short used less CPU than the clock's tick):
        // units per CPU-second of the whole process, and the cores it kept busy.
        double perCpu = extra.get("per_cpu_s").getAsDouble();
        double busy = extra.get("busy_cores").getAsDouble();
        assertTrue(perCpu > 0 && busy > 0 && busy < Runtime.getRuntime().availableProcessors() + 1, name + ": " + extra);
      }
      // No row is compared with a figure the run did not measure (docs/benchmarks.md, honest rows).
      assertTrue(!extra.has("vs_cpp") && !config.has("reference_cpp"), name + ": " + r);
    }
    assertTrue(log.contains("Goals (docs/benchmarks.md):"), log);
    assertTrue(log.contains("energy.S3.grpc.stream:") && log.contains("goal >= 0.50"), log);
    assertTrue(log.contains("energy.S3.grpc.unary:") && log.contains("goal >= 0.35"), log);
    assertTrue(log.contains("energy.S3.grpc.match2:") && log.contains("of one controller's stream"), log);
    assertTrue(log.contains("energy.S3.grpc.pipelined2:") && log.contains("one always in flight"), log);
    assertTrue(log.contains("energy.S3.grpc.sharded2:") && log.contains("of one server's stream"), log);
  }

  @Test
  void tableHelpAndBadFlags() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()),
        "--quick", "--only", "s3.in-process");
    assertEquals(0, code);
    String table = out.toString(StandardCharsets.UTF_8);
    assertTrue(table.contains("energy.S3.in-process"), table);
    assertTrue(!table.contains("energy.S1"), table);
    assertTrue(table.lines().anyMatch(l -> l.startsWith("name") && l.contains("median")), table);

    ByteArrayOutputStream help = new ByteArrayOutputStream();
    assertEquals(0, run(new PrintStream(help, true, StandardCharsets.UTF_8), System.err, "--help"));
    assertTrue(help.toString(StandardCharsets.UTF_8).contains("--copies"));
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
    assertEquals(2, run(System.out, quiet, "--bogus"));
    assertEquals(2, run(System.out, quiet, "--scenarios", "S9"));
    assertEquals(2, run(System.out, quiet, "--max-steps", "0"));
  }

  private static int run(PrintStream out, PrintStream err, String... args) {
    return Cli.execute(Cli.commandLine(new EnergyBench()), out, err, args);
  }

  @Test
  void rowSelection() {
    assertEquals(List.of("energy.S2.in-process", "energy.S2.tokens"),
        EnergyBench.rowNames("--scenarios", "s2", "--no-grpc"));
    assertEquals(List.of("energy.S1.in-process", "energy.S1.tokens", "energy.S1.in-process.recorded",
        "energy.S1.recording.cpu"), EnergyBench.rowNames("--scenarios", "s1", "--no-grpc"));
    assertEquals(List.of("energy.S1.in-process", "energy.S1.tokens"), EnergyBench.rowNames("--scenarios", "s1",
        "--no-grpc", "--no-recording"));
    assertEquals(List.of("energy.S1.grpc.unary", "energy.S1.grpc.stream", "energy.S1.grpc.pipelined2",
        "energy.S1.grpc.match2", "energy.S1.grpc.sharded2", "energy.S3.grpc.unary", "energy.S3.grpc.stream",
        "energy.S3.grpc.pipelined2", "energy.S3.grpc.match2", "energy.S3.grpc.sharded2"),
        EnergyBench.rowNames("--no-in-process", "--only", "GRPC"));
  }

  @Test
  void randomActionsAreValid() {
    int[][] t = EnergyBench.actionTable(64, 2, 5, 7);
    for (int[] row : t) {
      assertEquals(20, row.length);
      for (int i = 0; i < row.length; i += 2) {
        assertTrue(row[i] >= 0 && row[i] < EnergyBench.ARGUMENT_RANGE.length);
        assertTrue(row[i + 1] >= 0 && row[i + 1] < EnergyBench.ARGUMENT_RANGE[row[i]]);
      }
    }
  }

  @Test
  void perCoreFiguresDivideByTheProcessCpuTime() {
    java.util.Map<String, Double> m = new java.util.LinkedHashMap<>();
    SessionRows.cpuExtras(m, 3_000_000, 2.0, 1_500_000_000L); // 3 M units in 2 s wall, 1.5 s of CPU
    assertEquals(2_000_000, m.get("per_cpu_s"), 1e-6);
    assertEquals(0.75, m.get("busy_cores"), 1e-12);
    java.util.Map<String, Double> none = new java.util.LinkedHashMap<>();
    SessionRows.cpuExtras(none, 3_000_000, 2.0, 0);
    assertTrue(none.isEmpty(), "no CPU measured: no per-core figure rather than an infinite one");
    java.util.Map<String, Double> short_ = new java.util.LinkedHashMap<>();
    SessionRows.cpuExtras(short_, 30_000, 0.02, SessionRows.MIN_CPU_NANOS - 1);
    assertTrue(short_.isEmpty(), "less CPU than the clock resolves well: no per-core figure");
    assertTrue(SessionRows.processCpuNanos() > 0);
  }
}
