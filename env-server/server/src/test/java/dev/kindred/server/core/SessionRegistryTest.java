package dev.kindred.server.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.Autoreset;
import dev.kindred.env.BatchedEnv;
import dev.kindred.env.CounterWorld;
import dev.kindred.env.EnvException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** One registry for the sessions of every protocol: one limit, one idle timeout, separate lookups. */
class SessionRegistryTest {
  private record Held(BatchedEnv env) implements SessionState {}

  private static final SessionKind<Held> A = new SessionKind<>("a", 32, "close some a");
  private static final SessionKind<Held> B = new SessionKind<>("b", 16, "close some b");

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final SessionRegistry registry = new SessionRegistry(2, Duration.ofSeconds(600), now::get);
  private static final Principal ME = Principal.connection(1, "test", Quota.NONE);
  private static final Caller CALLER = new Caller(ME, null);

  private static Held held() {
    CounterWorld.Type t = new CounterWorld.Type();
    return new Held(new BatchedEnv(t.create(t.schema().defaults(), 1), Autoreset.NEXT_STEP, 1, List.of()));
  }

  private Session<Held> open(SessionKind<Held> kind, String prefix) {
    try (SessionRegistry.Reservation<Held> slot = registry.reserve(kind, prefix, CounterWorld.ID, "test", CALLER, 1)) {
      return slot.open(held());
    }
  }

  @Test
  void kindsShareTheLimitButNotTheirLookups() {
    Session<Held> a = open(A, "");
    Session<Held> b = open(B, "w-");
    assertTrue(a.id().matches("[0-9a-f]{32}"), a.id());
    assertTrue(b.id().matches("w-[0-9a-f]{16}"), b.id());
    EnvException full = assertThrows(EnvException.class, () -> registry.reserve(A, "", "x", "t", CALLER, 1));
    assertEquals(EnvException.Kind.RESOURCE_EXHAUSTED, full.kind());
    assertEquals("this server already holds its limit of 2 sessions; close some a, wait for idle ones to expire "
        + "(after 600 s idle), or restart the server with a larger --max-sessions", full.getMessage());
    assertTrue(assertThrows(EnvException.class, () -> registry.reserve(B, "w-", "x", "t", CALLER, 1)).getMessage()
        .contains("close some b"));

    assertSame(a, registry.find(A, a.id(), ME));
    assertNull(registry.find(B, a.id(), ME), "a lookup of one kind finds no session of another");
    assertNull(registry.find(A, b.id(), ME));
    assertEquals(1, registry.size(A));
    assertEquals(2, registry.size());
  }

  @Test
  void aReservationHoldsASlotThatNoLookupFinds() {
    SessionRegistry.Reservation<Held> slot = registry.reserve(A, "", "x", "t", CALLER, 1);
    assertNull(registry.find(A, slot.id(), ME));
    assertEquals(0, registry.size());
    open(A, "");
    assertThrows(EnvException.class, () -> registry.reserve(B, "", "x", "t", CALLER, 1), "the reservation counts");
    slot.close();
    open(B, "");
    assertEquals(2, registry.size());
  }

  @Test
  void closingNeedsTheSessionInUseAndFreesItsSlot() {
    Session<Held> a = open(A, "");
    assertThrows(IllegalStateException.class, () -> registry.close(a, "closed"));
    SessionRegistry.Closed c = registry.use(a, () -> new IllegalStateException("closed"), h -> {
      h.env().reset(null, null);
      h.env().step(new int[] {2, 2});
      return registry.close(a, "closed");
    });
    assertEquals(1, c.steps());
    EnvException gone = assertThrows(EnvException.class,
        () -> registry.use(a, () -> EnvException.notFound("gone"), h -> h));
    assertEquals("gone", gone.getMessage());
    registry.ifOpen(a, h -> {
      throw new AssertionError("ran on a closed session");
    });
    open(A, "");
    open(A, "");
  }

  @Test
  void idleSessionsOfEveryKindExpire() {
    Session<Held> a = open(A, "");
    open(B, "");
    now.addAndGet(Duration.ofSeconds(500).toNanos());
    registry.ifOpen(a, h -> { });
    now.addAndGet(Duration.ofSeconds(101).toNanos());
    assertEquals(1, registry.expireIdle());
    assertEquals(0, registry.size(B));
    assertEquals(1, registry.size(A));
    now.addAndGet(Duration.ofSeconds(601).toNanos());
    assertEquals(1, registry.expireIdle());
    assertEquals(0, registry.size());
  }

  // ---- owners, quotas, connections ------------------------------------------------------------

  private Session<Held> open(SessionRegistry r, Caller owner, int copies) {
    try (SessionRegistry.Reservation<Held> slot = r.reserve(A, "", CounterWorld.ID, "test", owner, copies)) {
      return slot.open(held());
    }
  }

  private static EnvException exhausted(Runnable call) {
    EnvException e = assertThrows(EnvException.class, call::run);
    assertEquals(EnvException.Kind.RESOURCE_EXHAUSTED, e.kind());
    return e;
  }

  @Test
  void onlyTheOwnerFindsASession() {
    Principal other = Principal.connection(2, "other", Quota.NONE);
    Session<Held> a = open(A, "");
    assertSame(a, registry.find(A, a.id(), ME));
    assertNull(registry.find(A, a.id(), other));
    // Same name, same principal (e.g. two connections presenting tokens of one principal).
    assertSame(a, registry.find(A, a.id(), new Principal(ME.name(), "again", Quota.NONE)));
  }

