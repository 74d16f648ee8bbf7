package dev.kindred.client;

import dev.kindred.env.Autoreset;
import dev.kindred.env.EpisodeSummary;
import dev.kindred.env.KindredException;
import dev.kindred.env.SessionOptions;
import dev.kindred.env.StepBatch;
import dev.kindred.protocol.Structs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Value;
import dev.kindred.proto.v1.AutoresetMode;
import dev.kindred.proto.v1.CreateSessionRequest;
import dev.kindred.proto.v1.StepRequest;
import dev.kindred.proto.v1.WorldInfo;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.net.ServerSocket;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class KindredClientTest {
  private FakeEnvService fake;
  private Server server;
  private ManagedChannel channel;
  private KindredClient client;

  @BeforeEach
  void start() throws Exception {
    fake = new FakeEnvService();
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor().addService(fake).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    client = KindredClient.wrap(channel, "in-process:" + name,
        ClientOptions.builder().deadline(Duration.ofSeconds(5)).build());
  }

  @AfterEach
  void stop() {
    client.close();
    channel.shutdownNow();
    server.shutdownNow();
  }

  @Test
  void serverInfoAndWorlds() {
    assertEquals("kindred.v1", client.serverInfo().getProtocol());
    assertEquals(List.of("fake.echo", "fake.hang"), client.listWorlds().stream().map(WorldInfo::getId).toList());
  }

  @Test
  void makeSendsConfigAndOptions() {
    Map<String, Object> config = new java.util.LinkedHashMap<>();
    config.put("agents", 3);
    config.put("flag", true);
    config.put("name", "x");
    config.put("list", List.of(1, 2.5));
    config.put("matrix", new double[][] {{1, 2}, {3, 4}});
    config.put("ints", new int[] {7, 8});
    config.put("none", null);
    SessionOptions opts = SessionOptions.builder().autoreset(Autoreset.SAME_STEP)
        .observations("mean", "echo").clientName("unit-test").streaming(false).build();
    try (RemoteVectorEnv env = client.make("fake.echo", config, 4, -5L, opts)) {
      CreateSessionRequest r = fake.creates.get(0);
      assertEquals("fake.echo", r.getWorldId());
      assertEquals(4, r.getNumCopies());
      assertEquals(-5L, r.getSeed());
      assertEquals(AutoresetMode.AUTORESET_SAME_STEP, r.getAutoreset());
      assertEquals(List.of("mean", "echo"), r.getObservationsList());
      assertEquals("unit-test", r.getClientName());
      Map<String, Value> f = r.getConfig().getFieldsMap();
      assertEquals(3.0, f.get("agents").getNumberValue());
      assertTrue(f.get("flag").getBoolValue());
      assertEquals("x", f.get("name").getStringValue());
      assertEquals(2.5, f.get("list").getListValue().getValues(1).getNumberValue());
      assertEquals(4.0, f.get("matrix").getListValue().getValues(1).getListValue().getValues(1).getNumberValue());
      assertEquals(8.0, f.get("ints").getListValue().getValues(1).getNumberValue());
      assertEquals(Value.KindCase.NULL_VALUE, f.get("none").getKindCase());
      assertEquals(Map.of("agents", 3.0, "flag", true, "name", "x", "list", List.of(1.0, 2.5),
          "matrix", List.of(List.of(1.0, 2.0), List.of(3.0, 4.0)), "ints", List.of(7.0, 8.0)),
          withoutNulls(Structs.toPlain(r.getConfig())));
      assertEquals(4, env.copies());
      assertEquals(3, env.agents());
      assertEquals(1, env.actionDimensions());
      assertTrue(env.batch().hasFinalObservations());
    }
  }

  private static Map<String, Object> withoutNulls(Map<String, Object> m) {
    Map<String, Object> out = new java.util.HashMap<>(m);
    out.values().removeIf(java.util.Objects::isNull);
    return out;
  }

  @Test
  void unencodableConfigIsInvalidArgument() {
    KindredException e = assertThrows(KindredException.class,
        () -> client.make("fake.echo", Map.of("bad", new Object()), 1, 0));
    assertEquals("INVALID_ARGUMENT", e.code());
    assertTrue(e.detail().startsWith("config.bad"), e.getMessage());
    assertTrue(fake.creates.isEmpty());
  }

  @Test
  void unaryStepEncodesActionsAndDecodesResults() {
    try (RemoteVectorEnv env = client.make("fake.echo", Map.of(), 2, 1,
        SessionOptions.builder().streaming(false).build())) {
      StepBatch b = env.reset(42);
      assertEquals(42L, fake.resets.get(0).getSeed());
      assertArrayEquals(new byte[] {1, 1}, b.resetMask());
      assertFalse(fake.resets.get(0).hasSeed() && fake.resets.size() > 1);
      env.reset();
      assertFalse(fake.resets.get(1).hasSeed());

      int[] actions = {1, 2, 3, 0x01020304};
      // the last value is rejected by nothing in the fake (not 9); check its bytes on the wire
      b = env.step(actions);
      byte[] wire = fake.steps.get(0).getActions().toByteArray();
      assertEquals(16, wire.length);
      assertArrayEquals(new byte[] {4, 3, 2, 1}, java.util.Arrays.copyOfRange(wire, 12, 16));
      assertEquals(1, java.nio.ByteBuffer.wrap(wire).order(ByteOrder.LITTLE_ENDIAN).getInt(0));
      assertArrayEquals(actions, b.observationAsInts("echo", null));
      assertEquals(2, b.observation("echo").getInt(4));
      assertArrayEquals(new float[] {1.5f, (3 + 0x01020304) / 2f}, b.observationAsFloats("mean", null));
      assertArrayEquals(new float[] {0, 201, 1, 201}, b.observationAsFloats("bytes", null));
      assertArrayEquals(new float[] {1, 2, 3, 0x01020304}, b.rewards());
      assertArrayEquals(new byte[] {1, 0, 1, 0}, b.actionSuccess());
      assertArrayEquals(new byte[] {0, 0}, b.resetMask());
      assertEquals(1, b.sessionStep());
      assertTrue(b.episodes().isEmpty());
      env.step(new int[4]);
      b = env.step(new int[4]);
      assertEquals(3, b.sessionStep());
      assertArrayEquals(new byte[] {1, 0}, b.truncated());
      assertTrue(b.done(0));
      assertEquals(1, b.episodes().size());
      EpisodeSummary e = b.episodes().get(0);
      assertEquals(0, e.copy());
      assertEquals(0, e.episode());
      assertEquals(3, e.length());
      assertTrue(e.truncated());
      assertFalse(e.terminated());
      assertArrayEquals(new double[] {0.25, 1.25}, e.returns());
      assertEquals(1.0, e.agentStats().get(1).get("hits"));
      assertEquals(1.5, e.stats().get("final"));
      assertEquals(0, fake.streamsOpened.get());
      assertTrue(env.step(new int[4]).episodes().isEmpty(), "episodes are cleared by each call");
    }
  }

  @Test
  void streamingStepUsesOneStream() {
    try (RemoteVectorEnv env = client.make("fake.echo", Map.of("agents", 1), 3, 1)) {
      env.reset();
      for (int i = 0; i < 5; i++) {
        StepBatch b = env.step(new int[] {i, i + 1, i + 2});
        assertArrayEquals(new int[] {i, i + 1, i + 2}, b.observationAsInts("echo", null));
        assertEquals(i + 1, b.sessionStep());
      }
      assertEquals(1, fake.streamsOpened.get());
    }
  }

  @Test
  void pipelinedSendReceiveAnswersInOrder() {
    try (RemoteVectorEnv env = client.make("fake.echo", Map.of("agents", 1), 1, 1)) {
      env.reset();
      int[] a = {0};
      for (int i = 0; i < 8; i++) {
        a[0] = i;
        env.send(a); // the array is copied: reuse is safe
      }
      assertEquals(8, env.inFlight());
      assertThrows(IllegalStateException.class, () -> env.step(new int[] {1}));
      assertThrows(IllegalStateException.class, env::reset);
      for (int i = 0; i < 8; i++) {
        StepBatch b = env.receive();
        assertEquals(i, b.observation("echo").getInt(0));
        assertEquals(i + 1, b.sessionStep());
      }
      assertEquals(0, env.inFlight());
      assertThrows(IllegalStateException.class, env::receive);
      assertEquals(9, env.step(new int[] {3}).sessionStep());
    }
  }

  @Test
  void serverErrorsBecomeKindredExceptions() {
    KindredException e = assertThrows(KindredException.class, () -> client.make("no.such", Map.of(), 1, 0));
    assertEquals("NOT_FOUND", e.code());
    assertEquals(io.grpc.Status.Code.NOT_FOUND, io.grpc.Status.Code.valueOf(e.code()));
    assertTrue(e.detail().contains("unknown world 'no.such'"), e.getMessage());
    assertTrue(e.getMessage().startsWith("NOT_FOUND: "));

    try (RemoteVectorEnv env = client.make("fake.echo", Map.of("agents", 1), 1, 1,
        SessionOptions.builder().streaming(false).build())) {
      env.reset();
      KindredException bad = assertThrows(KindredException.class, () -> env.step(new int[] {9}));
      assertEquals("INVALID_ARGUMENT", bad.code());
      assertEquals("actions: value 9 is not allowed by the fake", bad.detail());
      KindredException len = assertThrows(KindredException.class, () -> env.step(new int[] {1, 2}));
      assertEquals("INVALID_ARGUMENT", len.code());
      assertEquals(1, env.step(new int[] {1}).sessionStep());
    }
  }

  @Test
  void streamErrorEndsStreamAndNextSendReopens() {
    try (RemoteVectorEnv env = client.make("fake.echo", Map.of("agents", 1), 1, 1)) {
      env.reset();
      env.send(new int[] {1});
      env.send(new int[] {9});
      env.send(new int[] {2});
      assertEquals(1, env.receive().observation("echo").getInt(0));
      KindredException e = assertThrows(KindredException.class, env::receive);
      assertEquals("INVALID_ARGUMENT", e.code());
      assertTrue(e.detail().contains("value 9"));
      assertEquals(0, env.inFlight());
      StepBatch b = env.step(new int[] {4});
      assertEquals(4, b.observation("echo").getInt(0));
      assertEquals(2, b.sessionStep(), "the failed request and the one after it did not step");
      assertEquals(2, fake.streamsOpened.get());
    }
  }

  @Test
  void closeIsIdempotentAndStepAfterCloseIsNotFound() {
    RemoteVectorEnv env = client.make("fake.echo", Map.of(), 1, 1);
    env.reset();
    env.step(new int[2]);
    env.close();
    env.close();
    assertEquals(1, fake.closes.size());
    assertEquals(1, env.closeResponse().getSessionSteps());
    assertTrue(env.isClosed());
    KindredException e = assertThrows(KindredException.class, () -> env.step(new int[2]));
    assertEquals("NOT_FOUND", e.code());
    assertEquals("NOT_FOUND", assertThrows(KindredException.class, env::reset).code());
    assertEquals("NOT_FOUND", assertThrows(KindredException.class, () -> env.send(new int[2])).code());
  }

  @Test
  void clientCloseClosesOpenSessionsButNotAWrappedChannel() {
    RemoteVectorEnv a = client.make("fake.echo", Map.of(), 1, 1);
    RemoteVectorEnv b = client.make("fake.echo", Map.of(), 1, 1);
    b.close();
    client.close();
    assertTrue(a.isClosed());
    assertEquals(2, fake.closes.size());
    assertFalse(channel.isShutdown());
  }

  @Test
  void closeOfExpiredSessionIsQuiet() {
    RemoteVectorEnv env = client.make("fake.echo", Map.of(), 1, 1);
    // the server forgets the session behind the client's back (as its idle timeout would)
    fake.closeSession(dev.kindred.proto.v1.CloseSessionRequest.newBuilder().setSessionId(env.sessionId()).build(),
        new io.grpc.stub.StreamObserver<>() {
          @Override public void onNext(dev.kindred.proto.v1.CloseSessionResponse v) {}
          @Override public void onError(Throwable t) {}
          @Override public void onCompleted() {}
        });
    env.close();
    assertTrue(env.isClosed());
  }

  @Test
  void unaryStepsCarryTheStepTheyExpectAndStreamedOnesDoNot() {
    try (RemoteVectorEnv unary = client.make("fake.echo", Map.of(), 1, 1, SessionOptions.builder().streaming(false)
        .build()); RemoteVectorEnv streamed = client.make("fake.echo", Map.of(), 1, 1)) {
      unary.reset();
      long first = unary.batch().sessionStep();
      unary.step(new int[2]);
      unary.step(new int[2]);
      assertEquals(List.of(first + 1, first + 2), fake.steps.stream().map(StepRequest::getExpectedStep).toList());
      streamed.reset();
      streamed.step(new int[2]);
      assertFalse(fake.steps.get(2).hasExpectedStep());
    }
  }

  @Test
  void unaryDeadlineIsEnforced() {
    try (KindredClient quick = KindredClient.wrap(channel, "in-process",
        ClientOptions.builder().deadline(Duration.ofMillis(300)).build())) {
      RemoteVectorEnv env = quick.make("fake.hang", Map.of(), 1, 1,
          SessionOptions.builder().streaming(false).build());
      long t0 = System.nanoTime();
      KindredException e = assertThrows(KindredException.class, env::reset);
      assertEquals("DEADLINE_EXCEEDED", e.code());
      assertTrue(e.detail().contains("Reset"), e.getMessage());
      assertEquals("DEADLINE_EXCEEDED", assertThrows(KindredException.class, () -> env.step(new int[2])).code());
      assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5));
    }
  }

  @Test
  void streamWaitIsBounded() {
    try (KindredClient quick = KindredClient.wrap(channel, "in-process",
        ClientOptions.builder().deadline(Duration.ofMillis(300)).build())) {
      RemoteVectorEnv env = quick.make("fake.hang", Map.of(), 1, 1);
      env.send(new int[2]);
      long t0 = System.nanoTime();
      KindredException e = assertThrows(KindredException.class, env::receive);
      assertEquals("DEADLINE_EXCEEDED", e.code());
      assertTrue(e.detail().contains("StepStream"), e.getMessage());
      assertEquals(0, env.inFlight());
      assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5));
    }
  }

  @Test
  void unreachableServerFailsFastWithUnavailable() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String target = "127.0.0.1:" + port;
    long t0 = System.nanoTime();
    KindredException e = assertThrows(KindredException.class, () -> KindredClient.connect(target));
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertEquals("UNAVAILABLE", e.code());
    assertTrue(e.detail().contains(target), e.getMessage());
    assertTrue(e.detail().contains("check that the server is running"), e.getMessage());
    assertTrue(ms < 10_000, "took " + ms + " ms");

    // without the check at connect time, the first call fails the same way
    try (KindredClient lazy = KindredClient.connect(target,
        ClientOptions.builder().verifyOnConnect(false).build())) {
      KindredException e2 = assertThrows(KindredException.class, lazy::listWorlds);
      assertEquals("UNAVAILABLE", e2.code());
      assertTrue(e2.detail().contains(target));
    }
  }

  @Test
  void tcpRoundTripAndProtocolCheck() throws Exception {
    Server tcp = io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder.forPort(0).addService(fake).build().start();
    try (KindredClient remote = KindredClient.connect("127.0.0.1:" + tcp.getPort());
         RemoteVectorEnv env = remote.make("fake.echo", Map.of("agents", 1), 2, 3)) {
      env.reset();
      env.send(new int[] {1, 2});
      env.send(new int[] {3, 4});
      assertArrayEquals(new int[] {1, 2}, env.receive().observationAsInts("echo", null));
      assertArrayEquals(new int[] {3, 4}, env.receive().observationAsInts("echo", null));
      fake.protocol = "kindred.v2";
      KindredException e = assertThrows(KindredException.class,
          () -> KindredClient.connect("127.0.0.1:" + tcp.getPort()));
      assertEquals("FAILED_PRECONDITION", e.code());
    } finally {
      tcp.shutdownNow();
    }
  }

  // ---- session life and credentials ------------------------------------------------------------

  /** Makes an environment, steps it over a stream, and drops it without closing it. */
  private void makeAndDrop() {
    RemoteVectorEnv env = client.make("fake.echo", Map.of(), 1, 1);
    env.reset();
    env.step(new int[2]);
  }

  @Test
  void aDroppedEnvironmentsSessionIsClosedOnceCollected() throws Exception {
    makeAndDrop();
    assertEquals(1, client.openSessions());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (fake.closes.isEmpty() && System.nanoTime() < deadline) {
      System.gc();
      Thread.sleep(20);
    }
    assertEquals(1, fake.closes.size(), "the Cleaner sent CloseSession for the unreachable environment");
    assertEquals(0, client.openSessions());
    client.close();
    assertEquals(1, fake.closes.size(), "a collected session is not closed twice");
  }

  @Test
  void theTokenTravelsAsBearerAuthorization() throws Exception {
    java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    io.grpc.ServerInterceptor capture = new io.grpc.ServerInterceptor() {
      @Override
      public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, R> call, io.grpc.Metadata headers,
          io.grpc.ServerCallHandler<Q, R> next) {
        seen.add(headers.get(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER)));
        return next.startCall(call, headers);
      }
    };
    String name = InProcessServerBuilder.generateName();
    Server s = InProcessServerBuilder.forName(name).directExecutor()
        .addService(io.grpc.ServerInterceptors.intercept(fake, capture)).build().start();
    ManagedChannel c = InProcessChannelBuilder.forName(name).directExecutor().build();
    String token = "t0ken-0123456789abcdef";
    ClientOptions options = ClientOptions.builder().token(token).build();
    try (KindredClient k = KindredClient.wrap(c, "in-process", options);
         RemoteVectorEnv env = k.make("fake.echo", Map.of(), 1, 1)) {
      env.reset();
      env.step(new int[2]); // over a stream
    } finally {
      c.shutdownNow();
      s.shutdownNow();
    }
    assertEquals(4, seen.size());
    assertTrue(seen.stream().allMatch(("Bearer " + token)::equals), seen.toString());
    assertFalse(options.toString().contains(token), options.toString());
    assertTrue(options.toString().contains("token=(set)"));
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> ClientOptions.builder().token("secret with spaces"));
    assertFalse(bad.getMessage().contains("secret"), bad.getMessage());
  }

  @Test
  void tlsOptions() {
    java.nio.file.Path root = java.nio.file.Path.of("root.pem");
    ClientOptions o = ClientOptions.builder().tlsRootCert(root).build();
    assertTrue(o.tls());
    assertEquals(root, o.toBuilder().build().tlsRootCert());
    assertFalse(ClientOptions.defaults().tls());
    java.io.UncheckedIOException missing = assertThrows(java.io.UncheckedIOException.class,
        () -> KindredClient.connect("127.0.0.1:1", o));
    assertTrue(missing.getMessage().contains("root.pem"), missing.getMessage());
  }
}
