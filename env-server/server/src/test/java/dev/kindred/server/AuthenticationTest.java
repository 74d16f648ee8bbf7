package dev.kindred.server;

import static dev.kindred.server.Harness.assertStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.dmenv.proto.CreateWorldRequest;
import dev.kindred.dmenv.proto.EnvironmentGrpc;
import dev.kindred.dmenv.proto.EnvironmentRequest;
import dev.kindred.dmenv.proto.EnvironmentResponse;
import dev.kindred.proto.v1.EnvServiceGrpc;
import dev.kindred.proto.v1.ListWorldsRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Token authentication: every call of both protocols needs a token of the operator's file; health
 * checks need none; refusals never repeat the token; a token file with a mistake stops the server
 * at start with the line named.
 */
class AuthenticationTest {
  private static final String TOKEN = OwnershipTest.ALICE_1;

  @TempDir
  Path dir;

  private Harness withTokens() throws Exception {
    return Harness.inProcess(Harness.testConfig().tokenFile(OwnershipTest.tokenFile(dir, TOKEN + " alice")).build());
  }

  @Test
  void callsWithoutAValidTokenAreUnauthenticated() throws Exception {
    try (Harness h = withTokens()) {
      // The harness's own channel sends no token.
      assertStatus(Status.Code.UNAUTHENTICATED, () -> h.stub.listWorlds(ListWorldsRequest.getDefaultInstance()),
          "this server requires a token", "authorization: Bearer <token>");
      assertStatus(Status.Code.UNAUTHENTICATED, () -> h.stub.createSession(Harness.create(1, 1).build()));

      String wrong = "not-alices-token-but-close-0123";
      ManagedChannel bad = h.newChannel(wrong);
      Metadata basic = new Metadata();
      basic.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Basic " + TOKEN);
      ManagedChannel notBearer = InProcessChannelBuilder.forName(h.name)
          .intercept(MetadataUtils.newAttachHeadersInterceptor(basic)).build();
      ManagedChannel good = h.newChannel(TOKEN);
      try {
        StatusRuntimeException e = assertStatus(Status.Code.UNAUTHENTICATED,
            () -> EnvServiceGrpc.newBlockingStub(bad).listWorlds(ListWorldsRequest.getDefaultInstance()),
            "the token is not valid on this server");
        assertFalse(e.getStatus().getDescription().contains(wrong), "the token is never repeated back");
        StatusRuntimeException b = assertStatus(Status.Code.UNAUTHENTICATED,
            () -> EnvServiceGrpc.newBlockingStub(notBearer).listWorlds(ListWorldsRequest.getDefaultInstance()),
            "must be 'Bearer <token>'");
        assertFalse(b.getStatus().getDescription().contains(TOKEN));

        // dm_env_rpc on the same server is behind the same door.
        QueueObserver<EnvironmentResponse> refused = new QueueObserver<>();
        StreamObserver<EnvironmentRequest> r = EnvironmentGrpc.newStub(h.channel).process(refused);
        r.onNext(EnvironmentRequest.newBuilder().setCreateWorld(CreateWorldRequest.getDefaultInstance()).build());
        assertEquals(Status.Code.UNAUTHENTICATED, refused.await().getCode());
        assertEquals(0, h.server.sessions().size());

        // Health checks need no token; a valid token opens everything else.
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, HealthGrpc.newBlockingStub(h.channel)
            .check(HealthCheckRequest.getDefaultInstance()).getStatus());
        EnvServiceGrpc.EnvServiceBlockingStub alice = EnvServiceGrpc.newBlockingStub(good);
        assertEquals(1, alice.listWorlds(ListWorldsRequest.getDefaultInstance()).getWorldsCount());
        alice.createSession(Harness.create(1, 1).build());
        assertEquals(1, h.server.sessions().size());
      } finally {
        bad.shutdownNow();
        notBearer.shutdownNow();
        good.shutdownNow();
      }
    }
  }

  @Test
  void aBadTokenFileStopsTheServerAtStart() throws Exception {
    Path empty = OwnershipTest.tokenFile(dir, "# no tokens yet");
    UncheckedIOException none = assertThrows(UncheckedIOException.class,
        () -> Harness.inProcess(Harness.testConfig().tokenFile(empty).build()).close());
    assertTrue(none.getMessage().contains("has no tokens"), none.getMessage());
    UncheckedIOException missing = assertThrows(UncheckedIOException.class,
        () -> Harness.inProcess(Harness.testConfig().tokenFile(dir.resolve("absent.txt")).build()).close());
    assertTrue(missing.getMessage().contains("token file (--token-file)"), missing.getMessage());
    Path typo = OwnershipTest.tokenFile(dir, TOKEN + " alice sesions=3");
    UncheckedIOException bad = assertThrows(UncheckedIOException.class,
        () -> Harness.inProcess(Harness.testConfig().tokenFile(typo).build()).close());
    assertTrue(bad.getMessage().contains("line 1: field 3 is not a quota"), bad.getMessage());
    assertFalse(bad.getMessage().contains(TOKEN));
  }
}
