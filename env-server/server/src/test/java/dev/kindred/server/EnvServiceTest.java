package dev.kindred.server;

import static dev.kindred.server.Harness.assertStatus;
import static dev.kindred.server.Harness.create;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.build.BuildInfo;
import dev.kindred.env.CounterWorld;
import dev.kindred.proto.v1.AutoresetMode;
import dev.kindred.proto.v1.CloseSessionRequest;
import dev.kindred.proto.v1.CloseSessionResponse;
import dev.kindred.proto.v1.CreateSessionResponse;
import dev.kindred.proto.v1.GetServerInfoRequest;
import dev.kindred.proto.v1.ListWorldsRequest;
import dev.kindred.proto.v1.ListWorldsResponse;
import dev.kindred.proto.v1.ResetRequest;
import dev.kindred.proto.v1.ServerInfo;
import dev.kindred.proto.v1.StepResponse;
import io.grpc.Status.Code;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The EnvService over an in-process transport: good requests and every kind of bad one. */
class EnvServiceTest extends InProcessTest {
  // ---- good paths ---------------------------------------------------------------------------

  @Test
  void serverInfoReportsVersionProtocolLimitsAndWorlds() {
    ServerInfo info = h.stub.getServerInfo(GetServerInfoRequest.getDefaultInstance());
    assertEquals(BuildInfo.current().codeVersion(), info.getServerVersion());
    assertEquals("kindred.v1", info.getProtocol());
    assertEquals(256, info.getLimits().getMaxSessions());
    assertEquals(65_536, info.getLimits().getMaxCopiesPerSession());
    assertEquals(64L << 20, info.getLimits().getMaxMessageBytes());
    assertEquals(600, info.getLimits().getSessionIdleTimeoutSeconds());
    assertEquals(List.of(CounterWorld.ID), info.getWorldIdsList());
  }

  @Test
  void listWorldsDescribesSchemaAndDefaults() {
    ListWorldsResponse r = h.stub.listWorlds(ListWorldsRequest.getDefaultInstance());
    assertEquals(1, r.getWorldsCount());
    assertEquals(CounterWorld.ID, r.getWorlds(0).getId());
    assertEquals(2.0, r.getWorlds(0).getDefaultConfig().getFieldsOrThrow("agents").getNumberValue());
    assertEquals(3, r.getWorlds(0).getParametersCount());
  }

  @Test
  void createResetStepClose() {
    CreateSessionResponse created = h.stub.createSession(create(3, 42).build());
    String id = created.getSessionId();
    assertTrue(id.matches("[0-9a-f]{32}"), id);
    assertEquals(3, created.getSpec().getNumCopies());
    assertEquals(2, created.getSpec().getNumAgents());
    assertEquals(5.0, created.getSpec().getConfig().getFieldsOrThrow("max_steps").getNumberValue());
    StepResponse reset = h.reset(id);
    assertEquals(2, reset.getObservationsCount());
    assertEquals(3 * 2 * 2 * 4, reset.getObservations(0).getData().size());
    assertEquals(0, reset.getSessionStep());
    StepResponse step = h.step(id, 2, 2, 1, 1, 0, 0);
    assertEquals(1, step.getSessionStep());
    assertEquals(3 * 2 * 4, step.getRewards().size());
    CloseSessionResponse closed = h.stub.closeSession(CloseSessionRequest.newBuilder().setSessionId(id).build());
    assertEquals(1, closed.getSessionSteps());
    assertEquals(0, h.server.sessions().size());
  }

  @Test
  void zeroCopiesMeansOne() {
    CreateSessionResponse r = h.stub.createSession(create(0, 1).build());
    assertEquals(1, r.getSpec().getNumCopies());
  }

  @Test
  void sessionIdsDiffer() {
    assertNotEquals(h.session(1, 1), h.session(1, 1));
  }

  @Test
  void sameSeedSameTrajectory() {
    String a = h.session(4, 9);
    String b = h.session(4, 9);
    assertEquals(Harness.trajectory(h.stub, a, 4, 9, 12), Harness.trajectory(h.stub, b, 4, 9, 12));
  }

  // ---- bad input ----------------------------------------------------------------------------

  @Test
  void unknownWorld() {
    assertStatus(Code.NOT_FOUND, () -> h.stub.createSession(create(1, 1).setWorldId("no.such").build()),
        "unknown world 'no.such'", CounterWorld.ID);
    assertStatus(Code.INVALID_ARGUMENT, () -> h.stub.createSession(create(1, 1).setWorldId("").build()),
        "world_id", CounterWorld.ID);
  }

  @Test
  void unknownSession() {
    String id = "0123456789abcdef0123456789abcdef";
    assertStatus(Code.NOT_FOUND, () -> h.step(id, 1, 1), "session '" + id + "' not found", "expire after 600 s idle");
    assertStatus(Code.NOT_FOUND, () -> h.reset(id), "not found");
    assertStatus(Code.NOT_FOUND,
        () -> h.stub.closeSession(CloseSessionRequest.newBuilder().setSessionId(id).build()), "not found");
  }

