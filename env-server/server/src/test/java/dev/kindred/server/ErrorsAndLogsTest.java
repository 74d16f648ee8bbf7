package dev.kindred.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.kindred.dmenv.proto.CreateWorldRequest;
import dev.kindred.dmenv.proto.EnvironmentGrpc;
import dev.kindred.dmenv.proto.EnvironmentRequest;
import dev.kindred.dmenv.proto.EnvironmentResponse;
import dev.kindred.dmenv.proto.JoinWorldRequest;
import dev.kindred.dmenv.proto.Tensor;
import dev.kindred.env.CounterWorld;
import dev.kindred.env.spin.SpinLatticeType;
import dev.kindred.proto.v1.CreateSessionRequest;
import dev.kindred.proto.v1.EnvServiceGrpc;
import dev.kindred.proto.v1.GetServerInfoRequest;
import dev.kindred.proto.v1.ResetRequest;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Finding 7 of the hardening issue ("errors and logs"): what a hostile or broken client gets
 * back, and what it can make the server write to its log. Each test failed before the fix.
 */
class ErrorsAndLogsTest {
  /** Bytes that parse as no protobuf message: field number 0, a truncated field, a malformed varint. */
  private static final List<byte[]> GARBAGE = List.of(
      new byte[] {0},
      new byte[] {0x0a, 0x7f, 'x'},
      new byte[] {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1});

  // ---- request bytes that do not parse ------------------------------------------------------

