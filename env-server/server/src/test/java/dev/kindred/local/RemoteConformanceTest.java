package dev.kindred.local;

import dev.kindred.server.KindredServer;
import dev.kindred.server.ServerConfig;
import org.junit.jupiter.api.Nested;

/**
 * The conformance suite (and the end-to-end test, {@code endToEndOverTcp}) against the real
 * server over a TCP socket on loopback, with both transports.
 */
class RemoteConformanceTest {

  abstract static class OverRealServer extends RemoteConformanceBase {
    private KindredServer server;

    @Override
    protected int startServer() {
      server = KindredServer.start(ServerConfig.defaults().toBuilder().host("127.0.0.1").port(0).build(), registry());
      return server.port();
    }

    @Override
    protected void stopServer() {
      if (server != null) {
        server.close();
      }
    }
  }

  @Nested
  class Streaming extends OverRealServer {
    @Override
    protected boolean streaming() {
      return true;
    }
  }

  @Nested
  class Unary extends OverRealServer {
    @Override
    protected boolean streaming() {
      return false;
    }
  }
}
