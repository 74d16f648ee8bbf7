package dev.kindred.crosslang;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.cli.support.Cli;
import dev.kindred.env.WorldRegistry;
import dev.kindred.server.KindredServer;
import dev.kindred.server.ServerConfig;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Java side of bench_clients.py: sessions kept open in one process, timed round by round on command. */
@Timeout(60)
class ClientBenchTest {

  private static List<String> run(int port, String script, int expectedExit) {
    ClientBench bench = new ClientBench();
    bench.in = new BufferedReader(new StringReader(script));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Cli.execute(Cli.commandLine(bench), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), "--target", "127.0.0.1:" + port, "--world", "spin.lattice",
        "--config", "{\"width\": 8, \"height\": 8, \"controlled\": [0, 9]}");
    String text = out.toString(StandardCharsets.UTF_8);
    assertEquals(expectedExit, code, text + err.toString(StandardCharsets.UTF_8));
    return text.lines().toList();
  }

  @Test
  void answersEveryCommandWithOneLineAndTimesRoundsOnOpenSessions() {
    try (KindredServer server = KindredServer.start(ServerConfig.defaults().withPort(0), WorldRegistry.builtIn())) {
      List<String> lines = run(server.port(), String.join("\n", "open s 3 stream", "open u 2 unary", "warmup s 5",
          "time s 10", "time u 10", "", "time s 4", "close u", "time s 4"), 0);
      assertEquals("ready " + ProcessHandle.current().pid(), lines.get(0));
      assertEquals(List.of("ok", "ok", "ok"), lines.subList(1, 4));
      for (int i : new int[] {4, 5, 6, 8}) {
        assertTrue(lines.get(i).matches("steps_per_s \\d+(\\.\\d+)?(E\\d+)?"), lines.get(i));
        assertTrue(Double.parseDouble(lines.get(i).split(" ")[1]) > 0, lines.get(i));
      }
      assertEquals("ok", lines.get(7));
      assertEquals(9, lines.size(), lines.toString());
    }
  }

  @Test
  void aBadCommandIsAPreciseErrorAndExitCode1() {
    try (KindredServer server = KindredServer.start(ServerConfig.defaults().withPort(0), WorldRegistry.builtIn())) {
      int port = server.port();
      assertEquals("error no open session named 'x' (open: [s])",
          run(port, "open s 1 stream\ntime x 5\ntime s 5", 1).get(2));
      assertEquals("error transport must be stream or unary, got 'tcp'", run(port, "open s 1 tcp", 1).get(1));
      assertEquals("error STEPS must be a positive integer, got '0'", run(port, "open s 1 unary\ntime s 0", 1).get(2));
      assertEquals("error usage: time NAME STEPS; got 'time s'", run(port, "open s 1 unary\ntime s", 1).get(2));
      assertEquals("error unknown command 'go' (open, warmup, time, close)", run(port, "go", 1).get(1));
      assertEquals("error a session named 's' is already open", run(port, "open s 1 unary\nopen s 1 stream", 1).get(2));
    }
  }
}
