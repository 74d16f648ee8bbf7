package dev.kindred.local;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Nested;

/**
 * The remote conformance suite against {@link ReferenceEnvService} (a minimal protocol
 * implementation over BatchedEnv) on a real TCP socket: proves the client's encoding and
 * decoding independently of the real server. Streaming and unary transports.
 */
class ReferenceRemoteConformanceTest {
  static Server start() throws Exception {
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new ReferenceEnvService(VectorEnvConformance.registry())).build().start();
  }

  abstract static class OverReference extends RemoteConformanceBase {
    private Server server;

    @Override
    protected int startServer() throws Exception {
      server = start();
      return server.getPort();
    }

    @Override
    protected void stopServer() {
      if (server != null) {
        server.shutdownNow();
      }
    }
  }

  @Nested
  class Streaming extends OverReference {
    @Override
    protected boolean streaming() {
      return true;
    }
  }

  @Nested
  class Unary extends OverReference {
    @Override
    protected boolean streaming() {
      return false;
    }
  }
}
