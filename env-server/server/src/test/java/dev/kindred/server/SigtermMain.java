package dev.kindred.server;

import java.time.Duration;

/**
 * A server process for {@link ErrorsAndLogsTest}: the counter world on a free loopback port,
 * closed by a shutdown hook as {@code kindred serve} closes it, so that a real SIGTERM can be
 * sent. Prints {@code port=N} once listening.
 *
 * <p>Arguments: the shutdown grace in milliseconds.
 */
final class SigtermMain {
  private SigtermMain() {}

  public static void main(String[] args) {
    ServerConfig config = ServerConfig.builder().host("127.0.0.1").port(0)
        .shutdownGrace(Duration.ofMillis(Long.parseLong(args[0]))).build();
    KindredServer server = KindredServer.start(config, Harness.registry());
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "kindred-shutdown"));
    System.out.println("port=" + server.port());
    System.out.flush();
    server.blockUntilShutdown();
  }
}