  @Test
  void requestsThatDoNotParseAreInvalidArgumentOnEveryMethod() throws Exception {
    List<ServiceDescriptor> services = List.of(EnvServiceGrpc.getServiceDescriptor(),
        EnvironmentGrpc.getServiceDescriptor(), HealthGrpc.getServiceDescriptor(),
        ServerReflectionGrpc.getServiceDescriptor());
    try (Harness h = Harness.inProcess(); LogCapture log = new LogCapture(Level.WARN)) {
      int calls = 0;
      for (ServiceDescriptor service : services) {
        for (MethodDescriptor<?, ?> m : service.getMethods()) {
          for (byte[] garbage : GARBAGE) {
            Status s = callRaw(h.channel, m, garbage);
            calls++;
            assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), m.getFullMethodName() + ": " + s);
            assertTrue(s.getDescription().startsWith("the request is not a valid " + requestType(m) + " message: "),
                s.getDescription());
          }
        }
      }
      // The server still serves; the log has one line for all of them (rate-limited) and no stack traces.
      assertEquals(CounterWorld.ID, h.stub.getServerInfo(GetServerInfoRequest.getDefaultInstance()).getWorldIds(0));
      assertTrue(calls > 30, "calls: " + calls);
      assertEquals(List.of(), log.grpcRecords().stream().map(r -> r.getLevel() + " " + r.getMessage()).toList(),
          "grpc-java logged a failure");
      List<ILoggingEvent> events = log.events();
      assertEquals(1, events.size(), () -> "log lines: " + log.lines());
      assertEquals(Level.WARN, events.get(0).getLevel());
      assertEquals(null, events.get(0).getThrowableProxy(), "a stack trace was logged");
      assertEquals(1, log.lines().get(0).split("\n", -1).length - 1, log.lines().get(0));
    }
  }

  @Test
  void aStructNestedFortyDeepIsInvalidArgument() throws Exception {
    Struct config = Struct.getDefaultInstance();
    for (int i = 0; i < 40; i++) {
      config = Struct.newBuilder().putFields("k", Value.newBuilder().setStructValue(config).build()).build();
    }
    // As bytes: in process, a typed stub hands the server the message object itself, unparsed.
    byte[] request = Harness.create(1, 1).setConfig(config).build().toByteArray();
    try (Harness h = Harness.inProcess(); LogCapture log = new LogCapture(Level.WARN)) {
      Status s = callRaw(h.channel, EnvServiceGrpc.getCreateSessionMethod(), request);
      assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), s.toString());
      assertTrue(s.getDescription().startsWith("the request is not a valid kindred.v1.CreateSessionRequest message: "
          + "it is nested more than 100 levels deep"), s.getDescription());
      assertTrue(s.getDescription().length() < 400, s.getDescription());
      assertEquals(List.of(), log.grpcRecords());
      assertEquals(0, h.server.sessions().size());
    }
  }

  @Test
  void aStreamEndsAtItsFirstRequestThatDoesNotParseAndCleansUp() throws Exception {
    try (Harness h = Harness.inProcess(); LogCapture log = new LogCapture(Level.WARN)) {
      // A dm_env_rpc connection creates a world, then sends garbage: the stream ends
      // INVALID_ARGUMENT and the world dies with its connection, as with any other end.
      RawStream dm = new RawStream(h.channel, EnvironmentGrpc.getProcessMethod());
      dm.send(EnvironmentRequest.newBuilder().setCreateWorld(CreateWorldRequest.newBuilder()
          .putSettings("world", string(CounterWorld.ID))).build().toByteArray());
      EnvironmentResponse created = EnvironmentResponse.parseFrom(dm.responses.poll(10, TimeUnit.SECONDS));
      assertFalse(created.hasError(), created::toString);
      assertEquals(1, h.server.sessions().size());
      dm.send(GARBAGE.get(0));
      Status end = dm.end.get(10, TimeUnit.SECONDS);
      assertEquals(Status.Code.INVALID_ARGUMENT, end.getCode(), end.toString());
      assertTrue(end.getDescription().contains("dm_env_rpc.v1.EnvironmentRequest"), end.getDescription());
      waitUntil(() -> h.server.sessions().size() == 0, "the world of the broken stream was not closed");

      String id = h.session(1, 5);
      h.reset(id);
      RawStream steps = new RawStream(h.channel, EnvServiceGrpc.getStepStreamMethod());
      steps.send(Harness.stepRequest(id, 1, 1).toByteArray());
      assertNotNull(steps.responses.poll(10, TimeUnit.SECONDS));
      steps.send(GARBAGE.get(2));
      assertEquals(Status.Code.INVALID_ARGUMENT, steps.end.get(10, TimeUnit.SECONDS).getCode());
      assertEquals(2, h.step(id, 1, 1).getSessionStep(), "the session must be unchanged by the rejected request");
      assertEquals(List.of(), log.grpcRecords());
    }
  }

  // ---- long inputs quoted in errors ---------------------------------------------------------

  /**
   * Over TCP, where the client enforces its 8 KiB metadata limit: a message quoting a 1 MiB input
   * whole used to arrive as RESOURCE_EXHAUSTED ("Header size exceeded max allowed size").
   */
  @Test
  void longInputsAreQuotedAsShortExcerpts() throws Exception {
    String huge = "w".repeat(1 << 20);
    ServerConfig config = ServerConfig.builder().host("127.0.0.1").port(0).shutdownGrace(Duration.ofMillis(300))
        .build();
    KindredServer server = KindredServer.start(config, Harness.registry(new SpinLatticeType()));
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    try {
      EnvServiceGrpc.EnvServiceBlockingStub stub = EnvServiceGrpc.newBlockingStub(ch);
      Function<CreateSessionRequest.Builder, Status> create = b -> Status.fromThrowable(
          org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
              () -> stub.createSession(b.build())));

      assertExcerpt(Status.Code.NOT_FOUND, "unknown world 'wwww",
          create.apply(Harness.create(1, 1).setWorldId(huge)));
      assertExcerpt(Status.Code.INVALID_ARGUMENT, "config.wwww",
          create.apply(Harness.create(1, 1).setConfig(Struct.newBuilder()
              .putFields(huge, Value.newBuilder().setNumberValue(1).build()))));
      assertExcerpt(Status.Code.INVALID_ARGUMENT, "config.schedule: 'wwww",
          create.apply(Harness.create(1, 1).setWorldId("spin.lattice").setConfig(Struct.newBuilder()
              .putFields("schedule", Value.newBuilder().setStringValue(huge).build()))));
      assertExcerpt(Status.Code.INVALID_ARGUMENT, "config.max_steps: expected an integer, got the string 'wwww",
          create.apply(Harness.create(1, 1).setConfig(Struct.newBuilder()
              .putFields("max_steps", Value.newBuilder().setStringValue(huge).build()))));
      assertExcerpt(Status.Code.INVALID_ARGUMENT, "unknown observation 'wwww",
          create.apply(Harness.create(1, 1).addObservations(huge)));
      assertExcerpt(Status.Code.INVALID_ARGUMENT, "session_id: 'wwww", Status.fromThrowable(
          org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
              () -> stub.reset(ResetRequest.newBuilder().setSessionId(huge).build()))));

      // dm_env_rpc answers in the response body, which the client's message limit (4 MiB) bounds.
      RawStream dm = new RawStream(ch, EnvironmentGrpc.getProcessMethod());
      List<EnvironmentRequest> requests = List.of(
          EnvironmentRequest.newBuilder().setCreateWorld(CreateWorldRequest.newBuilder()
              .putSettings("world", string(huge))).build(),
          EnvironmentRequest.newBuilder().setCreateWorld(CreateWorldRequest.newBuilder()
              .putSettings("world", string("spin.lattice")).putSettings(huge, string("x"))).build(),
          EnvironmentRequest.newBuilder().setJoinWorld(JoinWorldRequest.newBuilder().setWorldName(huge)).build(),
          EnvironmentRequest.newBuilder().setExtension(Any.newBuilder().setTypeUrl(huge)).build());
      for (EnvironmentRequest r : requests) {
        dm.send(r.toByteArray());
        byte[] bytes = dm.responses.poll(10, TimeUnit.SECONDS);
        assertNotNull(bytes, () -> "no answer to " + r.getPayloadCase() + "; stream ended " + dm.end.getNow(null));
        EnvironmentResponse response = EnvironmentResponse.parseFrom(bytes);
        assertTrue(response.hasError(), response::toString);
        String message = response.getError().getMessage();
        assertTrue(message.length() < 1024 && message.contains("wwww... (1048576 characters)"),
            () -> r.getPayloadCase() + ": " + message.length() + " characters: "
                + message.substring(0, Math.min(message.length(), 300)));
      }
    } finally {
      ch.shutdownNow();
      server.close();
    }
  }

  private static void assertExcerpt(Status.Code code, String start, Status s) {
    assertEquals(code, s.getCode(), () -> s.getCode() + ": " + shorten(s.getDescription()));
    String d = s.getDescription();
    assertTrue(d.length() < 1024, () -> d.length() + " characters: " + shorten(d));
    assertTrue(d.contains(start) && d.contains("... (1048576 characters)"), d);
  }

  private static String shorten(String s) {
    return s == null || s.length() < 300 ? s : s.substring(0, 300) + "...";
  }

  // ---- client_name in the log ---------------------------------------------------------------

  @Test
  void aClientNameCannotForgeOrFloodLogLines() {
    String forged = "trainer\n2030-01-01T00:00:00.000+00:00 ERROR [main] dev.kindred.server.KindredServer - forged"
        + "\r\u2028\u0085" + "x".repeat(10_000);
    try (Harness h = Harness.inProcess(); LogCapture log = new LogCapture(Level.INFO)) {
      String id = h.stub.createSession(Harness.create(1, 1).setClientName(forged).build()).getSessionId();
      h.stub.closeSession(dev.kindred.proto.v1.CloseSessionRequest.newBuilder().setSessionId(id).build());
      List<String> lines = log.lines().stream().filter(l -> l.contains(id)).toList();
      assertEquals(2, lines.size(), () -> "session created and closed lines: " + log.lines());
      for (String line : lines) {
        assertEquals(line.length() - 1, line.indexOf('\n'), () -> "a line break inside: " + line);
        for (char c : new char[] {'\r', '\u2028', '\u0085'}) {
          assertEquals(-1, line.indexOf(c), () -> "line contains U+" + Integer.toHexString(c) + ": " + line);
        }
        assertTrue(line.contains("client=\"trainer\\n2030-01-01T00:00:00.000+00:00 ERROR"), line);
        assertTrue(line.length() < 600, () -> line.length() + " characters: " + line);
      }
    }
  }

  // ---- SIGTERM ------------------------------------------------------------------------------

  /**
   * A real SIGTERM to a server process with open streams: each ends UNAVAILABLE with the retry
   * hint (not a reset stream, CANCELLED), and the process exits well within its grace period.
   * {@link ShutdownTest} covers the same in process.
   */
  @Test
  void sigtermEndsOpenStreamsWithUnavailableAndARetryHint() throws Exception {
    long graceMs = 3_000;
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
        System.getProperty("java.class.path"), SigtermMain.class.getName(), Long.toString(graceMs))
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    ManagedChannel ch = null;
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      assertNotNull(line, "the server process printed nothing");
      int port = Integer.parseInt(line.substring("port=".length()));
      ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
      String id = EnvServiceGrpc.newBlockingStub(ch).createSession(Harness.create(1, 3).build()).getSessionId();
      EnvServiceGrpc.newBlockingStub(ch).reset(ResetRequest.newBuilder().setSessionId(id).build());
      RawStream steps = new RawStream(ch, EnvServiceGrpc.getStepStreamMethod());
      steps.send(Harness.stepRequest(id, 1, 1).toByteArray());
      assertNotNull(steps.responses.poll(10, TimeUnit.SECONDS));
      RawStream dm = new RawStream(ch, EnvironmentGrpc.getProcessMethod());
      dm.send(EnvironmentRequest.newBuilder().setCreateWorld(CreateWorldRequest.newBuilder()
          .putSettings("world", string(CounterWorld.ID))).build().toByteArray());
      assertNotNull(dm.responses.poll(10, TimeUnit.SECONDS));

      long t0 = System.nanoTime();
      p.destroy(); // SIGTERM
      assertTrue(p.waitFor(graceMs + 2_000, TimeUnit.MILLISECONDS), "the server did not exit within grace + 2 s");
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(ms < graceMs, "idle streams held the shutdown for " + ms + " ms");
      for (RawStream s : List.of(steps, dm)) {
        Status end = s.end.get(10, TimeUnit.SECONDS);
        assertEquals(Status.Code.UNAVAILABLE, end.getCode(), end.toString());
        assertEquals("server shutting down; retry against another server", end.getDescription());
      }
    } finally {
      if (ch != null) {
        ch.shutdownNow();
      }
      p.destroyForcibly();
    }
  }

  // ---- helpers ------------------------------------------------------------------------------

  private static Tensor string(String s) {
    return Tensor.newBuilder().setStrings(Tensor.StringArray.newBuilder().addArray(s)).build();
  }

  private static String requestType(MethodDescriptor<?, ?> m) {
    Object prototype = ((MethodDescriptor.PrototypeMarshaller<?>) m.getRequestMarshaller()).getMessagePrototype();
    return ((Message) prototype).getDescriptorForType().getFullName();
  }

  /** Sends {@code bytes} as the one request of a call to {@code m} and returns how the call ended. */
  private static Status callRaw(io.grpc.Channel channel, MethodDescriptor<?, ?> m, byte[] bytes) throws Exception {
    RawStream call = new RawStream(channel, m);
    call.send(bytes);
    call.call.halfClose();
    return call.end.get(10, TimeUnit.SECONDS);
  }

  /** A call of any type sending raw bytes; responses and the end are collected. */
  private static final class RawStream {
    final ClientCall<byte[], byte[]> call;
    final java.util.concurrent.BlockingQueue<byte[]> responses = new java.util.concurrent.LinkedBlockingQueue<>();
    final CompletableFuture<Status> end = new CompletableFuture<>();

    RawStream(io.grpc.Channel channel, MethodDescriptor<?, ?> m) {
      call = channel.newCall(RawMethod.of(m), CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS));
      call.start(new ClientCall.Listener<>() {
        @Override
        public void onMessage(byte[] message) {
          responses.add(message);
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
          end.complete(status);
        }
      }, new Metadata());
      call.request(Integer.MAX_VALUE);
    }

    void send(byte[] bytes) {
      call.sendMessage(bytes);
    }
  }

  private static void waitUntil(Supplier<Boolean> condition, String message) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.get()) {
      assertTrue(System.nanoTime() < deadline, message);
      Thread.sleep(5);
    }
  }
}
