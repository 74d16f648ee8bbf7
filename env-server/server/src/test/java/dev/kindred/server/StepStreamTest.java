package dev.kindred.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.proto.v1.StepRequest;
import dev.kindred.proto.v1.StepResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** StepStream: ordered responses, pipelining, and a bad request that ends only its stream. */
class StepStreamTest extends InProcessTest {
  @Test
  void pipelinedStreamMatchesUnarySteps() throws Exception {
    int copies = 3;
    long seed = 11;
    int steps = 50;
    String unary = h.session(copies, seed);
    List<StepResponse> expected = Harness.trajectory(h.stub, unary, copies, seed, steps);

    String streamed = h.session(copies, seed);
    QueueObserver<StepResponse> c = new QueueObserver<>();
    List<StepResponse> got = new ArrayList<>();
    got.add(h.reset(streamed));
    StreamObserver<StepRequest> requests = h.async.stepStream(c);
    for (int k = 0; k < steps; k++) { // all sent before any is read
      requests.onNext(Harness.stepRequest(streamed, Harness.actionsFor(seed, k, copies * Harness.AGENTS)));
    }
    requests.onCompleted();
    assertEquals(Status.Code.OK, c.await().getCode());
    got.addAll(c.responses);
    assertEquals(expected, got);
  }

  /**
   * A client that finishes sending while its last Step is still being answered (here on a worker:
   * the session's first step, held at a gate) gets that answer, then the stream's OK end.
   */
  @Test
  void finishingWhileTheLastStepIsAnsweredStillGetsItsAnswer() throws Exception {
    GatedWorld gated = new GatedWorld("gated");
    try (Harness g = Harness.inProcess(Harness.testConfig().build(), gated.type)) {
      String id = g.stub.createSession(dev.kindred.proto.v1.CreateSessionRequest.newBuilder().setWorldId("gated")
          .setNumCopies(1).setSeed(1).build()).getSessionId();
      g.reset(id);
      gated.shut();
      QueueObserver<StepResponse> c = new QueueObserver<>();
      StreamObserver<StepRequest> requests = g.async.stepStream(c);
      requests.onNext(Harness.stepRequest(id, 2, 2));
      assertTrue(gated.waiting.await(QueueObserver.TIMEOUT_S, java.util.concurrent.TimeUnit.SECONDS));
      requests.onCompleted(); // while the step waits at the gate
      gated.open();
      assertEquals(Status.Code.OK, c.await().getCode());
      assertEquals(1, c.responses.size());
      assertEquals(1, c.responses.get(0).getSessionStep());
    }
  }

  @Test
  void badRequestEndsStreamButSessionStaysUsable() throws Exception {
    String id = h.session(2, 3);
    h.reset(id);
    QueueObserver<StepResponse> c = new QueueObserver<>();
    StreamObserver<StepRequest> requests = h.async.stepStream(c);
    requests.onNext(Harness.stepRequest(id, 1, 1, 1, 1));
    requests.onNext(Harness.stepRequest(id, 1, 1, 1)); // wrong length
    requests.onNext(Harness.stepRequest(id, 1, 1, 1, 1)); // after the error: never answered
    Status end = c.await();
    assertEquals(Status.Code.INVALID_ARGUMENT, end.getCode());
    assertNotNull(end.getDescription());
    assertTrue(end.getDescription().contains("actions") && end.getDescription().contains("expected 16"),
        end.getDescription());
    assertEquals(1, c.responses.size());
    requests.onCompleted();

    // The session is where the good request left it.
    assertEquals(2, h.step(id, 1, 1, 1, 1).getSessionStep());
    QueueObserver<StepResponse> again = new QueueObserver<>();
    StreamObserver<StepRequest> r2 = h.async.stepStream(again);
    r2.onNext(Harness.stepRequest(id, 2, 2, 2, 2));
    r2.onCompleted();
    assertEquals(Status.Code.OK, again.await().getCode());
    assertEquals(3, again.responses.get(0).getSessionStep());
  }

  @Test
  void unknownSessionInStreamIsNotFound() throws Exception {
    QueueObserver<StepResponse> c = new QueueObserver<>();
    StreamObserver<StepRequest> requests = h.async.stepStream(c);
    requests.onNext(Harness.stepRequest("0123456789abcdef0123456789abcdef", 1, 1));
    Status end = c.await();
    assertEquals(Status.Code.NOT_FOUND, end.getCode());
    assertTrue(end.getDescription().contains("expire after 600 s idle"), end.getDescription());
  }

  @Test
  void streamCanDriveSeveralSessions() throws Exception {
    String a = h.session(1, 1);
    String b = h.session(1, 2);
    h.reset(a);
    h.reset(b);
    QueueObserver<StepResponse> c = new QueueObserver<>();
    StreamObserver<StepRequest> requests = h.async.stepStream(c);
    requests.onNext(Harness.stepRequest(a, 2, 2));
    requests.onNext(Harness.stepRequest(b, 0, 0));
    requests.onNext(Harness.stepRequest(a, 2, 2));
    requests.onCompleted();
    assertEquals(Status.Code.OK, c.await().getCode());
    assertEquals(List.of(1L, 1L, 2L), c.responses.stream().map(StepResponse::getSessionStep).toList());
  }
}
