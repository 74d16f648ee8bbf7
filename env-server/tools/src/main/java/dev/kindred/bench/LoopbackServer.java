package dev.kindred.bench;

import dev.kindred.env.WorldRegistry;
import dev.kindred.server.KindredServer;
import dev.kindred.server.ServerConfig;
import java.time.Duration;

/**
 * A Kindred server with the built-in worlds in this JVM, on a free loopback port: what
 * benchmarks and tests outside the server module start when they need a real gRPC endpoint,
 * without depending on the server's classes themselves.
 */
public final class LoopbackServer implements AutoCloseable {
  private final KindredServer server;

  private LoopbackServer(KindredServer server) {
    this.server = server;
  }

  /** Starts one with the server's default limits. */
  public static LoopbackServer start() {
    return start(ServerConfig.defaults().shutdownGrace());
  }

  /** Starts one whose shutdown lets calls in flight drain for at most {@code shutdownGrace}. */
  public static LoopbackServer start(Duration shutdownGrace) {
    return new LoopbackServer(KindredServer.start(ServerConfig.defaults().toBuilder().host("127.0.0.1").port(0)
        .shutdownGrace(shutdownGrace).build(), WorldRegistry.builtIn()));
  }

  /** {@code 127.0.0.1:PORT}, for a client to connect to. */
  public String address() {
    return "127.0.0.1:" + server.port();
  }

  public int port() {
    return server.port();
  }

  /** Shuts down gracefully (within the grace period) and frees the port. */
  @Override
  public void close() {
    server.close();
  }
}
