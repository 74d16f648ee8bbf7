package dev.kindred.env;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A failing copy in a parallel step: the call fails only once every copy stepping in parallel
 * has finished, so nothing writes into the shared buffers after the failure is reported; and
 * which steps are split at all.
 */
class BatchedEnvParallelStepTest {
  private static final int COPIES = 4;

  private final ForkJoinPool pool = new ForkJoinPool(COPIES);
  private final AtomicInteger finished = new AtomicInteger();

  @AfterEach
  void stop() throws InterruptedException {
    pool.shutdownNow();
    pool.awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void failureOnTheCallingThreadWaitsForTheOtherCopies() {
    // Copy 0 is the calling thread's; the other copies step on the pool and take a while.
    RuntimeException boom = new IllegalStateException("copy 0 fails");
    BatchedEnv env = env(copy -> copy == 0 ? boom : null, copy -> copy == 0 ? 0 : 200);
    RuntimeException e = assertThrows(RuntimeException.class, () -> env.step(new int[COPIES * 2]));
    assertSame(boom, e);
    assertEquals(COPIES - 1, finished.get(), "copies still stepping after the call failed");
  }

  @Test
  void failureOnAPoolThreadWaitsForTheOtherCopies() {
    BatchedEnv env = env(copy -> copy == 1 ? new IllegalStateException("copy 1 fails") : null,
        copy -> copy == COPIES - 1 ? 300 : 0);
    RuntimeException e = assertThrows(RuntimeException.class, () -> env.step(new int[COPIES * 2]));
    // ForkJoinTask.join may rethrow a copy that names the original.
    assertTrue(e.getMessage().contains("copy 1 fails"), e.getMessage());
    assertEquals(COPIES - 1, finished.get(), "copies still stepping after the call failed");
  }

  /**
   * A step is split over the pool only when the copies' previous step took at least the given
   * work in all (here 50 ms, so that a cold JVM's quick steps stay far below it): the first step
   * is split (nothing is known yet), a quick one is followed by steps on the calling thread alone,
   * and once steps take long again (each copy sleeps 20 ms) the step after the first long one is
   * split.
   */
  @Test
  void aStepIsSplitOnlyWhenThePreviousOneTookLong() {
    java.util.Set<Thread> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
    int[] delayMs = {0};
    BatchedEnv env = env(copy -> {
      threads.add(Thread.currentThread());
      return null;
    }, copy -> delayMs[0], 50_000_000L);
    Thread caller = Thread.currentThread();
    java.util.function.Supplier<java.util.Set<Thread>> step = () -> {
      threads.clear();
      env.step(new int[COPIES * 2]);
      return java.util.Set.copyOf(threads);
    };
    assertTrue(step.get().size() > 1, "the first step is split");
    assertEquals(java.util.Set.of(caller), step.get(), "after a quick step: the calling thread alone");
    assertEquals(java.util.Set.of(caller), step.get());
    delayMs[0] = 20;
    assertEquals(java.util.Set.of(caller), step.get(), "decided by the quick step before it");
    assertTrue(step.get().size() > 1, "after a long step: split");
    delayMs[0] = 0;
    step.get(); // split (the one before was long), and quick
    assertEquals(java.util.Set.of(caller), step.get(), "after a quick split step: the calling thread alone");
  }

  /** Counter copies that, when stepped, sleep {@code delayMs(copy)} and then throw {@code failure(copy)}. */
  private BatchedEnv env(IntFunction<RuntimeException> failure, IntFunction<Integer> delayMs) {
    return env(failure, delayMs, 0);
  }

  private BatchedEnv env(IntFunction<RuntimeException> failure, IntFunction<Integer> delayMs, long minWorkNanos) {
    CounterWorld.Type type = new CounterWorld.Type();
    World inner = type.create(type.schema().defaults(), COPIES);
    World world = new World() {
      @Override
      public WorldSpec spec() {
        return inner.spec();
      }

      @Override
      public int copies() {
        return COPIES;
      }

      @Override
      public void reset(int copy, long seed, WorldBuffers out) {
        inner.reset(copy, seed, out);
      }

      @Override
      public void step(int copy, WorldBuffers io) {
        try {
          Thread.sleep(delayMs.apply(copy));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        RuntimeException f = failure.apply(copy);
        if (f != null) {
          throw f;
        }
        inner.step(copy, io);
        finished.incrementAndGet();
      }

      @Override
      public void episodeStats(int copy, double[] agentStats, double[] copyStats) {
        inner.episodeStats(copy, agentStats, copyStats);
      }
    };
    BatchedEnv env = new BatchedEnv(world, Autoreset.NEXT_STEP, 1, List.of()).stepCopiesOn(pool, minWorkNanos);
    env.reset(null, null);
    return env;
  }
}
