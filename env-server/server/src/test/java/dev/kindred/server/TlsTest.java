package dev.kindred.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.client.ClientOptions;
import dev.kindred.client.KindredClient;
import dev.kindred.client.RemoteVectorEnv;
import dev.kindred.dmenv.proto.CreateWorldRequest;
import dev.kindred.dmenv.proto.EnvironmentGrpc;
import dev.kindred.dmenv.proto.EnvironmentRequest;
import dev.kindred.dmenv.proto.EnvironmentResponse;
import dev.kindred.env.KindredException;
import dev.kindred.env.StepBatch;
import dev.kindred.proto.v1.EnvServiceGrpc;
import dev.kindred.proto.v1.ResetRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS over TCP: the Java client with a root certificate and a token, the dm_env_rpc service
 * behind the same TLS and tokens, client certificates as principals, and startup errors that name
 * the file. Certificates are made at test time ({@link TestCertificates}).
 */
class TlsTest {
  private static final String TOKEN = "tls-test-token-0123456789";

  @TempDir
  static Path dir;
  private static TestCertificates.Pem server;
  private static TestCertificates.Pem alice;
  private static TestCertificates.Pem mallory;
  private static Path tokens;

  @BeforeAll
  static void certificates() throws Exception {
    server = TestCertificates.selfSigned(dir, "localhost");
    alice = TestCertificates.selfSigned(dir, "alice");
    mallory = TestCertificates.selfSigned(dir, "mallory");
    tokens = OwnershipTest.tokenFile(dir, TOKEN + " tester sessions=4");
  }

  private static ServerConfig.Builder config() {
    return ServerConfig.builder().host("127.0.0.1").port(0).shutdownGrace(Duration.ofMillis(300))
        .tls(server.cert(), server.key());
  }

  private static ClientOptions.Builder options() {
    return ClientOptions.builder().deadline(Duration.ofSeconds(20)).tlsRootCert(server.cert());
  }

  @Test
  void javaClientWithRootCertificateAndToken() {
    try (KindredServer s = KindredServer.start(config().tokenFile(tokens).build(), Harness.registry());
         KindredClient client = KindredClient.connect("127.0.0.1:" + s.port(), options().token(TOKEN).build());
         RemoteVectorEnv env = client.make(dev.kindred.env.CounterWorld.ID, Map.of(), 2, 3L)) {
      env.reset();
      StepBatch b = env.step(new int[] {1, 1, 1, 1});
      assertEquals(1, b.sessionStep());

      // The same server refuses a client without the token, and a client speaking plaintext.
      KindredException noToken = assertThrows(KindredException.class,
          () -> KindredClient.connect("127.0.0.1:" + s.port(), options().build()).close());
      assertEquals("UNAUTHENTICATED", noToken.code());
      assertTrue(noToken.getMessage().contains("requires a token"), noToken.getMessage());
      KindredException plaintext = assertThrows(KindredException.class,
          () -> KindredClient.connect("127.0.0.1:" + s.port(),
              ClientOptions.builder().deadline(Duration.ofSeconds(10)).token(TOKEN).build()).close());
      assertEquals("UNAVAILABLE", plaintext.code());
      // A client that does not trust the server's certificate (the system's authorities) fails the handshake.
      KindredException untrusted = assertThrows(KindredException.class,
          () -> KindredClient.connect("127.0.0.1:" + s.port(), ClientOptions.builder().tls(true).token(TOKEN)
              .deadline(Duration.ofSeconds(10)).build()).close());
      assertEquals("UNAVAILABLE", untrusted.code());
    }
  }

