package dev.kindred.local;

import dev.kindred.env.BatchedEnv;
import dev.kindred.env.Config;
import dev.kindred.env.EnvException;
import dev.kindred.env.WorldRegistry;
import dev.kindred.env.WorldType;
import dev.kindred.proto.v1.CloseSessionRequest;
import dev.kindred.proto.v1.CloseSessionResponse;
import dev.kindred.proto.v1.CreateSessionRequest;
import dev.kindred.proto.v1.CreateSessionResponse;
import dev.kindred.proto.v1.EnvServiceGrpc;
import dev.kindred.proto.v1.GetServerInfoRequest;
import dev.kindred.proto.v1.ListWorldsRequest;
import dev.kindred.proto.v1.ListWorldsResponse;
import dev.kindred.proto.v1.ResetRequest;
import dev.kindred.proto.v1.ServerInfo;
import dev.kindred.proto.v1.StepRequest;
import dev.kindred.proto.v1.StepResponse;
import dev.kindred.protocol.Protos;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A minimal EnvService over {@link BatchedEnv} and {@link Protos}, for testing the remote
 * client path end to end before (and independently of) the real server: the smallest faithful
 * implementation of the protocol's session semantics. It is not the server.
 */
final class ReferenceEnvService extends EnvServiceGrpc.EnvServiceImplBase {
  private final WorldRegistry registry;
  private final Map<String, BatchedEnv> sessions = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();

  ReferenceEnvService(WorldRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void getServerInfo(GetServerInfoRequest request, StreamObserver<ServerInfo> out) {
    answer(out, () -> ServerInfo.newBuilder().setServerVersion("reference").setProtocol("kindred.v1")
        .addAllWorldIds(registry.ids()).build());
  }

  @Override
  public void listWorlds(ListWorldsRequest request, StreamObserver<ListWorldsResponse> out) {
    answer(out, () -> {
      ListWorldsResponse.Builder b = ListWorldsResponse.newBuilder();
      registry.all().forEach(t -> b.addWorlds(Protos.worldInfo(t)));
      return b.build();
    });
  }

  @Override
  public void createSession(CreateSessionRequest r, StreamObserver<CreateSessionResponse> out) {
    answer(out, () -> {
      WorldType type = registry.get(r.getWorldId());
      Config config = type.schema().resolve(Protos.toPlain(r.getConfig()));
      BatchedEnv env = new BatchedEnv(type.create(config, Math.max(1, r.getNumCopies())),
          Protos.autoreset(r.getAutoreset()), r.getSeed(), r.getObservationsList());
      String id = "ref-" + ids.incrementAndGet();
      sessions.put(id, env);
      return CreateSessionResponse.newBuilder().setSessionId(id).setSpec(Protos.envSpec(env, config)).build();
    });
  }

  @Override
  public void reset(ResetRequest r, StreamObserver<StepResponse> out) {
    answer(out, () -> {
      BatchedEnv env = session(r.getSessionId());
      synchronized (env) {
        int[] copies = r.getCopiesList().stream().mapToInt(Integer::intValue).toArray();
        return Protos.stepResponse(env, env.reset(r.hasSeed() ? r.getSeed() : null, copies));
      }
    });
  }

  @Override
  public void step(StepRequest r, StreamObserver<StepResponse> out) {
    answer(out, () -> doStep(r));
  }

  @Override
  public StreamObserver<StepRequest> stepStream(StreamObserver<StepResponse> out) {
    return new StreamObserver<>() {
      private boolean failed;

      @Override
      public void onNext(StepRequest r) {
        if (failed) {
          return;
        }
        try {
          out.onNext(doStep(r));
        } catch (RuntimeException e) {
          failed = true;
          out.onError(status(e));
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
    answer(out, () -> {
      BatchedEnv env = sessions.remove(r.getSessionId());
      if (env == null) {
        throw EnvException.notFound("unknown session '" + r.getSessionId() + "'");
      }
      return CloseSessionResponse.newBuilder().setSessionSteps(env.sessionStep())
          .setEpisodes(env.episodesEnded()).build();
    });
  }

  private StepResponse doStep(StepRequest r) {
    BatchedEnv env = session(r.getSessionId());
    synchronized (env) {
      return Protos.stepResponse(env, env.step(r.getActions().asReadOnlyByteBuffer()));
    }
  }

  private BatchedEnv session(String id) {
    BatchedEnv env = sessions.get(id);
    if (env == null) {
      throw EnvException.notFound("unknown session '" + id + "' (closed or expired)");
    }
    return env;
  }

  private static <T> void answer(StreamObserver<T> out, Supplier<T> call) {
    T value;
    try {
      value = call.get();
    } catch (RuntimeException e) {
      out.onError(status(e));
      return;
    }
    out.onNext(value);
    out.onCompleted();
  }

  private static StatusRuntimeException status(RuntimeException e) {
    if (e instanceof EnvException ee) {
      return Status.fromCode(Status.Code.valueOf(ee.kind().name())).withDescription(ee.getMessage()).asRuntimeException();
    }
    return Status.INTERNAL.withDescription(String.valueOf(e)).withCause(e).asRuntimeException();
  }
}
