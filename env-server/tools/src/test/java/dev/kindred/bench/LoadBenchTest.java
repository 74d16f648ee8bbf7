package dev.kindred.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.cli.support.Cli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A few seconds of load on a server in this JVM: every world and mode, no errors, rows as JSON. */
class LoadBenchTest {

  @Test
  void aShortRunStepsEveryCombinationWithoutErrors() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = run(new String[] {"--clients", "4", "--seconds", "3", "--report-seconds", "1", "--copies",
        "2", "--json"}, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true,
        StandardCharsets.UTF_8));
    String table = err.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, table);
    List<String> rows = out.toString(StandardCharsets.UTF_8).lines().toList();
    for (String name : List.of("energy.stream", "energy.unary", "spin.stream", "spin.unary", "total")) {
      String row = rows.stream().filter(r -> r.startsWith("{\"row\":\"" + name + "\"")).findFirst()
          .orElseThrow(() -> new AssertionError("no row " + name + " in " + rows));
      assertTrue(row.contains("\"errors\":{}") && !row.contains("\"steps\":0,"), row);
    }
    assertTrue(rows.stream().filter(r -> r.startsWith("{\"row\":\"interval\"")).count() >= 2, rows::toString);
    assertTrue(table.contains("OK: "), table);
  }

  @Test
  void badFlagsAreExitCodeTwo() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
    assertEquals(2, run(new String[] {"--worlds", "chess"}, System.out, e));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown world 'chess'"));
    assertEquals(2, run(new String[] {"--clients", "0"}, System.out, e));
  }

  private static int run(String[] args, PrintStream out, PrintStream err) {
    return Cli.execute(Cli.commandLine(new LoadBench.LoadCommand()), out, err, args);
  }

  @Test
  void histogramQuantilesAreWithinThreePercent() {
    LatencyHistogram h = new LatencyHistogram();
    for (long v = 1; v <= 100_000; v++) {
      h.record(v * 1000); // 1 us .. 100 ms
    }
    assertEquals(100_000, h.count());
    assertEquals(100_000_000L, h.maxNanos());
    assertEquals(50_000_000, h.quantileNanos(0.5), 50_000_000 * 0.03);
    assertEquals(99_000_000, h.quantileNanos(0.99), 99_000_000 * 0.03);
    assertEquals(100_000_000, h.quantileNanos(1.0), 1e-9);
    for (long v : new long[] {0, 1, 31, 32, 33, 63, 64, 1000, 123_456_789, Long.MAX_VALUE / 4}) {
      long upper = LatencyHistogram.upperEdge(LatencyHistogram.index(v));
      assertTrue(upper >= v && upper <= v + v / 32 + 1, v + " -> " + upper);
    }
  }
}