  @Test
  void dmEnvRpcSharesTheTlsPortAndItsTokens() throws Exception {
    try (KindredServer s = KindredServer.start(config().tokenFile(tokens).build(), dev.kindred.env.WorldRegistry.builtIn())) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", s.port(),
          TlsChannelCredentials.newBuilder().trustManager(server.cert().toFile()).build()).build();
      try {
        QueueObserver<EnvironmentResponse> refused = new QueueObserver<>();
        StreamObserver<EnvironmentRequest> r = EnvironmentGrpc.newStub(channel).process(refused);
        r.onNext(EnvironmentRequest.newBuilder().setCreateWorld(CreateWorldRequest.getDefaultInstance()).build());
        assertEquals(Status.Code.UNAUTHENTICATED, refused.await().getCode());

        QueueObserver<EnvironmentResponse> ok = new QueueObserver<>();
        StreamObserver<EnvironmentRequest> requests = EnvironmentGrpc.newStub(channel)
            .withInterceptors(Harness.bearer(TOKEN)).process(ok);
        requests.onNext(EnvironmentRequest.newBuilder().setCreateWorld(CreateWorldRequest.newBuilder()
            .putSettings("world", dev.kindred.dmenv.proto.Tensor.newBuilder().setStrings(
                dev.kindred.dmenv.proto.Tensor.StringArray.newBuilder().addArray("spin.lattice")).build())).build());
        requests.onCompleted();
        assertEquals(Status.Code.OK, ok.await().getCode());
        assertTrue(ok.responses.get(0).getCreateWorld().getWorldName().startsWith("spin.lattice-"),
            ok.responses.toString());
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void clientCertificatesAreRequiredAndTheirSubjectIsThePrincipal() throws Exception {
    // The server trusts Alice's self-signed certificate only.
    try (KindredServer s = KindredServer.start(config().tlsClientCa(alice.cert()).build(), Harness.registry())) {
      String target = "127.0.0.1:" + s.port();
      KindredException anonymous = assertThrows(KindredException.class,
          () -> KindredClient.connect(target, options().build()).close());
      assertEquals("UNAVAILABLE", anonymous.code());
      KindredException stranger = assertThrows(KindredException.class,
          () -> KindredClient.connect(target, options().tlsClientCert(mallory.cert(), mallory.key()).build()).close());
      assertEquals("UNAVAILABLE", stranger.code());

      ClientOptions asAlice = options().tlsClientCert(alice.cert(), alice.key()).build();
      try (KindredClient client = KindredClient.connect(target, asAlice)) {
        RemoteVectorEnv env = client.make(dev.kindred.env.CounterWorld.ID, Map.of(), 1, 1L);
        // Another connection with Alice's certificate is Alice: it may use her session.
        ManagedChannel again = NettyChannelBuilder.forAddress("127.0.0.1", s.port(), TlsChannelCredentials.newBuilder()
            .trustManager(server.cert().toFile()).keyManager(alice.cert().toFile(), alice.key().toFile()).build())
            .build();
        try {
          EnvServiceGrpc.newBlockingStub(again).reset(ResetRequest.newBuilder().setSessionId(env.sessionId()).build());
        } finally {
          again.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        env.close();
      }
    }
  }

  @Test
  void startupErrorsNameTheFile() throws Exception {
    Path missing = dir.resolve("nope.pem");
    UncheckedIOException noCert = assertThrows(UncheckedIOException.class,
        () -> KindredServer.start(config().tls(missing, server.key()).build(), Harness.registry()).close());
    assertTrue(noCert.getMessage().contains("--tls-cert") && noCert.getMessage().contains("nope.pem"),
        noCert.getMessage());
    Path garbage = dir.resolve("garbage.key");
    Files.writeString(garbage, "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
    UncheckedIOException badKey = assertThrows(UncheckedIOException.class,
        () -> KindredServer.start(config().tls(server.cert(), garbage).build(), Harness.registry()).close());
    assertTrue(badKey.getMessage().contains("cannot use the TLS certificate"), badKey.getMessage());
    IllegalArgumentException half = assertThrows(IllegalArgumentException.class,
        () -> ServerConfig.builder().tls(server.cert(), null).build());
    assertTrue(half.getMessage().contains("--tls-key"), half.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ServerConfig.builder().tlsClientCa(alice.cert()).build());
  }
}
