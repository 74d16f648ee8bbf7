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

  private static Held held() {
    CounterWorld.Type t = new CounterWorld.Type();
    return new Held(new BatchedEnv(t.create(t.schema().defaults(), 1), Autoreset.NEXT_STEP, 1, List.of()));
  }

  private Session<Held> open(SessionKind<Held> kind, String prefix) {
    try (SessionRegistry.Reservation<Held> slot = registry.reserve(kind, prefix, CounterWorld.ID, "test")) {
      return slot.open(held());
    }
  }

  @Test
  void kindsShareTheLimitButNotTheirLookups() {
    Session<Held> a = open(A, "");
    Session<Held> b = open(B, "w-");
    assertTrue(a.id().matches("[0-9a-f]{32}"), a.id());
    assertTrue(b.id().matches("w-[0-9a-f]{16}"), b.id());
    EnvException full = assertThrows(EnvException.class, () -> registry.reserve(A, "", "x", "t"));
    assertEquals(EnvException.Kind.RESOURCE_EXHAUSTED, full.kind());
    assertEquals("this server already holds its limit of 2 sessions; close some a, wait for idle ones to expire "
        + "(after 600 s idle), or restart the server with a larger --max-sessions", full.getMessage());
    assertTrue(assertThrows(EnvException.class, () -> registry.reserve(B, "w-", "x", "t")).getMessage()
        .contains("close some b"));

    assertSame(a, registry.find(A, a.id()));
    assertNull(registry.find(B, a.id()), "a lookup of one kind finds no session of another");
    assertNull(registry.find(A, b.id()));
    assertEquals(1, registry.size(A));
    assertEquals(2, registry.size());
  }

  @Test
  void aReservationHoldsASlotThatNoLookupFinds() {
    SessionRegistry.Reservation<Held> slot = registry.reserve(A, "", "x", "t");
    assertNull(registry.find(A, slot.id()));
    assertEquals(0, registry.size());
    open(A, "");
    assertThrows(EnvException.class, () -> registry.reserve(B, "", "x", "t"), "the reservation counts");
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
}
