package dev.kindred.dmenv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.Code;
import dev.kindred.dmenv.proto.CreateWorldRequest;
import dev.kindred.dmenv.proto.EnvironmentRequest;
import dev.kindred.dmenv.proto.ResetWorldRequest;
import dev.kindred.dmenv.proto.Tensor;
import dev.kindred.env.WorldRegistry;
import dev.kindred.proto.v1.CreateSessionRequest;
import dev.kindred.proto.v1.EnvServiceGrpc;
import dev.kindred.protocol.Protos;
import dev.kindred.server.KindredServer;
import dev.kindred.server.ServerConfig;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Findings 1 and 2 over dm_env_rpc: the same data directory and the same limits as kindred.v1,
 * through the same check; broadcasts are counted before they are expanded.
 */
class DmLimitsTest {
  private static final Duration PROMPTLY = Duration.ofSeconds(10);

  @TempDir
  Path data;
  private KindredServer server;
  private ManagedChannel channel;
  private DmClient dm;

  @BeforeEach
  void start() throws Exception {
    Files.writeString(data.resolve("tri.txt"), "0 1 0.5\n1 0 -0.5\n0.5 -0.5 0\n");
    Files.writeString(data.resolve("words.txt"), "root:x:0:0:hidden\n");
    server = KindredServer.start(ServerConfig.builder().host("127.0.0.1").port(0).dataDir(data)
        .shutdownGrace(Duration.ofMillis(500)).build(), WorldRegistry.builtIn());
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    dm = new DmClient(channel);
  }

  @AfterEach
  void stop() {
    dm.close();
    channel.shutdownNow();
    server.close();
  }

  private static EnvironmentRequest create(Map<String, Tensor> settings) {
    return EnvironmentRequest.newBuilder().setCreateWorld(CreateWorldRequest.newBuilder().putAllSettings(settings))
        .build();
  }

  private static Map<String, Tensor> settings(String world, Object... kv) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("world", DmClient.string(world));
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], (Tensor) kv[i + 1]);
    }
    return m;
  }

  /** One double broadcast to {@code shape}: a few bytes on the wire. */
  private static Tensor broadcast(double v, int... shape) {
    Tensor.Builder t = Tensor.newBuilder().setDoubles(Tensor.DoubleArray.newBuilder().addArray(v));
    for (int d : shape) {
      t.addShape(d);
    }
    return t.build();
  }

  private String error(Map<String, Tensor> settings, Code code, String... fragments) {
    String m = assertTimeoutPreemptively(PROMPTLY, () -> dm.error(create(settings), code));
    for (String f : fragments) {
      assertTrue(m.contains(f), () -> "'" + m + "' should contain '" + f + "'");
    }
    return m;
  }

  @Test
  void filesComeOnlyFromTheDataDirectory() {
    dm.create(settings("spin.boltzmann", "couplings_file", DmClient.string("tri.txt")));
    for (String path : new String[] {"/etc/passwd", "/proc/self/environ", "/dev/zero", "../x"}) {
      String m = error(settings("spin.boltzmann", "couplings_file", DmClient.string(path)), Code.INVALID_ARGUMENT,
          "settings.couplings_file");
      assertFalse(m.contains("root:"), m);
    }
    String m = error(settings("spin.boltzmann", "couplings_file", DmClient.string("words.txt")),
        Code.INVALID_ARGUMENT, "line 1, entry 1 is not a number");
    assertFalse(m.contains("hidden"), m);
    error(settings("energy.room", "map_file", DmClient.string("/etc/passwd")), Code.INVALID_ARGUMENT,
        "settings.map_file", "absolute path");
  }

  @Test
  void broadcastsAreCountedBeforeTheyAreExpanded() {
    // 66 bytes on the wire, 4e8 couplings once expanded.
    error(settings("spin.boltzmann", "couplings", broadcast(1, 20000, 20000)), Code.RESOURCE_EXHAUSTED,
        "settings.couplings: shape [20000, 20000] is 400000000 values", "--max-message-mb");
    Tensor controlled = Tensor.newBuilder().setInt32S(Tensor.Int32Array.newBuilder().addArray(0))
        .addShape(100_000_000).build();
    error(settings("spin.lattice", "controlled", controlled), Code.RESOURCE_EXHAUSTED, "100000000 values");
    // No values at all, but two billion rows of none (found by ServerFuzzTest: out of memory).
    Tensor empty = Tensor.newBuilder().setDoubles(Tensor.DoubleArray.newBuilder()).addShape(Integer.MAX_VALUE)
        .addShape(0).build();
    error(settings("energy.room", "body_profiles", empty), Code.INVALID_ARGUMENT, "settings.body_profiles",
        "at least one row and one column");
    // A broadcast within the limit still works.
    dm.create(settings("spin.lattice", "width", DmClient.scalar(4L), "height", DmClient.scalar(4L),
        "zetas", broadcast(0.5, 16)));
  }

  @Test
  void theLimitsAreKindredV1s() {
    String world = dm.create(settings("spin.lattice", "width", DmClient.scalar(4L), "height", DmClient.scalar(4L)));
    Map<String, Object> runaway = Map.of("width", 4, "height", 4, "burn_in_sweeps", 1L << 40);
    Map<String, Object> huge = Map.of("n", 16384);
    // kindred.v1 refuses both...
    EnvServiceGrpc.EnvServiceBlockingStub v1 = EnvServiceGrpc.newBlockingStub(channel);
    for (Map.Entry<String, Map<String, Object>> w : Map.of("spin.lattice", runaway, "spin.sk", huge).entrySet()) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> v1.createSession(CreateSessionRequest.newBuilder().setWorldId(w.getKey())
              .setConfig(Protos.toStruct(w.getValue())).build()));
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    }
    // ...and so does dm_env_rpc, naming the same limits.
    error(settings("spin.lattice", "width", DmClient.scalar(4L), "height", DmClient.scalar(4L), "burn_in_sweeps",
        DmClient.scalar(1L << 40)), Code.RESOURCE_EXHAUSTED, "settings: a Reset of this spin.lattice world",
        "--max-call-work");
    error(settings("spin.sk", "n", DmClient.scalar(16384L)), Code.RESOURCE_EXHAUSTED,
        "settings: this spin.sk world needs about 3.0 GiB", "--max-world-mb");
    // ResetWorld rebuilds under the same limits.
    String m = assertTimeoutPreemptively(PROMPTLY, () -> dm.error(EnvironmentRequest.newBuilder()
        .setResetWorld(ResetWorldRequest.newBuilder().setWorldName(world)
            .putSettings("burn_in_sweeps", DmClient.scalar(1L << 40))).build(), Code.RESOURCE_EXHAUSTED));
    assertTrue(m.contains("--max-call-work"), m);
  }
}
