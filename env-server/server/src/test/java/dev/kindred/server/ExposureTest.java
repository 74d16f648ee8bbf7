package dev.kindred.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The server warns when it can be reached beyond loopback without authentication. */
class ExposureTest {
  private static final Path CERT = Path.of("server.pem");
  private static final Path KEY = Path.of("server.key");

  @Test
  void bindsLoopbackUnlessTold() {
    assertEquals("127.0.0.1", ServerConfig.defaults().host());
    assertNull(KindredServer.exposureWarning(ServerConfig.defaults(), false));
  }

  @Test
  void warnsBeyondLoopbackWithoutAuthentication() {
    String open = KindredServer.exposureWarning(ServerConfig.builder().host("0.0.0.0").build(), false);
    assertTrue(open.startsWith("listening on 0.0.0.0 beyond loopback without authentication"), open);
    assertTrue(open.contains("--token-file"), open);
    String clear = KindredServer.exposureWarning(ServerConfig.builder().host("0.0.0.0").build(), true);
    assertTrue(clear.contains("tokens travel in the clear"), clear);
    assertNull(KindredServer.exposureWarning(ServerConfig.builder().host("0.0.0.0").tls(CERT, KEY).build(), true));
    assertNull(KindredServer.exposureWarning(ServerConfig.builder().host("0.0.0.0").tls(CERT, KEY)
        .tlsClientCa(CERT).build(), false), "client certificates authenticate");
    for (String loopback : new String[] {"127.0.0.1", "localhost", "::1", "127.0.0.2"}) {
      assertNull(KindredServer.exposureWarning(ServerConfig.builder().host(loopback).build(), false), loopback);
    }
  }
}
