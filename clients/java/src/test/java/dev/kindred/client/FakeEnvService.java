package dev.kindred.client;

import com.google.protobuf.ByteString;
import dev.kindred.proto.v1.ActionDimension;
import dev.kindred.proto.v1.ActionSpec;
import dev.kindred.proto.v1.AgentEpisodeStats;
import dev.kindred.proto.v1.AutoresetMode;
import dev.kindred.proto.v1.CloseSessionRequest;
import dev.kindred.proto.v1.CloseSessionResponse;
import dev.kindred.proto.v1.CreateSessionRequest;
import dev.kindred.proto.v1.CreateSessionResponse;
import dev.kindred.proto.v1.DType;
import dev.kindred.proto.v1.EnvServiceGrpc;
import dev.kindred.proto.v1.EnvSpec;
import dev.kindred.proto.v1.EpisodeSpec;
import dev.kindred.proto.v1.EpisodeStats;
import dev.kindred.proto.v1.GetServerInfoRequest;
import dev.kindred.proto.v1.ListWorldsRequest;
import dev.kindred.proto.v1.ListWorldsResponse;
import dev.kindred.proto.v1.ResetRequest;
import dev.kindred.proto.v1.Scope;
import dev.kindred.proto.v1.ServerInfo;
import dev.kindred.proto.v1.StepRequest;
import dev.kindred.proto.v1.StepResponse;
import dev.kindred.proto.v1.Tensor;
import dev.kindred.proto.v1.TensorSpec;
import dev.kindred.proto.v1.WorldInfo;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake server for the client's tests. World "fake.echo": one action dimension of 10 values;
 * observation "echo" (int32, per agent) is the agent's last action, "mean" (float32, per copy)
 * the mean action of the copy, "bytes" (uint8, per copy, shape [2]) = {copy, step}. The reward
 * is the action as a float. Every third step copy 0's episode ends (truncated) with stats.
 * World "fake.hang" never answers Reset or Step. An action of 9 is INVALID_ARGUMENT.
 */
final class FakeEnvService extends EnvServiceGrpc.EnvServiceImplBase {
  final List<CreateSessionRequest> creates = new CopyOnWriteArrayList<>();
  final List<StepRequest> steps = new CopyOnWriteArrayList<>();
  final List<ResetRequest> resets = new CopyOnWriteArrayList<>();
  final List<CloseSessionRequest> closes = new CopyOnWriteArrayList<>();
  final AtomicInteger streamsOpened = new AtomicInteger();
  String protocol = "kindred.v1";

  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final AtomicInteger ids = new AtomicInteger();

  private static final class Session {
    final String world;
    final int copies;
    final int agents;
    final EnvSpec spec;
    long step;

    Session(String world, int copies, int agents, EnvSpec spec) {
      this.world = world;
      this.copies = copies;
      this.agents = agents;
      this.spec = spec;
    }
  }

  static EnvSpec spec(String world, int copies, int agents, AutoresetMode mode) {
    return EnvSpec.newBuilder()
        .setWorldId(world)
        .setNumCopies(copies)
        .setNumAgents(agents)
        .addObservations(TensorSpec.newBuilder().setName("echo").setDtype(DType.DTYPE_INT32).setScope(Scope.SCOPE_AGENT))
        .addObservations(TensorSpec.newBuilder().setName("mean").setDtype(DType.DTYPE_FLOAT32).setScope(Scope.SCOPE_COPY))
        .addObservations(TensorSpec.newBuilder().setName("bytes").setDtype(DType.DTYPE_UINT8).setScope(Scope.SCOPE_COPY).addShape(2))
        .setActions(ActionSpec.newBuilder().addDimensions(ActionDimension.newBuilder().setName("a").setNumValues(10)))
        .setEpisode(EpisodeSpec.newBuilder().setAutoreset(mode).setMaxSteps(3))
        .build();
  }

  @Override
  public void getServerInfo(GetServerInfoRequest request, StreamObserver<ServerInfo> out) {
    out.onNext(ServerInfo.newBuilder().setServerVersion("fake").setProtocol(protocol)
        .addWorldIds("fake.echo").addWorldIds("fake.hang").build());
    out.onCompleted();
  }

  @Override
  public void listWorlds(ListWorldsRequest request, StreamObserver<ListWorldsResponse> out) {
    out.onNext(ListWorldsResponse.newBuilder()
        .addWorlds(WorldInfo.newBuilder().setId("fake.echo").setTitle("Echo"))
        .addWorlds(WorldInfo.newBuilder().setId("fake.hang").setTitle("Hang")).build());
    out.onCompleted();
  }

  @Override
  public void createSession(CreateSessionRequest r, StreamObserver<CreateSessionResponse> out) {
    creates.add(r);
    if (!r.getWorldId().equals("fake.echo") && !r.getWorldId().equals("fake.hang")) {
      out.onError(Status.NOT_FOUND.withDescription("unknown world '" + r.getWorldId()
          + "'; this server hosts: fake.echo, fake.hang").asRuntimeException());
      return;
    }
    int copies = Math.max(1, r.getNumCopies());
    int agents = r.getConfig().getFieldsMap().containsKey("agents")
        ? (int) r.getConfig().getFieldsOrThrow("agents").getNumberValue() : 2;
    String id = "s" + ids.incrementAndGet();
    EnvSpec spec = spec(r.getWorldId(), copies, agents, r.getAutoreset());
    sessions.put(id, new Session(r.getWorldId(), copies, agents, spec));
    out.onNext(CreateSessionResponse.newBuilder().setSessionId(id).setSpec(spec).build());
    out.onCompleted();
  }