  @Test
  void malformedSessionId() {
    assertStatus(Code.INVALID_ARGUMENT, () -> h.step("", 1, 1), "session_id", "empty", "32 lower-case hex digits");
    assertStatus(Code.INVALID_ARGUMENT, () -> h.step("not-a-session", 1, 1), "session_id", "'not-a-session'",
        "32 lower-case hex digits");
    assertStatus(Code.INVALID_ARGUMENT, () -> h.reset("0123456789ABCDEF0123456789ABCDEF"), "session_id");
  }

  @Test
  void unknownConfigKey() {
    assertStatus(Code.INVALID_ARGUMENT,
        () -> h.session(1, 1, AutoresetMode.AUTORESET_NEXT_STEP, Map.of("bogus", 1)),
        "config.bogus", "unknown configuration key", "agents, max_steps, terminate_at");
  }

  @Test
  void wrongConfigType() {
    assertStatus(Code.INVALID_ARGUMENT,
        () -> h.session(1, 1, AutoresetMode.AUTORESET_NEXT_STEP, Map.of("agents", "two")),
        "config.agents", "expected an integer", "'two'");
    assertStatus(Code.INVALID_ARGUMENT,
        () -> h.session(1, 1, AutoresetMode.AUTORESET_NEXT_STEP, Map.of("agents", 1.5)),
        "config.agents", "expected an integer");
  }

  @Test
  void outOfRangeConfigValue() {
    assertStatus(Code.INVALID_ARGUMENT,
        () -> h.session(1, 1, AutoresetMode.AUTORESET_NEXT_STEP, Map.of("agents", 1000)),
        "config.agents", "out of range", "64");
  }

  @Test
  void unknownObservation() {
    assertStatus(Code.INVALID_ARGUMENT,
        () -> h.stub.createSession(create(1, 1).addObservations("colour").build()),
        "observations", "'colour'", "position, total");
    assertEquals(0, h.server.sessions().size());
  }

  @Test
  void unknownAutoresetMode() {
    assertStatus(Code.INVALID_ARGUMENT,
        () -> h.stub.createSession(create(1, 1).setAutoresetValue(99).build()), "autoreset", "99");
  }

  @Test
  void wrongNumberOfActions() {
    String id = h.session(2, 1);
    h.reset(id);
    assertStatus(Code.INVALID_ARGUMENT, () -> h.step(id, 1, 1, 1), "actions", "got 12 bytes", "expected 16",
        "2 copies x 2 agents x 1 action dimensions x 4 bytes");
    assertStatus(Code.INVALID_ARGUMENT, () -> h.step(id), "actions", "got 0 bytes", "expected 16");
    assertEquals(1, h.step(id, 1, 1, 1, 1).getSessionStep(), "rejected steps must not count");
  }

  @Test
  void outOfRangeAction() {
    String id = h.session(2, 1);
    h.reset(id);
    assertStatus(Code.INVALID_ARGUMENT, () -> h.step(id, 1, 1, 1, 3), "actions", "copy 1, agent 1",
        "dimension 'move' has value 3", "expected 0 <= value < 3");
    assertStatus(Code.INVALID_ARGUMENT, () -> h.step(id, -1, 1, 1, 1), "actions", "value -1");
  }

  @Test
  void stepBeforeReset() {
    String id = h.session(1, 1);
    assertStatus(Code.FAILED_PRECONDITION, () -> h.step(id, 1, 1), "copy 0 has not been reset", "call Reset");
  }

  @Test
  void stepClosedSession() {
    String id = h.session(1, 1);
    h.reset(id);
    h.stub.closeSession(CloseSessionRequest.newBuilder().setSessionId(id).build());
    assertStatus(Code.NOT_FOUND, () -> h.step(id, 1, 1), "not found", "it was closed");
    assertStatus(Code.NOT_FOUND,
        () -> h.stub.closeSession(CloseSessionRequest.newBuilder().setSessionId(id).build()), "not found");
  }

  @Test
  void tooManySessions() {
    try (Harness small = Harness.inProcess(Harness.testConfig().maxSessions(2).build())) {
      String first = small.session(1, 1);
      small.session(1, 1);
      assertStatus(Code.RESOURCE_EXHAUSTED, () -> small.session(1, 1), "limit of 2 sessions", "--max-sessions",
          "CloseSession");
      small.stub.closeSession(CloseSessionRequest.newBuilder().setSessionId(first).build());
      small.session(1, 1); // the closed session's slot is free again
    }
  }

