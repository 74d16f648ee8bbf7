package dev.kindred.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A test class whose every test gets a fresh in-process server ({@link Harness#inProcess()}) as {@code h}. */
abstract class InProcessTest {
  Harness h;

  @BeforeEach
  void startServer() {
    h = Harness.inProcess();
  }

  @AfterEach
  void stopServer() {
    h.close();
  }
}
