package dev.kindred.server;

import static dev.kindred.server.Harness.assertStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kindred.proto.v1.CloseSessionRequest;
import dev.kindred.proto.v1.EnvServiceGrpc;
import dev.kindred.proto.v1.ResetRequest;
import dev.kindred.proto.v1.StepRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sessions belong to the principal that created them: a session id is no bearer token. To any
 * other principal a session is NOT_FOUND with exactly the message of an id that never existed,
 * so that nobody can tell whether an id is in use.
 */
class OwnershipTest {
  static final String ALICE_1 = "alice-token-0123456789abcdef";
  static final String ALICE_2 = "alice-token-fedcba9876543210";
  static final String BOB = "bob-token-00112233445566778899";
  /** An id of the right form that the server never handed out. */
  private static final String NEVER = "0123456789abcdef0123456789abcdef";

  @TempDir
  Path dir;

  static Path tokenFile(Path dir, String... lines) throws IOException {
    Path f = dir.resolve("tokens.txt");
    Files.write(f, List.of(lines));
    return f;
  }

  /** Asserts that {@code call(id)} for another's session fails exactly as for an id that never existed. */
  private static void indistinguishable(String theirs, Function<String, Executable> call) {
    String missing = assertStatus(Status.Code.NOT_FOUND, call.apply(NEVER)).getStatus().getDescription();
    String hidden = assertStatus(Status.Code.NOT_FOUND, call.apply(theirs)).getStatus().getDescription();
    assertEquals(missing.replace(NEVER, theirs), hidden);
  }

  @Test
  void anotherConnectionCannotStepResetOrCloseASession() throws Exception {
    try (Harness h = Harness.inProcess()) {
      String mine = h.session(2, 7);
      h.reset(mine);
      ManagedChannel channel = h.newChannel();
      try {
        EnvServiceGrpc.EnvServiceBlockingStub other = EnvServiceGrpc.newBlockingStub(channel);
        indistinguishable(mine, id -> () -> other.step(Harness.stepRequest(id, 1, 1, 1, 1)));
        indistinguishable(mine, id -> () -> other.reset(ResetRequest.newBuilder().setSessionId(id).build()));
        indistinguishable(mine, id -> () -> other.closeSession(CloseSessionRequest.newBuilder().setSessionId(id).build()));

        QueueObserver<dev.kindred.proto.v1.StepResponse> c = new QueueObserver<>();
        StreamObserver<StepRequest> requests = EnvServiceGrpc.newStub(channel).stepStream(c);
        requests.onNext(Harness.stepRequest(mine, 1, 1, 1, 1));
        Status end = c.await();
        assertEquals(Status.Code.NOT_FOUND, end.getCode(), end.toString());
        assertEquals(0, c.responses.size());
        // Its own sessions work as ever.
        String own = other.createSession(Harness.create(1, 3).build()).getSessionId();
        other.reset(ResetRequest.newBuilder().setSessionId(own).build());
        other.step(Harness.stepRequest(own, 1, 1));
      } finally {
        channel.shutdownNow();
      }
      // The owner's session is untouched: its first step is step 1.
      assertEquals(1, h.step(mine, 1, 1, 1, 1).getSessionStep());
      h.stub.closeSession(CloseSessionRequest.newBuilder().setSessionId(mine).build());
    }
  }

  @Test
  void withTokensThePrincipalOwnsSessionsOverAnyConnection() throws Exception {
    Path tokens = tokenFile(dir, ALICE_1 + " alice", ALICE_2 + " alice", BOB + " bob");
    try (Harness h = Harness.inProcess(Harness.testConfig().tokenFile(tokens).build())) {
      ManagedChannel alice1 = h.newChannel(ALICE_1);
      ManagedChannel alice2 = h.newChannel(ALICE_2);
      ManagedChannel bob = h.newChannel(BOB);
      try {
        String id = EnvServiceGrpc.newBlockingStub(alice1).createSession(Harness.create(1, 5).build()).getSessionId();
        // Alice's other connection, with her other token, is Alice.
        EnvServiceGrpc.EnvServiceBlockingStub a2 = EnvServiceGrpc.newBlockingStub(alice2);
        a2.reset(ResetRequest.newBuilder().setSessionId(id).build());
        assertEquals(1, a2.step(Harness.stepRequest(id, 1, 1)).getSessionStep());
        // Bob is not.
        EnvServiceGrpc.EnvServiceBlockingStub b = EnvServiceGrpc.newBlockingStub(bob);
        indistinguishable(id, s -> () -> b.step(Harness.stepRequest(s, 1, 1)));
        indistinguishable(id, s -> () -> b.closeSession(CloseSessionRequest.newBuilder().setSessionId(s).build()));
        assertEquals(1, a2.closeSession(CloseSessionRequest.newBuilder().setSessionId(id).build()).getSessionSteps());
      } finally {
        alice1.shutdownNow();
        alice2.shutdownNow();
        bob.shutdownNow();
      }
    }
  }
}
