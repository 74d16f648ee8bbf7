package dev.kindred.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.Autoreset;
import dev.kindred.env.BatchedEnv;
import dev.kindred.env.CounterWorld;
import dev.kindred.env.EnvException;
import dev.kindred.server.EnvSessions.EnvSession;
import dev.kindred.server.core.Caller;
import dev.kindred.server.core.Principal;
import dev.kindred.server.core.Quota;
import dev.kindred.server.core.SessionRegistry;
import dev.kindred.server.core.SessionRegistry.Closed;
import dev.kindred.server.core.SessionRegistry.Reservation;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Session limits, idle expiry with an injected clock, and the close-versus-call race. */
class EnvSessionsTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final SessionRegistry registry = new SessionRegistry(3, Duration.ofSeconds(600), now::get);
  private final EnvSessions manager = new EnvSessions(registry);
  private final Principal me = Principal.connection(1, "test", Quota.NONE);
  private final Caller caller = new Caller(me, null);

  private static EnvSession env() {
    CounterWorld.Type t = new CounterWorld.Type();
    return new EnvSession(new BatchedEnv(t.create(t.schema().defaults(), 1), Autoreset.NEXT_STEP, 1, List.of()),
        false);
  }

  private String create() {
    try (Reservation<EnvSession> slot = manager.reserve(CounterWorld.ID, "test", caller, 1)) {
      return slot.open(env()).id();
    }
  }

  @Test
  void idleSessionsExpireAfterTheTimeout() {
    String idle = create();
    String used = create();
    now.addAndGet(Duration.ofSeconds(500).toNanos());
    manager.withSession(me, used, s -> s.env().reset(null, null));
    now.addAndGet(Duration.ofSeconds(100).toNanos());
    assertEquals(0, registry.expireIdle(), "exactly at the timeout is not yet idle");
    now.addAndGet(1);
    assertEquals(1, registry.expireIdle());
    EnvException e = assertThrows(EnvException.class, () -> manager.withSession(me, idle, x -> x));
    assertEquals(EnvException.Kind.NOT_FOUND, e.kind());
    assertTrue(e.getMessage().contains("expire after 600 s idle"), e.getMessage());
    manager.withSession(me, used, x -> x); // still there
    now.addAndGet(Duration.ofSeconds(601).toNanos());
    assertEquals(1, registry.expireIdle());
    assertEquals(0, manager.size());
  }

  @Test
  void limitCountsSessionsAndFreesSlotsOnClose() {
    String a = create();
    create();
    create();
    EnvException e = assertThrows(EnvException.class, this::create);
    assertEquals(EnvException.Kind.RESOURCE_EXHAUSTED, e.kind());
    manager.close(me, a);
    create();
    assertEquals(3, manager.size());
  }

  @Test
  void failedCreationFreesItsSlot() {
    for (int i = 0; i < 5; i++) {
      assertThrows(EnvException.class, () -> {
        try (Reservation<EnvSession> slot = manager.reserve("x", "t", caller, 1)) {
          throw EnvException.invalid("config.x", "bad");
        }
      });
    }
    create();
    create();
    create();
  }

  @Test
  void closeWaitsForACallInProgressAndLaterCallsAreNotFound() throws Exception {
    String id = create();
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<Long> call = CompletableFuture.supplyAsync(() -> manager.withSession(me, id, s -> {
      BatchedEnv e = s.env();
      inside.countDown();
      try {
        release.await();
      } catch (InterruptedException ex) {
        throw new RuntimeException(ex);
      }
      e.reset(null, null);
      return e.step(new int[] {1, 1}).sessionStep();
    }));
    assertTrue(inside.await(5, TimeUnit.SECONDS));
    CompletableFuture<Closed> close = CompletableFuture.supplyAsync(() -> manager.close(me, id));
    Thread.sleep(50);
    assertTrue(!close.isDone(), "close must wait for the call holding the session");
    now.addAndGet(Duration.ofSeconds(601).toNanos());
    assertEquals(0, registry.expireIdle(), "the sweeper skips sessions in use, however long ago they started");
    release.countDown();
    assertEquals(1L, call.get(5, TimeUnit.SECONDS));
    assertEquals(1L, close.get(5, TimeUnit.SECONDS).steps());
    EnvException e = assertThrows(EnvException.class, () -> manager.withSession(me, id, x -> x));
    assertEquals(EnvException.Kind.NOT_FOUND, e.kind());
  }

  @Test
  void idsAreValidated() {
    assertEquals(EnvException.Kind.INVALID_ARGUMENT,
        assertThrows(EnvException.class, () -> EnvSessions.checkId(null)).kind());
    assertThrows(EnvException.class, () -> EnvSessions.checkId("abc"));
    assertThrows(EnvException.class, () -> EnvSessions.checkId("g123456789abcdef0123456789abcdef"));
    EnvSessions.checkId("0123456789abcdef0123456789abcdef");
    assertTrue(create().matches("[0-9a-f]{32}"));
  }
}