  @Test
  void quotasBoundEachPrincipalAndNameTheQuota() {
    SessionRegistry r = new SessionRegistry(100, Duration.ofSeconds(600), now::get);
    Principal small = Principal.token("small", Quota.parse("sessions=2 copies=5 cells=100"));
    Caller c = new Caller(small, null);
    Session<Held> first = open(r, c, 3);
    assertTrue(exhausted(() -> open(r, c, 3)).getMessage().startsWith("quota exceeded: principal 'small' holds 3 "
        + "copies and asks for 3 more, beyond its quota of 5 copies (copies=5)"));
    open(r, c, 2);
    String sessions = exhausted(() -> open(r, c, 1)).getMessage();
    assertTrue(sessions.startsWith("quota exceeded: principal 'small' already holds its quota of 2 sessions "
        + "(sessions=2)"), sessions);
    // Another principal is not held back by this one's quota.
    open(r, CALLER, 50);
    // Closing gives the quota back.
    r.use(first, IllegalStateException::new, h -> r.close(first, "closed"));
    try (SessionRegistry.Reservation<Held> slot = r.reserve(A, "", "x", "t", c, 1)) {
      slot.charge(40);
      String cells = exhausted(() -> slot.charge(70)).getMessage();
      assertTrue(cells.startsWith("quota exceeded: principal 'small' holds 40 cells and this session needs 70 more, "
          + "beyond its quota of 100 cells (cells=100;"), cells);
    }
    // The failed reservation gave everything back: a session of 100 cells fits.
    try (SessionRegistry.Reservation<Held> slot = r.reserve(A, "", "x", "t", c, 3)) {
      slot.charge(100);
      slot.open(held());
    }
  }

  @Test
  void creationsInProgressAreBounded() {
    Principal p = Principal.token("p", Quota.parse("creations=2"));
    Caller c = new Caller(p, null);
    SessionRegistry r = new SessionRegistry(10, Duration.ofSeconds(600), now::get);
    SessionRegistry.Reservation<Held> a = r.reserve(A, "", "x", "t", c, 1);
    SessionRegistry.Reservation<Held> b = r.reserve(A, "", "x", "t", c, 1);
    assertTrue(exhausted(() -> r.reserve(A, "", "x", "t", c, 1)).getMessage()
        .startsWith("quota exceeded: principal 'p' is already creating 2 sessions at once, its quota (creations=2)"));
    a.open(held()); // a finished creation no longer counts
    SessionRegistry.Reservation<Held> d = r.reserve(A, "", "x", "t", c, 1);
    b.close();
    d.close();
    assertEquals(1, r.size());
  }

  @Test
  void sessionsOfAClosedConnectionCloseAfterTheGraceUnlessTheirPrincipalIsBack() {
    Connections connections = new Connections(Quota.NONE, now::get);
    SessionRegistry r = new SessionRegistry(10, Duration.ofSeconds(600), Duration.ofSeconds(10), now::get);
    Connections.Connection gone = connections.open("client-1");
    Principal alice = Principal.token("alice", Quota.NONE);
    Session<Held> bound = open(r, new Caller(gone.principal(), gone), 1);
    Session<Held> detached = open(r, new Caller(gone.principal(), null), 1);
    Session<Held> alices = open(r, new Caller(alice, gone), 1);
    Session<Held> alicesDetached = open(r, new Caller(alice, null), 1);

    connections.close(gone);
    now.addAndGet(Duration.ofSeconds(9).toNanos());
    assertEquals(0, r.closeAbandoned(connections::liveConnectionOf), "not before the grace period");
    // Alice reconnects within the grace period (a call of hers over a new connection).
    Connections.Connection back = connections.open("client-2");
    back.calledBy(alice);
    now.addAndGet(Duration.ofSeconds(1).toNanos());
    assertEquals(1, r.closeAbandoned(connections::liveConnectionOf));
    assertNull(r.find(A, bound.id(), gone.principal()), "the connection's own session is closed");
    assertSame(detached, r.find(A, detached.id(), gone.principal()), "a detached session survives");
    assertSame(alices, r.find(A, alices.id(), alice), "Alice's session moved to her new connection");
    assertSame(alicesDetached, r.find(A, alicesDetached.id(), alice));

    // When Alice's new connection goes too, her bound session goes with it.
    connections.close(back);
    now.addAndGet(Duration.ofSeconds(10).toNanos());
    assertEquals(1, r.closeAbandoned(connections::liveConnectionOf));
    assertNull(r.find(A, alices.id(), alice));
    assertEquals(2, r.size());
  }

  /**
   * Where the next step runs is chosen by how long the session's steps take: unknown before the
   * first, the longest so far until there are four, then the shortest of the last four, so one
   * paused step does not count as a long session while four long ones in a row do.
   */
  @Test
  void typicalStepLengthIgnoresOnePauseButNotALongSession() {
    Session<Held> s = open(A, "");
    assertEquals(Long.MAX_VALUE, s.typicalStepNanos(), "before the first step");
    s.stepTook(300_000);
    s.stepTook(5_000_000);
    assertEquals(5_000_000, s.typicalStepNanos(), "fewer than four steps: the longest");
    s.stepTook(310_000);
    s.stepTook(290_000);
    assertEquals(290_000, s.typicalStepNanos(), "four steps: the shortest");
    s.stepTook(40_000_000); // a pause
    assertEquals(290_000, s.typicalStepNanos());
    for (int i = 0; i < Session.RECENT_STEPS - 2; i++) {
      s.stepTook(3_000_000 + i);
      assertEquals(290_000, s.typicalStepNanos(), "a short step among the last four");
    }
    s.stepTook(2_000_000);
    assertEquals(2_000_000, s.typicalStepNanos(), "the last four all long");
  }
}
