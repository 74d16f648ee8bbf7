package dev.kindred.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code kindred serve} flags and the top-level dispatch. */
class CommandLineTest {
  private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
  private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
  private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

  private String out() {
    return outBytes.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return errBytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void defaultsWithoutFlags() throws Exception {
    assertEquals(ServerConfig.defaults(), ServeCommand.parse(new String[0]));
    assertEquals(50051, ServerConfig.defaults().port());
  }

  @Test
  void everyFlag() throws Exception {
    ServerConfig c = ServeCommand.parse(new String[] {"--port", "0", "--host=127.0.0.1", "--max-sessions", "3",
        "--max-copies=17", "--max-message-mb", "8", "--idle-timeout-s", "30"});
    assertEquals(0, c.port());
    assertEquals("127.0.0.1", c.host());
    assertEquals(3, c.maxSessions());
    assertEquals(17, c.maxCopiesPerSession());
    assertEquals(8 << 20, c.maxMessageBytes());
    assertEquals(Duration.ofSeconds(30), c.sessionIdleTimeout());
    assertNull(ServeCommand.parse(new String[] {"--port", "1", "--help"}));
  }

  @Test
  void badFlagsAreUsageErrors() {
    assertUsage("unknown flag '--bogus'", "--bogus", "1");
    assertUsage("--port expects an integer, got 'abc'", "--port", "abc");
    assertUsage("--port must be between 0 and 65535, got 70000", "--port", "70000");
    assertUsage("--max-message-mb must be between 1 and 2047", "--max-message-mb", "0");
    assertUsage("--max-sessions needs a value", "--max-sessions");
    assertUsage("unexpected argument 'serve'", "serve");
  }

  private void assertUsage(String message, String... args) {
    ServeCommand.UsageException e = assertThrows(ServeCommand.UsageException.class, () -> ServeCommand.parse(args));
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  @Test
  void badFlagExitsWithTwoAndUsageOnStderr() {
    assertEquals(2, ServeCommand.run(new String[] {"--port", "x"}, out, err));
    assertTrue(err().contains("kindred serve: --port expects an integer"), err());
    assertTrue(err().contains("Usage: kindred serve"), err());
    assertEquals("", out());
  }

  @Test
  void helpListsEveryFlagWithItsDefault() {
    assertEquals(0, ServeCommand.run(new String[] {"--help"}, out, err));
    String u = out();
    for (String s : new String[] {"--port N", "(default 50051)", "--host ADDR", "(default 0.0.0.0",
        "--max-sessions N", "(default 256)", "--max-copies N", "(default 65536)", "--max-message-mb N",
        "(default 64", "--idle-timeout-s N", "(default 600)", "--help"}) {
      assertTrue(u.contains(s), "usage lacks '" + s + "':\n" + u);
    }
  }
}
