package dev.kindred.dmenv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.Code;
import dev.kindred.dmenv.proto.CreateWorldRequest;
import dev.kindred.dmenv.proto.EnvironmentRequest;
import dev.kindred.dmenv.proto.EnvironmentStateType;
import dev.kindred.dmenv.proto.JoinWorldRequest;
import dev.kindred.env.WorldRegistry;
import dev.kindred.proto.v1.CreateSessionRequest;
import dev.kindred.proto.v1.EnvServiceGrpc;
import dev.kindred.server.KindredServer;
import dev.kindred.server.QueueObserver;
import dev.kindred.server.ServerConfig;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The dm_env_rpc service on the real server: same TCP port as kindred.v1, listed by reflection. */
class DmEnvRpcOnKindredServerTest {

  @Test
  void servedOnTheKindredPortAndListedByReflection() throws Exception {
    ServerConfig config = ServerConfig.builder().host("127.0.0.1").port(0).build();
    try (KindredServer server = KindredServer.start(config, WorldRegistry.builtIn())) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      try {
        QueueObserver<ServerReflectionResponse> answer = new QueueObserver<>();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
            .serverReflectionInfo(answer);
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        requests.onCompleted();
        List<String> names = answer.next().getListServicesResponse().getServiceList().stream()
            .map(ServiceResponse::getName).toList();
        assertTrue(names.contains("dm_env_rpc.v1.Environment"), names.toString());
        assertTrue(names.contains("kindred.v1.EnvService"), names.toString());

        try (DmClient c = new DmClient(channel)) {
          String world = c.create(Map.of("world", DmClient.string("spin.lattice"), "controlled", DmClient.longs(3)));
          c.join(world);
          assertEquals(EnvironmentStateType.RUNNING, c.step(Map.of()).getState());
          assertEquals(EnvironmentStateType.RUNNING, c.step(Map.of(1L, DmClient.ints(1))).getState());
          c.leave();
          c.destroy(world);
        }
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void worldsAreSessionsUnderTheServersLimitAndIdleTimeout() throws Exception {
    ServerConfig config = ServerConfig.builder().host("127.0.0.1").port(0).maxSessions(2)
        .sessionIdleTimeout(Duration.ofMillis(300)).build();
    try (KindredServer server = KindredServer.start(config, WorldRegistry.builtIn())) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      try (DmClient c = new DmClient(channel)) {
        EnvServiceGrpc.EnvServiceBlockingStub kindred = EnvServiceGrpc.newBlockingStub(channel);
        CreateSessionRequest session = CreateSessionRequest.newBuilder().setWorldId("spin.lattice").build();
        kindred.createSession(session);
        String world = c.create(Map.of("world", DmClient.string("spin.lattice")));
        // One kindred.v1 session and one dm_env_rpc world fill a limit of two, for both protocols.
        assertTrue(c.error(EnvironmentRequest.newBuilder().setCreateWorld(CreateWorldRequest.newBuilder()
            .putSettings("world", DmClient.string("spin.lattice")))
            .build(), Code.RESOURCE_EXHAUSTED).contains("limit of 2 sessions"));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> kindred.createSession(session));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());

        // Both expire when idle (the sweeper looks every 75 ms), and their slots are free again.
        Thread.sleep(1500);
        assertTrue(c.error(EnvironmentRequest.newBuilder().setJoinWorld(JoinWorldRequest.newBuilder()
            .setWorldName(world)).build(), Code.NOT_FOUND).contains("expire after 0.300 s idle"));
        kindred.createSession(session);
        c.create(Map.of("world", DmClient.string("spin.lattice")));
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
