package dev.kindred.server;

import static dev.kindred.server.Harness.assertStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.client.ClientOptions;
import dev.kindred.client.KindredClient;
import dev.kindred.client.RemoteVectorEnv;
import dev.kindred.env.SessionOptions;
import dev.kindred.proto.v1.StepRequest;
import dev.kindred.proto.v1.StepResponse;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Finding 3: no work starts for a call that is past its deadline (also after it waited behind
 * another call), and a Step that carries expected_step is applied exactly once however often it
 * is retried.
 */
class ExactlyOnceStepTest {
  private final AtomicInteger stepped = new AtomicInteger();

  /** A counter world whose every copy step takes {@code millis}, counting the steps it takes. */
  private CounterVariant slow(long millis) {
    return new CounterVariant("test.slow", () -> {
      stepped.incrementAndGet();
      try {
        Thread.sleep(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
  }

  private static StepRequest step(String id, long expected) {
    return Harness.stepRequest(id, 1, 1).toBuilder().setExpectedStep(expected).build();
  }

  @Test
  void stepsPastTheirDeadlineAreNotAppliedLate() throws Exception {
    CounterVariant world = slow(300);
    try (Harness h = Harness.inProcess(Harness.testConfig().build(), world)) {
      String id = h.stub.createSession(Harness.create(1, 1).setWorldId(world.id()).build()).getSessionId();
      h.reset(id);
      // Five Steps, each with a deadline shorter than one step: they queue on the session.
      List<CompletableFuture<StepResponse>> calls = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        calls.add(CompletableFuture.supplyAsync(() -> h.stub.withDeadlineAfter(150, TimeUnit.MILLISECONDS)
            .step(Harness.stepRequest(id, 1, 1))));
      }
      for (CompletableFuture<StepResponse> c : calls) {
        Throwable t = assertThrows(Exception.class, () -> c.get(10, TimeUnit.SECONDS));
        assertEquals(Code.DEADLINE_EXCEEDED, ((StatusRuntimeException) t.getCause()).getStatus().getCode());
      }
      Thread.sleep(1_000); // what the server would still be computing for the four late ones
      assertTrue(stepped.get() <= 1, stepped.get() + " steps were taken for calls that had given up");
      long applied = h.step(id, 1, 1).getSessionStep() - 1;
      assertTrue(applied <= 1, applied + " of the five timed-out steps were applied");
    }
  }

  @Test
  void aRetriedStepIsAnsweredAgainWithoutSteppingTwice() {
    CounterVariant world = slow(0);
    try (Harness h = Harness.inProcess(Harness.testConfig().build(), world)) {
      String id = h.stub.createSession(Harness.create(1, 1).setWorldId(world.id()).build()).getSessionId();
      h.reset(id);
      StepResponse first = h.stub.step(step(id, 1));
      assertEquals(1, first.getSessionStep());
      assertEquals(first, h.stub.step(step(id, 1)), "a retry gets the same answer");
      assertEquals(1, stepped.get(), "a retry does not step");
      assertEquals(2, h.stub.step(step(id, 2)).getSessionStep());
      assertEquals(2, h.stub.step(step(id, 2)).getSessionStep());
      assertEquals(2, stepped.get());

      assertStatus(Code.FAILED_PRECONDITION, () -> h.stub.step(step(id, 5)), "expected_step", "expects step 5",
          "at step 2", "next Step produces step 3", "cannot be skipped");
      assertStatus(Code.FAILED_PRECONDITION, () -> h.stub.step(step(id, 1)), "expects step 1", "at step 2",
          "only the last Step's response is kept");
      // A Reset forgets the answer: a retry across it is refused, not answered with stale data.
      h.reset(id);
      assertStatus(Code.FAILED_PRECONDITION, () -> h.stub.step(step(id, 2)), "step 2's response is not kept");
      assertEquals(3, h.stub.step(step(id, 3)).getSessionStep());
      // Without expected_step a Step is applied as it always was.
      assertEquals(4, h.step(id, 1, 1).getSessionStep());
      assertEquals(4, stepped.get());
    }
  }

  @Test
  void theJavaClientRetriesAStepThatTimedOutExactlyOnce() {
    CounterVariant world = slow(600);
    try (Harness h = Harness.inProcess(Harness.testConfig().build(), world);
        KindredClient client = KindredClient.wrap(h.channel, "in-process",
            ClientOptions.builder().deadline(Duration.ofMillis(450)).build());
        RemoteVectorEnv env = client.make(world.id(), Map.of(), 1, 1,
            SessionOptions.builder().streaming(false).build())) {
      env.reset();
      // The first attempt times out while the server applies it; the retry gets its answer.
      assertEquals(1, env.step(new int[] {1, 1}).sessionStep());
      assertEquals(1, stepped.get(), "the step was applied twice");
      assertEquals(2, env.step(new int[] {1, 1}).sessionStep());
    }
  }
}
