package dev.kindred.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code kindred serve} flags. (How a usage error is reported, exit codes and typo suggestions
 * are the command line's conventions, tested with the top-level command in the tools module.)
 */
class CommandLineTest {

  private static ServerConfig parse(String... args) {
    ServeCommand command = new ServeCommand();
    new CommandLine(command).parseArgs(args);
    return command.config();
  }

  @Test
  void defaultsWithoutFlags() {
    assertEquals(ServerConfig.defaults(), parse());
    assertEquals(50051, ServerConfig.defaults().port());
  }

  @Test
  void everyFlag() {
    ServerConfig c = parse("--port", "0", "--host=127.0.0.1", "--max-sessions", "3", "--max-copies=17",
        "--max-message-mb", "8", "--idle-timeout-s", "30", "--step-threads", "2");
    assertEquals(0, c.port());
    assertEquals("127.0.0.1", c.host());
    assertEquals(3, c.maxSessions());
    assertEquals(17, c.maxCopiesPerSession());
    assertEquals(8 << 20, c.maxMessageBytes());
    assertEquals(Duration.ofSeconds(30), c.sessionIdleTimeout());
    assertEquals(2, c.stepThreads());
    ServerConfig secure = parse("--tls-cert", "a.pem", "--tls-key", "a.key", "--tls-client-ca", "ca.pem",
        "--token-file", "tokens.txt", "--disconnect-grace-s", "0", "--principal-quota", "sessions=2 cells=1000");
    assertEquals(java.nio.file.Path.of("a.pem"), secure.tlsCert());
    assertEquals(java.nio.file.Path.of("a.key"), secure.tlsKey());
    assertEquals(java.nio.file.Path.of("ca.pem"), secure.tlsClientCa());
    assertEquals(java.nio.file.Path.of("tokens.txt"), secure.tokenFile());
    assertEquals(Duration.ZERO, secure.disconnectGrace());
    ServerConfig limits = parse("--data-dir", "data", "--max-file-mb", "2", "--max-world-mb", "3",
        "--max-call-work", "1000", "--creation-threads", "1", "--creation-queue", "0");
    assertEquals(java.nio.file.Path.of("data"), limits.dataDir());
    assertEquals(2L << 20, limits.maxDataFileBytes());
    assertEquals(3L << 20, limits.maxWorldBytes());
    assertEquals(1000, limits.maxCallWork());
    assertEquals(1, limits.creationThreads());
    assertEquals(0, limits.creationQueue());
    ServerConfig recording = parse("--record-dir", "replays", "--max-recording-mb", "5");
    assertEquals(java.nio.file.Path.of("replays"), recording.recordDir());
    assertEquals(5L << 20, recording.maxRecordingBytes());
    assertEquals(null, ServerConfig.defaults().recordDir());
    assertEquals("sessions=2 copies=unlimited cells=1000 creations=8", secure.principalQuota().toString());
    CommandLine cl = new CommandLine(new ServeCommand());
    cl.parseArgs("--port", "1", "--help");
    assertTrue(cl.isUsageHelpRequested());
  }

  @Test
  void badFlagsAreUsageErrors() {
    assertUsage("'--bogus'", "--bogus", "1");
    assertUsage("--port", "--port", "abc");
    assertUsage("--port must be between 0 and 65535, got 70000", "--port", "70000");
    assertUsage("--max-message-mb must be between 1 and 2047", "--max-message-mb", "0");
    assertUsage("--max-sessions", "--max-sessions");
    assertUsage("--host needs an address", "--host", " ");
    assertUsage("--max-recording-mb must be between 1 and 1048576, got 0", "--max-recording-mb", "0");
    assertUsage("'serve'", "serve");
    assertUsage("--tls-cert and --tls-key go together; got only --tls-cert", "--tls-cert", "a.pem");
    assertUsage("is not a quota", "--principal-quota", "bogus=1");
    assertUsage("--max-world-mb must be between 1", "--max-world-mb", "0");
    assertUsage("--disconnect-grace-s must be between 0", "--disconnect-grace-s", "-1");
  }

  private void assertUsage(String message, String... args) {
    CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class, () -> parse(args));
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  @Test
  void helpListsEveryFlagWithItsDefault() {
    String u = new CommandLine(new ServeCommand()).getUsageMessage().replaceAll("\\s+", " "); // unwrapped
    for (String s : new String[] {"--port=N", "(default 50051)", "--host=ADDR", "(default 127.0.0.1",
        "--max-sessions=N", "(default 256)", "--max-copies=N", "(default 65536)", "--max-message-mb=N",
        "(default 64", "--idle-timeout-s=N", "(default 600)", "--step-threads=N",
        "(default " + ServerConfig.DEFAULT_STEP_THREADS + ": one per", "--token-file=FILE", "--tls-cert=PEM",
        "--tls-key=PEM", "--tls-client-ca=PEM", "--data-dir=DIR", "--max-file-mb=N", "(default 64)",
        "--max-world-mb=N", "(default 1024)", "--max-call-work=N", "(default 10000000000)", "--creation-threads=N",
        "--creation-queue=N", "--disconnect-grace-s=N", "(default 10)", "--principal-quota=",
        "(default 'sessions=64 copies=unlimited cells=unlimited creations=8')", "--record-dir=DIR",
        "--max-recording-mb=N", "(default 16)", "--help"}) {
      assertTrue(u.contains(s), "usage lacks '" + s + "':\n" + u);
    }
  }
}
