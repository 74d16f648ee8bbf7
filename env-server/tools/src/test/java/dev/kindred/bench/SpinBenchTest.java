package dev.kindred.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

/** Smoke tests: the command runs and its output is well formed. No timing assertions. */
class SpinBenchTest {

  @Test
  void quickJsonRowsParseAndHavePositiveMedians() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream saved = System.out;
    int code;
    try (PrintStream capture = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      System.setOut(capture);
      code = Cli.execute(Cli.commandLine(new SpinBench()), System.out, System.err, "--quick", "--json");
    } finally {
      System.setOut(saved);
    }
    assertEquals(0, code, "exit code");
    List<JsonObject> rows = new ArrayList<>();
    for (String line : bytes.toString(StandardCharsets.UTF_8).split("\n")) {
      if (!line.isBlank()) {
        rows.add(JsonParser.parseString(line).getAsJsonObject()); // stdout is pure JSON lines
      }
    }
    List<String> names = rows.stream().map(r -> r.get("name").getAsString()).toList();
    assertEquals(SpinBench.rowNames("--quick"), names);
    assertTrue(names.containsAll(List.of("spin.lattice.async", "spin.lattice.sweep", "spin.lattice.sync",
        "spin.lattice.checkerboard", "spin.lattice.local", "spin.lattice.grpc.unary", "spin.lattice.grpc.stream")));
    for (JsonObject r : rows) {
      String name = r.get("name").getAsString();
      assertEquals("spin_updates_per_s", r.get("unit").getAsString(), name);
      double median = r.get("median").getAsDouble();
      assertTrue(median > 0, name + " median " + median);
      assertTrue(r.get("min").getAsDouble() <= median && median <= r.get("max").getAsDouble(), name);
      assertEquals(2, r.get("runs").getAsInt(), name);
      assertEquals(2, r.getAsJsonArray("values").size(), name);
      for (String key : List.of("version", "java", "cores", "timestamp", "config")) {
        assertTrue(r.has(key), name + " has " + key);
      }
      assertTrue(r.getAsJsonObject("config").has("world"), name);
      JsonObject extra = r.getAsJsonObject("extra");
      List<String> keys = name.contains("grpc") ? List.of("steps_per_s", "p50_ms", "p99_ms", "vs_local")
          : name.endsWith(".local") ? List.of("steps_per_s", "p50_ms", "p99_ms")
          : List.of("ns_per_update", "coupling_terms_per_s");
      for (String key : keys) {
        assertTrue(extra.has(key) && extra.get(key).getAsDouble() > 0, name + " extra " + key);
      }
    }
  }

  @Test
  void tableWithoutJsonAndHelp() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
        "--quick", "--only", "checkerboard");
    assertEquals(0, code);
    String table = out.toString(StandardCharsets.UTF_8);
    assertTrue(table.contains("spin.lattice.checkerboard"), table);
    assertFalse(table.contains("spin.lattice.async"), table);
    assertTrue(table.lines().anyMatch(l -> l.startsWith("name") && l.contains("median")), table);

    ByteArrayOutputStream help = new ByteArrayOutputStream();
    assertEquals(0, run(new PrintStream(help, true, StandardCharsets.UTF_8), System.err, "--help"));
    assertTrue(help.toString(StandardCharsets.UTF_8).contains("--sweeps-per-step"));
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
    assertEquals(2, run(System.out, quiet, "--bogus"));
    assertEquals(2, run(System.out, quiet, "--size", "15"));
    assertEquals(2, run(System.out, quiet, "--runs", "0"));
  }

  private static int run(PrintStream out, PrintStream err, String... args) {
    return Cli.execute(Cli.commandLine(new SpinBench()), out, err, args);
  }

  @Test
  void quickChangesDefaultsAndFlagsOverrideThem() {
    assertEquals(List.of("spin.sk32.async"), SpinBench.rowNames("--quick", "--only", "sk"));
    assertEquals(List.of("spin.sk1024.async"), SpinBench.rowNames("--only", "SK"));
    assertEquals(List.of("spin.sk64.async"), SpinBench.rowNames("--quick", "--sk-n", "64", "--only", "sk"));
    assertEquals(List.of("spin.lattice.sweep", "spin.lattice.checkerboard"),
        SpinBench.rowNames("--no-grpc", "--only", "sweep", "--only", "checker"));
  }

  private static java.util.Map<String, Object> json() {
    java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("a", 1);
    m.put("b", new double[] {1.5, Double.NaN});
    m.put("c", "x\"y<&>");
    m.put("d", List.of(3.0, 2.5e-7, 1e20, Double.POSITIVE_INFINITY));
    m.put("e", null);
    m.put("f", java.util.Map.of("g", 7L));
    m.put("h", true);
    return m;
  }

  @Test
  void harnessStatistics() {
    assertEquals(2.0, BenchHarness.median(new double[] {3, 1, 2}), 0.0);
    assertEquals(2.5, BenchHarness.median(new double[] {4, 1, 2, 3}), 0.0);
    long[] lat = {5, 1, 4, 2, 3, 10, 9, 8, 7, 6};
    assertEquals(5.0, BenchHarness.quantile(lat, 10, 0.5), 0.0);
    assertEquals(10.0, BenchHarness.quantile(lat, 10, 0.99), 0.0);
    assertEquals("{\"a\":1,\"b\":[1.5,null],\"c\":\"x\\\"y<&>\",\"d\":[3,2.5e-7,1.0e20,null],\"e\":null,"
        + "\"f\":{\"g\":7},\"h\":true}", JsonLines.write(json()));
  }
}
