package dev.kindred.env;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A call cancelled while the world moves stops between copies, and leaves the session in a state
 * that says what happened: the copies it touched must be Reset, and a Reset brings them back.
 */
class BatchedEnvCancellationTest {
  private static final int COPIES = 4;

  /** Lets {@code allowed} checks pass, then cancels every check. */
  private static final class CancelAfter implements Cancellation {
    final AtomicInteger left;
    final AtomicInteger checks = new AtomicInteger();

    CancelAfter(int allowed) {
      left = new AtomicInteger(allowed);
    }

    @Override
    public void check() {
      checks.incrementAndGet();
      if (left.getAndDecrement() <= 0) {
        throw new KindredException("CANCELLED", "the call was cancelled");
      }
    }
  }

  private static BatchedEnv env(Cancellation c) {
    CounterWorld.Type t = new CounterWorld.Type();
    return new BatchedEnv(t.create(t.schema().resolve(Map.of("max_steps", 100)), COPIES), Autoreset.NEXT_STEP, 7,
        List.of()).cancelOn(c);
  }

  @Test
  void aCancelledStepStopsBetweenCopiesAndAbandonsTheEpisodes() {
    CancelAfter cancel = new CancelAfter(COPIES + 2); // the reset, then two copies of the step
    BatchedEnv env = env(cancel);
    env.reset(null, null);
    KindredException e = assertThrows(KindredException.class, () -> env.step(new int[COPIES * 2]));
    assertEquals("CANCELLED", e.code());
    assertEquals(COPIES + 3, cancel.checks.get(), "the step went on after the cancellation");
    assertEquals(0, env.sessionStep());
    EnvException next = assertThrows(EnvException.class, () -> env.step(new int[COPIES * 2]));
    assertEquals(EnvException.Kind.FAILED_PRECONDITION, next.kind());
    assertTrue(next.getMessage().contains("abandoned") && next.getMessage().contains("call Reset"),
        next.getMessage());

    cancel.left.set(Integer.MAX_VALUE);
    env.reset(null, null);
    assertEquals(1, env.step(new int[COPIES * 2]).sessionStep());
  }

  @Test
  void aCancelledResetAbandonsTheCopiesItWasResetting() {
    CancelAfter cancel = new CancelAfter(COPIES + 1);
    BatchedEnv env = env(cancel);
    env.reset(null, null);
    assertThrows(KindredException.class, () -> env.reset(null, new int[] {1, 2}));
    cancel.left.set(Integer.MAX_VALUE);
    EnvException next = assertThrows(EnvException.class, () -> env.step(new int[COPIES * 2]));
    assertTrue(next.getMessage().startsWith("copy 1's episode was abandoned"), next.getMessage());
    env.reset(null, new int[] {1, 2});
    assertEquals(1, env.step(new int[COPIES * 2]).sessionStep());
  }

  @Test
  void requestedObservationsAreCheckedWithoutAnEnvironment() {
    CounterWorld.Type t = new CounterWorld.Type();
    WorldSpec spec = t.create(t.schema().defaults(), 1).spec();
    assertEquals(spec.observations(), BatchedEnv.requestedObservations(spec, List.of()));
    String first = spec.observations().get(0).name();
    assertEquals(List.of(spec.observations().get(0)), BatchedEnv.requestedObservations(spec, List.of(first)));
    assertThrows(EnvException.class, () -> BatchedEnv.requestedObservations(spec, List.of("nope")));
  }
}
