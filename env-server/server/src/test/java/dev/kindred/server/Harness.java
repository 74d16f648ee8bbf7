package dev.kindred.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import dev.kindred.env.CounterWorld;
import dev.kindred.env.WorldRegistry;
import dev.kindred.env.WorldType;
import dev.kindred.proto.v1.AutoresetMode;
import dev.kindred.proto.v1.CreateSessionRequest;
import dev.kindred.proto.v1.CreateSessionResponse;
import dev.kindred.proto.v1.EnvServiceGrpc;
import dev.kindred.proto.v1.ResetRequest;
import dev.kindred.proto.v1.StepRequest;
import dev.kindred.proto.v1.StepResponse;
import dev.kindred.protocol.Protos;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.function.Executable;

/** An in-process Kindred server hosting the counter test world, with a client channel. */
final class Harness implements AutoCloseable {
  static final int AGENTS = 2; // CounterWorld's default

  final KindredServer server;
  /** The in-process server's name, for further channels. */
  final String name;
  final ManagedChannel channel;
  final EnvServiceGrpc.EnvServiceBlockingStub stub;
  final EnvServiceGrpc.EnvServiceStub async;

  private Harness(KindredServer server, String name, ManagedChannel channel) {
    this.server = server;
    this.name = name;
    this.channel = channel;
    this.stub = EnvServiceGrpc.newBlockingStub(channel);
    this.async = EnvServiceGrpc.newStub(channel);
  }

  static ServerConfig.Builder testConfig() {
    return ServerConfig.builder().shutdownGrace(Duration.ofMillis(500));
  }

  static WorldRegistry registry(WorldType... extra) {
    List<WorldType> types = new ArrayList<>();
    types.add(new CounterWorld.Type());
    types.addAll(List.of(extra));
    return new WorldRegistry(types);
  }

  static Harness inProcess() {
    return inProcess(testConfig().build());
  }

  static Harness inProcess(ServerConfig config, WorldType... extra) {
    return inProcess(config, System::nanoTime, extra);
  }

  static Harness inProcess(ServerConfig config, LongSupplier clock, WorldType... extra) {
    String name = "kindred-test-" + UUID.randomUUID();
    KindredServer server = KindredServer.start(config, registry(extra), InProcessServerBuilder.forName(name), clock);
    ManagedChannel channel = InProcessChannelBuilder.forName(name)
        .maxInboundMessageSize(config.maxMessageBytes()).build();
    return new Harness(server, name, channel);
  }

  /** Another connection to the server (another in-process transport): another principal without tokens. */
  ManagedChannel newChannel() {
    return InProcessChannelBuilder.forName(name).maxInboundMessageSize(server.config().maxMessageBytes()).build();
  }

  /** Another connection whose every call carries {@code authorization: Bearer <token>}. */
  ManagedChannel newChannel(String token) {
    return InProcessChannelBuilder.forName(name).maxInboundMessageSize(server.config().maxMessageBytes())
        .intercept(bearer(token)).build();
  }

  /** An interceptor sending {@code authorization: Bearer <token>} (or any header value) with every call. */
  static io.grpc.ClientInterceptor bearer(String token) {
    Metadata m = new Metadata();
    m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    return MetadataUtils.newAttachHeadersInterceptor(m);
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.close();
  }

  // ---- requests ---------------------------------------------------------------------------

  static CreateSessionRequest.Builder create(int copies, long seed) {
    return CreateSessionRequest.newBuilder().setWorldId(CounterWorld.ID).setNumCopies(copies).setSeed(seed)
        .setClientName("test");
  }

  static Struct config(Map<String, ?> plain) {
    return Protos.toStruct(plain);
  }

  String session(int copies, long seed) {
    return stub.createSession(create(copies, seed).build()).getSessionId();
  }

  String session(int copies, long seed, AutoresetMode mode, Map<String, ?> config) {
    CreateSessionResponse r = stub.createSession(create(copies, seed).setAutoreset(mode)
        .setConfig(config(config)).build());
    return r.getSessionId();
  }

  StepResponse reset(String id) {
    return stub.reset(ResetRequest.newBuilder().setSessionId(id).build());
  }

  StepResponse step(String id, int... actions) {
    return stub.step(stepRequest(id, actions));
  }

  static StepRequest stepRequest(String id, int... actions) {
    return StepRequest.newBuilder().setSessionId(id).setActions(actions(actions)).build();
  }

  static ByteString actions(int... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int v : values) {
      b.putInt(v);
    }
    return ByteString.copyFrom(b.array());
  }

  /** Deterministic pseudo-random actions for step {@code k} of a run seeded {@code seed}. */
  static int[] actionsFor(long seed, int step, int count) {
    SplittableRandom r = new SplittableRandom(seed * 1_000_003L + step);
    int[] a = new int[count];
    for (int i = 0; i < a.length; i++) {
      a[i] = r.nextInt(3);
    }
    return a;
  }

  /** Reset plus {@code steps} steps with {@link #actionsFor}; every response, in order. */
  static List<StepResponse> trajectory(EnvServiceGrpc.EnvServiceBlockingStub stub, String id, int copies,
      long seed, int steps) {
    List<StepResponse> out = new ArrayList<>();
    out.add(stub.reset(ResetRequest.newBuilder().setSessionId(id).build()));
    for (int k = 0; k < steps; k++) {
      out.add(stub.step(stepRequest(id, actionsFor(seed, k, copies * AGENTS))));
    }
    return out;
  }

  // ---- assertions -------------------------------------------------------------------------

  /** Asserts that {@code call} fails with {@code code} and a message containing every fragment. */
  static StatusRuntimeException assertStatus(Status.Code code, Executable call, String... fragments) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(code, e.getStatus().getCode(), () -> "status of: " + e.getStatus());
    String message = e.getStatus().getDescription();
    for (String f : fragments) {
      assertTrue(message != null && message.contains(f),
          () -> "message '" + message + "' should contain '" + f + "'");
    }
    return e;
  }
}