  @Override
  public void reset(ResetRequest r, StreamObserver<StepResponse> out) {
    resets.add(r);
    Session s = sessions.get(r.getSessionId());
    if (s == null) {
      out.onError(notFound(r.getSessionId()));
      return;
    }
    if (s.world.equals("fake.hang")) {
      return;
    }
    out.onNext(respond(s, new int[s.copies * s.agents], false));
    out.onCompleted();
  }

  @Override
  public void step(StepRequest r, StreamObserver<StepResponse> out) {
    steps.add(r);
    try {
      StepResponse resp = doStep(r);
      if (resp != null) {
        out.onNext(resp);
        out.onCompleted();
      }
    } catch (io.grpc.StatusRuntimeException e) {
      out.onError(e);
    }
  }

  @Override
  public StreamObserver<StepRequest> stepStream(StreamObserver<StepResponse> out) {
    streamsOpened.incrementAndGet();
    return new StreamObserver<>() {
      boolean failed;

      @Override
      public void onNext(StepRequest r) {
        if (failed) {
          return;
        }
        steps.add(r);
        try {
          StepResponse resp = doStep(r);
          if (resp != null) {
            out.onNext(resp);
          }
        } catch (io.grpc.StatusRuntimeException e) {
          failed = true;
          out.onError(e);
        }
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        if (!failed) {
          out.onCompleted();
        }
      }
    };
  }

  @Override
  public void closeSession(CloseSessionRequest r, StreamObserver<CloseSessionResponse> out) {
    closes.add(r);
    Session s = sessions.remove(r.getSessionId());
    if (s == null) {
      out.onError(notFound(r.getSessionId()));
      return;
    }
    out.onNext(CloseSessionResponse.newBuilder().setSessionSteps(s.step).build());
    out.onCompleted();
  }

  private StepResponse doStep(StepRequest r) {
    Session s = sessions.get(r.getSessionId());
    if (s == null) {
      throw notFound(r.getSessionId());
    }
    if (s.world.equals("fake.hang")) {
      return null;
    }
    int n = s.copies * s.agents;
    if (r.getActions().size() != n * 4) {
      throw Status.INVALID_ARGUMENT.withDescription("actions: got " + r.getActions().size()
          + " bytes; expected " + n * 4).asRuntimeException();
    }
    int[] a = new int[n];
    r.getActions().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(a);
    for (int v : a) {
      if (v == 9) {
        throw Status.INVALID_ARGUMENT.withDescription("actions: value 9 is not allowed by the fake").asRuntimeException();
      }
    }
    s.step++;
    return respond(s, a, true);
  }

  private StepResponse respond(Session s, int[] a, boolean stepped) {
    int c = s.copies;
    int ag = s.agents;
    ByteBuffer echo = ByteBuffer.allocate(4 * c * ag).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer mean = ByteBuffer.allocate(4 * c).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer bytes = ByteBuffer.allocate(2 * c);
    ByteBuffer rewards = ByteBuffer.allocate(4 * c * ag).order(ByteOrder.LITTLE_ENDIAN);
    byte[] success = new byte[c * ag];
    byte[] truncated = new byte[c];
    byte[] resetMask = new byte[c];
    for (int k = 0; k < c; k++) {
      float sum = 0;
      for (int i = 0; i < ag; i++) {
        echo.putInt(a[k * ag + i]);
        rewards.putFloat(a[k * ag + i]);
        success[k * ag + i] = (byte) (a[k * ag + i] % 2);
        sum += a[k * ag + i];
      }
      mean.putFloat(ag == 0 ? 0 : sum / ag);
      bytes.put((byte) k).put((byte) (200 + s.step));
      resetMask[k] = (byte) (stepped ? 0 : 1);
    }
    StepResponse.Builder b = StepResponse.newBuilder()
        .addObservations(Tensor.newBuilder().setName("echo").setDtype(DType.DTYPE_INT32).addShape(c).addShape(ag).setData(ByteString.copyFrom(echo.array())))
        .addObservations(Tensor.newBuilder().setName("mean").setDtype(DType.DTYPE_FLOAT32).addShape(c).setData(ByteString.copyFrom(mean.array())))
        .addObservations(Tensor.newBuilder().setName("bytes").setDtype(DType.DTYPE_UINT8).addShape(c).addShape(2).setData(ByteString.copyFrom(bytes.array())))
        .setRewards(ByteString.copyFrom(rewards.array()))
        .setActionSuccess(ByteString.copyFrom(success))
        .setResetMask(ByteString.copyFrom(resetMask))
        .setTerminated(ByteString.copyFrom(new byte[c]))
        .setSessionStep(s.step);
    if (stepped && s.step % 3 == 0) {
      truncated[0] = 1;
      EpisodeStats.Builder e = EpisodeStats.newBuilder().setCopy(0).setEpisode(s.step / 3 - 1).setLength(3)
          .setTruncated(true).putStats("final", 1.5);
      for (int i = 0; i < ag; i++) {
        e.addAgents(AgentEpisodeStats.newBuilder().setEpisodeReturn(i + 0.25).putStats("hits", i));
      }
      b.addEpisodes(e);
    }
    return b.setTruncated(ByteString.copyFrom(truncated)).build();
  }

  private static io.grpc.StatusRuntimeException notFound(String id) {
    return Status.NOT_FOUND.withDescription("unknown session '" + id + "' (closed or expired)").asRuntimeException();
  }
}
