package dev.kindred.dmenv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.Code;
import dev.kindred.dmenv.proto.ActionObservationSpecs;
import dev.kindred.dmenv.proto.CreateWorldRequest;
import dev.kindred.dmenv.proto.DestroyWorldRequest;
import dev.kindred.dmenv.proto.EnvironmentGrpc;
import dev.kindred.dmenv.proto.EnvironmentRequest;
import dev.kindred.dmenv.proto.EnvironmentResponse;
import dev.kindred.dmenv.proto.JoinWorldRequest;
import dev.kindred.dmenv.proto.LeaveWorldRequest;
import dev.kindred.dmenv.proto.StepRequest;
import dev.kindred.dmenv.proto.StepResponse;
import dev.kindred.dmenv.proto.Tensor;
import dev.kindred.dmenv.proto.TensorSpec;
import dev.kindred.server.QueueObserver;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.util.Map;

/** A test client: one dm_env_rpc stream, one blocking request/response at a time. */
final class DmClient implements AutoCloseable {
  private final QueueObserver<EnvironmentResponse> responses = new QueueObserver<>();
  private final StreamObserver<EnvironmentRequest> requests;

  DmClient(Channel channel) {
    requests = EnvironmentGrpc.newStub(channel).process(responses);
  }

  EnvironmentResponse send(EnvironmentRequest request) {
    requests.onNext(request);
    return responses.next();
  }

  /** Sends a request that must succeed. */
  EnvironmentResponse ok(EnvironmentRequest request) {
    EnvironmentResponse r = send(request);
    assertTrue(!r.hasError(), () -> "unexpected error: " + r.getError());
    return r;
  }

  /** Sends a request that must fail with {@code code}; returns the message. */
  String error(EnvironmentRequest request, Code code) {
    EnvironmentResponse r = send(request);
    assertTrue(r.hasError(), () -> "expected " + code + ", got " + r);
    assertEquals(code.getNumber(), r.getError().getCode(), r.getError().getMessage());
    return r.getError().getMessage();
  }

  String create(Map<String, Tensor> settings) {
    return ok(EnvironmentRequest.newBuilder()
        .setCreateWorld(CreateWorldRequest.newBuilder().putAllSettings(settings)).build())
        .getCreateWorld().getWorldName();
  }

  ActionObservationSpecs join(String world) {
    return ok(EnvironmentRequest.newBuilder().setJoinWorld(JoinWorldRequest.newBuilder().setWorldName(world)).build())
        .getJoinWorld().getSpecs();
  }

  /** Joins a seat of a seated world with its token. */
  ActionObservationSpecs joinSeat(String world, String seat, String token) {
    return ok(joinSeatRequest(world, seat, token)).getJoinWorld().getSpecs();
  }

  static EnvironmentRequest joinSeatRequest(String world, String seat, String token) {
    return EnvironmentRequest.newBuilder().setJoinWorld(JoinWorldRequest.newBuilder().setWorldName(world)
        .putSettings("seat", string(seat)).putSettings("seat_token", string(token))).build();
  }

  StepResponse step(Map<Long, Tensor> actions, long... observations) {
    return ok(stepRequest(actions, observations)).getStep();
  }

  static EnvironmentRequest stepRequest(Map<Long, Tensor> actions, long... observations) {
    StepRequest.Builder b = StepRequest.newBuilder().putAllActions(actions);
    for (long uid : observations) {
      b.addRequestedObservations(uid);
    }
    return EnvironmentRequest.newBuilder().setStep(b).build();
  }

  void leave() {
    ok(EnvironmentRequest.newBuilder().setLeaveWorld(LeaveWorldRequest.getDefaultInstance()).build());
  }

  void destroy(String world) {
    ok(EnvironmentRequest.newBuilder().setDestroyWorld(DestroyWorldRequest.newBuilder().setWorldName(world)).build());
  }

  static long uid(Map<Long, TensorSpec> specs, String name) {
    return specs.entrySet().stream().filter(e -> e.getValue().getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no spec named " + name + " in " + specs)).getKey();
  }

  static Tensor ints(int... values) {
    Tensor.Int32Array.Builder a = Tensor.Int32Array.newBuilder();
    for (int v : values) {
      a.addArray(v);
    }
    return Tensor.newBuilder().setInt32S(a).addShape(values.length).build();
  }

  static Tensor scalar(long v) {
    return Tensor.newBuilder().setInt64S(Tensor.Int64Array.newBuilder().addArray(v)).build();
  }

  static Tensor scalar(double v) {
    return Tensor.newBuilder().setDoubles(Tensor.DoubleArray.newBuilder().addArray(v)).build();
  }

  static Tensor string(String s) {
    return Tensor.newBuilder().setStrings(Tensor.StringArray.newBuilder().addArray(s)).build();
  }

  static Tensor longs(long... values) {
    Tensor.Int64Array.Builder a = Tensor.Int64Array.newBuilder();
    for (long v : values) {
      a.addArray(v);
    }
    return Tensor.newBuilder().setInt64S(a).addShape(values.length).build();
  }

  @Override
  public void close() {
    requests.onCompleted();
  }
}
