package dev.kindred.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Standard gRPC health checking and server reflection (v1 and v1alpha). */
class HealthReflectionTest extends InProcessTest {
  @Test
  void healthIsServingForServerAndEnvService() {
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(h.channel);
    assertEquals(ServingStatus.SERVING,
        health.check(HealthCheckRequest.newBuilder().setService("").build()).getStatus());
    assertEquals(ServingStatus.SERVING,
        health.check(HealthCheckRequest.newBuilder().setService("kindred.v1.EnvService").build()).getStatus());
  }

  @Test
  void reflectionV1ListsEnvService() throws Exception {
    QueueObserver<io.grpc.reflection.v1.ServerReflectionResponse> answer = new QueueObserver<>();
    StreamObserver<io.grpc.reflection.v1.ServerReflectionRequest> requests =
        io.grpc.reflection.v1.ServerReflectionGrpc.newStub(h.channel).serverReflectionInfo(answer);
    requests.onNext(io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("").build());
    requests.onCompleted();
    List<String> names = answer.next().getListServicesResponse().getServiceList().stream()
        .map(io.grpc.reflection.v1.ServiceResponse::getName).toList();
    assertTrue(names.contains("kindred.v1.EnvService"), names.toString());
    assertTrue(names.contains("grpc.health.v1.Health"), names.toString());
  }

  @Test
  void reflectionV1AlphaListsEnvService() throws Exception {
    QueueObserver<io.grpc.reflection.v1alpha.ServerReflectionResponse> answer = new QueueObserver<>();
    StreamObserver<io.grpc.reflection.v1alpha.ServerReflectionRequest> requests =
        io.grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(h.channel).serverReflectionInfo(answer);
    requests.onNext(io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder().setListServices("").build());
    requests.onCompleted();
    List<String> names = answer.next().getListServicesResponse().getServiceList().stream()
        .map(io.grpc.reflection.v1alpha.ServiceResponse::getName).toList();
    assertTrue(names.contains("kindred.v1.EnvService"), names.toString());
  }

  @Test
  void reflectionDescribesEnvServiceFile() throws Exception {
    QueueObserver<io.grpc.reflection.v1.ServerReflectionResponse> answer = new QueueObserver<>();
    StreamObserver<io.grpc.reflection.v1.ServerReflectionRequest> requests =
        io.grpc.reflection.v1.ServerReflectionGrpc.newStub(h.channel).serverReflectionInfo(answer);
    requests.onNext(io.grpc.reflection.v1.ServerReflectionRequest.newBuilder()
        .setFileContainingSymbol("kindred.v1.EnvService").build());
    requests.onCompleted();
    assertTrue(answer.next().getFileDescriptorResponse().getFileDescriptorProtoCount() > 0);
  }
}