  @Test
  void sessionsBeyondTheLimitBuildNoWorld() {
    CounterVariant counting = new CounterVariant("test.counting", () -> { });
    try (Harness small = Harness.inProcess(Harness.testConfig().maxSessions(1).build(), counting)) {
      small.stub.createSession(create(4, 1).setWorldId(counting.id()).build());
      int built = counting.built.get();
      for (int i = 0; i < 3; i++) {
        assertStatus(Code.RESOURCE_EXHAUSTED,
            () -> small.stub.createSession(create(4, 1).setWorldId(counting.id()).build()), "limit of 1 sessions");
      }
      assertEquals(built, counting.built.get(), "worlds built for refused sessions");
    }
  }

  @Test
  void tooManyCopies() {
    try (Harness small = Harness.inProcess(Harness.testConfig().maxCopiesPerSession(8).build())) {
      small.session(8, 1);
      assertStatus(Code.RESOURCE_EXHAUSTED, () -> small.session(9, 1), "num_copies", "9", "limit of 8",
          "--max-copies");
      // uint32 values beyond int range are too many, not negative
      assertStatus(Code.RESOURCE_EXHAUSTED, () -> small.session(-1, 1), "num_copies", "4294967295");
    }
  }

  @Test
  void messageTooLargeAtCreate() {
    try (Harness small = Harness.inProcess(Harness.testConfig().maxMessageBytes(64 * 1024).build())) {
      small.session(100, 1);
      assertStatus(Code.RESOURCE_EXHAUSTED, () -> small.session(5000, 1), "num_copies", "Step response",
          "message limit of 65536 bytes", "--max-message-mb");
      // Requesting fewer observations makes the response smaller: the hint is actionable.
      assertStatus(Code.RESOURCE_EXHAUSTED, () -> small.stub.createSession(create(20_000, 1).build()),
          "message limit");
      assertEquals(1, small.server.sessions().size());
    }
  }

  @Test
  void resetCopyIndexOutOfRange() {
    String id = h.session(2, 1);
    assertStatus(Code.INVALID_ARGUMENT,
        () -> h.stub.reset(ResetRequest.newBuilder().setSessionId(id).addCopies(2).build()),
        "copies", "copy index 2 is out of range", "expected 0 <= copy < 2");
    assertStatus(Code.INVALID_ARGUMENT,
        () -> h.stub.reset(ResetRequest.newBuilder().setSessionId(id).addCopies(-1).build()),
        "copies", "out of range", "expected 0 <= copy < 2");
    assertStatus(Code.INVALID_ARGUMENT,
        () -> h.stub.reset(ResetRequest.newBuilder().setSessionId(id).addCopies(0).addCopies(0).build()),
        "copies", "listed twice");
    // Nothing was reset by the rejected calls.
    assertStatus(Code.FAILED_PRECONDITION, () -> h.step(id, 1, 1, 1, 1), "has not been reset");
  }

  @Test
  void autoresetDisabledSteppingEndedCopy() {
    String id = h.session(2, 5, AutoresetMode.AUTORESET_DISABLED, Map.of("max_steps", 1));
    h.reset(id);
    StepResponse ended = h.step(id, 1, 1, 1, 1);
    assertEquals(1, ended.getTruncated().byteAt(0));
    assertEquals(2, ended.getEpisodesCount());
    assertStatus(Code.FAILED_PRECONDITION, () -> h.step(id, 1, 1, 1, 1), "copy 0", "autoreset is disabled",
        "call Reset");
    h.stub.reset(ResetRequest.newBuilder().setSessionId(id).addCopies(0).addCopies(1).build());
    assertEquals(2, h.step(id, 1, 1, 1, 1).getSessionStep());
  }

  @Test
  void unexpectedFailureIsInternalAndServerSurvives() {
    CounterVariant exploding = new CounterVariant("test.exploding", () -> {
      throw new IllegalStateException("boom");
    });
    try (Harness x = Harness.inProcess(Harness.testConfig().build(), exploding)) {
      String id = x.stub.createSession(create(1, 1).setWorldId(exploding.id()).build()).getSessionId();
      x.reset(id);
      assertStatus(Code.INTERNAL, () -> x.step(id, 1, 1), "internal server error in Step", "error id");
      assertEquals("kindred.v1", x.stub.getServerInfo(GetServerInfoRequest.getDefaultInstance()).getProtocol());
      String ok = x.session(1, 1);
      x.reset(ok);
      assertEquals(1, x.step(ok, 1, 1).getSessionStep());
    }
  }

  @Test
  void idleSessionsExpire() {
    try (Harness x = Harness.inProcess(Harness.testConfig().sessionIdleTimeout(Duration.ofMillis(100)).build())) {
      String idle = x.session(1, 1);
      String busy = x.session(1, 1);
      x.reset(busy);
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (x.server.sessions().size() > 1 && System.nanoTime() < deadline) {
        x.step(busy, 1, 1);
        sleep(20);
      }
      assertStatus(Code.NOT_FOUND, () -> x.reset(idle), "not found", "expire after 0.100 s idle");
      x.step(busy, 1, 1);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
