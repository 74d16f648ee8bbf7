package dev.kindred.local;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Nested;

/**
 * The conformance suite (and the end-to-end test, {@code endToEndOverTcp}) against the real
 * server over TCP, both transports. Skipped while {@code dev.kindred.server} is not on the
 * class path (it is being written on another branch).
 */
class RemoteConformanceTest {

  abstract static class OverRealServer extends RemoteConformanceBase {
    private RealServer server;

    @Override
    protected int startServer() throws Exception {
      Assumptions.assumeTrue(RealServer.available(),
          "dev.kindred.server.KindredServer is not here yet: the remote conformance suite needs the server merge");
      server = RealServer.start(registry());
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
