package dev.kindred.dmenv;

import static dev.kindred.dmenv.DmClient.ints;
import static dev.kindred.dmenv.DmClient.scalar;
import static dev.kindred.dmenv.DmClient.string;
import static dev.kindred.dmenv.DmClient.uid;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import dev.kindred.dmenv.proto.ActionObservationSpecs;
import dev.kindred.dmenv.proto.DataType;
import dev.kindred.dmenv.proto.EnvironmentRequest;
import dev.kindred.dmenv.proto.EnvironmentStateType;
import dev.kindred.dmenv.proto.JoinWorldRequest;
import dev.kindred.dmenv.proto.ResetRequest;
import dev.kindred.dmenv.proto.ResetWorldRequest;
import dev.kindred.dmenv.proto.StepResponse;
import dev.kindred.dmenv.proto.Tensor;
import dev.kindred.dmenv.proto.TensorSpec;
import dev.kindred.env.Autoreset;
import dev.kindred.env.BatchedEnv;
import dev.kindred.env.CounterWorld;
import dev.kindred.env.WorldRegistry;
import dev.kindred.env.WorldType;
import dev.kindred.server.auth.Authenticator;
import dev.kindred.server.core.Connections;
import dev.kindred.server.core.Quota;
import dev.kindred.server.core.RequestStreams;
import dev.kindred.server.core.SessionRegistry;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import dev.kindred.env.DataFiles;
import dev.kindred.server.core.WorldFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The dm_env_rpc mapping over an in-process channel. */
class DmEnvRpcServiceTest {
  private static final int MAX_WORLDS = 4;

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private SessionRegistry sessions;
  private DmEnvRpcService service;
  private Server server;
  private ManagedChannel channel;
  private String name;
  private WorldRegistry registry;
  private WorldFactory factory;

  @BeforeEach
  void start() throws IOException {
    start(1 << 20);
  }

  private void start(int maxMessageBytes) throws IOException {
    List<WorldType> types = new ArrayList<>(WorldRegistry.builtIn().all());
    types.add(new CounterWorld.Type());
    registry = new WorldRegistry(types);
    sessions = new SessionRegistry(MAX_WORLDS, Duration.ofSeconds(600), now::get);
    factory = new WorldFactory(new WorldFactory.Limits(1L << 30, 10_000_000_000L, maxMessageBytes / 4),
        DataFiles.none(), 2, 16);
    service = new DmEnvRpcService(registry, sessions, new RequestStreams(), factory, maxMessageBytes);
    name = "dmenv-" + UUID.randomUUID();
    server = Authenticator.install(InProcessServerBuilder.forName(name), new Connections(Quota.NONE, now::get), null)
        .addService(service).build().start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
    factory.close();
  }

  private DmClient client() {
    return new DmClient(channel);
  }

  private static Map<String, Tensor> counter(long seed, long agents) {
    return Map.of("world", string(CounterWorld.ID), "seed", scalar(seed), "agents", scalar(agents));
  }

  @Test
  void createWorldWithoutAWorldIsRefusedNamingTheWorlds() {
    try (DmClient c = client()) {
      String message = c.error(create(Map.of("seed", scalar(3L))), Code.INVALID_ARGUMENT);
      assertTrue(message.contains("settings.world: required"), message);
      for (String id : registry.ids()) {
        assertTrue(message.contains(id), message);
      }
      // Nothing was created: the limit still has room for MAX_WORLDS worlds.
      for (int i = 0; i < MAX_WORLDS; i++) {
        c.create(counter(i, 1));
      }
    }
  }

  @Test
  void createJoinStepResetLeaveDestroy() {
    try (DmClient c = client()) {
      String world = c.create(counter(3, 2));
      assertTrue(world.startsWith(CounterWorld.ID + "-"), world);
      ActionObservationSpecs specs = c.join(world);

      TensorSpec move = specs.getActionsOrThrow(1);
      assertEquals("move", move.getName());
      assertEquals(DataType.INT32, move.getDtype());
      assertEquals(List.of(2), move.getShapeList());
      assertEquals(0, move.getMin().getInt32S().getArray(0));
      assertEquals(2, move.getMax().getInt32S().getArray(0));

      long position = uid(specs.getObservationsMap(), "position");
      long total = uid(specs.getObservationsMap(), "total");
      long reward = uid(specs.getObservationsMap(), "reward");
      long discount = uid(specs.getObservationsMap(), "discount");
      assertEquals(List.of(2, 2), specs.getObservationsOrThrow(position).getShapeList());
      assertEquals(DataType.DOUBLE, specs.getObservationsOrThrow(total).getDtype());
      assertEquals(List.of(2), specs.getObservationsOrThrow(reward).getShapeList());
      assertEquals(-1f, specs.getObservationsOrThrow(reward).getMin().getFloats().getArray(0));
      assertEquals(List.of(), specs.getObservationsOrThrow(discount).getShapeList());

      // First step: actions ignored (even an unknown uid), a new sequence starts.
      StepResponse first = c.step(Map.of(99L, ints(7)), position, reward);
      assertEquals(EnvironmentStateType.RUNNING, first.getState());
      assertEquals(2, first.getObservationsCount());
      List<Integer> p0 = first.getObservationsOrThrow(position).getInt32S().getArrayList();
      assertEquals(List.of(0f, 0f), first.getObservationsOrThrow(reward).getFloats().getArrayList());

      // Move agent 0 right and agent 1 stays: rewards are action - 1.
      StepResponse second = c.step(Map.of(1L, ints(2, 1)), position, reward, discount);
      List<Integer> p1 = second.getObservationsOrThrow(position).getInt32S().getArrayList();
      assertEquals(p0.get(0) + 1, p1.get(0));
      assertEquals(p0.get(2), p1.get(2));
      assertEquals(List.of(1f, 0f), second.getObservationsOrThrow(reward).getFloats().getArrayList());
      assertEquals(1f, second.getObservationsOrThrow(discount).getFloats().getArray(0));

      // Nothing requested: nothing returned.
      assertEquals(0, c.step(Map.of(1L, ints(1, 1))).getObservationsCount());

      // Reset resends the specs; the next step ignores its actions and starts a sequence.
      ActionObservationSpecs again = c.ok(EnvironmentRequest.newBuilder()
          .setReset(ResetRequest.getDefaultInstance()).build()).getReset().getSpecs();
      assertEquals(specs, again);
      assertEquals(EnvironmentStateType.RUNNING, c.step(Map.of(42L, scalar(1.5))).getState());

      c.leave();
      c.leave(); // a no-op when not joined
      c.destroy(world);
      assertEquals(0, service.worldCount());
    }
  }

  @Test
  void errorsAreResponsesAndTheStreamStaysOpen() {
    try (DmClient c = client()) {
      c.error(DmClient.stepRequest(Map.of()), Code.FAILED_PRECONDITION);
      c.error(EnvironmentRequest.newBuilder().setReset(ResetRequest.getDefaultInstance()).build(),
          Code.FAILED_PRECONDITION);
      c.error(EnvironmentRequest.newBuilder().setJoinWorld(JoinWorldRequest.newBuilder().setWorldName("nope")).build(),
          Code.NOT_FOUND);
      c.error(EnvironmentRequest.newBuilder().setDestroyWorld(
          dev.kindred.dmenv.proto.DestroyWorldRequest.newBuilder().setWorldName("nope")).build(), Code.NOT_FOUND);
      c.error(create(Map.of("world", string("spin.lattice"), "bogus", scalar(1L))), Code.INVALID_ARGUMENT);
      assertTrue(c.error(create(Map.of("world", string("no.such"))), Code.INVALID_ARGUMENT).contains("no.such"));
      c.error(create(Map.of("world", string("spin.lattice"), "seed", scalar(1.5))), Code.INVALID_ARGUMENT);
      c.error(create(Map.of("world", string(CounterWorld.ID), "agents", scalar(65L))), Code.INVALID_ARGUMENT);
      c.error(EnvironmentRequest.getDefaultInstance(), Code.INVALID_ARGUMENT);
      c.error(EnvironmentRequest.newBuilder().setExtension(Any.getDefaultInstance()).build(), Code.UNIMPLEMENTED);

      String world = c.create(counter(1, 2));
      c.join(world);
      c.error(EnvironmentRequest.newBuilder().setJoinWorld(JoinWorldRequest.newBuilder().setWorldName(world)).build(),
          Code.FAILED_PRECONDITION);
      c.error(EnvironmentRequest.newBuilder().setDestroyWorld(
          dev.kindred.dmenv.proto.DestroyWorldRequest.newBuilder().setWorldName(world)).build(),
          Code.FAILED_PRECONDITION);
      c.step(Map.of());
      // Bad actions: unknown uid, dtype, shape, bounds, missing; unknown observation uid.
      c.error(DmClient.stepRequest(Map.of(1L, ints(1, 1), 2L, ints(0, 0))), Code.INVALID_ARGUMENT);
      c.error(DmClient.stepRequest(Map.of(1L, DmClient.longs(1, 1))), Code.INVALID_ARGUMENT);
      c.error(DmClient.stepRequest(Map.of(1L, ints(1, 1, 1))), Code.INVALID_ARGUMENT);
      c.error(DmClient.stepRequest(Map.of(1L, ints(1, 1).toBuilder().addShape(1).build())), Code.INVALID_ARGUMENT);
      assertTrue(c.error(DmClient.stepRequest(Map.of(1L, ints(1, 3))), Code.INVALID_ARGUMENT).contains("agent 1"));
      c.error(DmClient.stepRequest(Map.of(1L, ints(-1, 0))), Code.INVALID_ARGUMENT);
      assertTrue(c.error(DmClient.stepRequest(Map.of()), Code.INVALID_ARGUMENT).contains("missing action 'move'"));
      assertTrue(c.error(DmClient.stepRequest(Map.of(1L, ints(1, 1)), 77), Code.INVALID_ARGUMENT).contains("77"));
      // Broadcast and a variable dimension are accepted.
      assertEquals(EnvironmentStateType.RUNNING, c.step(Map.of(1L, ints(1).toBuilder().setShape(0, 2).build())).getState());
      assertEquals(EnvironmentStateType.RUNNING,
          c.step(Map.of(1L, ints(1, 1).toBuilder().setShape(0, -1).build())).getState());
      c.leave();
      c.destroy(world);
    }
  }

  private static EnvironmentRequest create(Map<String, Tensor> settings) {
    return EnvironmentRequest.newBuilder()
        .setCreateWorld(dev.kindred.dmenv.proto.CreateWorldRequest.newBuilder().putAllSettings(settings)).build();
  }

  @Test
  void truncationIsInterruptedTerminationIsTerminatedWithDiscountZero() {
    try (DmClient c = client()) {
      String world = c.create(Map.of("world", string(CounterWorld.ID), "seed", scalar(9L), "agents", scalar(1L),
          "max_steps", scalar(2L)));
      ActionObservationSpecs specs = c.join(world);
      long position = uid(specs.getObservationsMap(), "position");
      long discount = uid(specs.getObservationsMap(), "discount");
      int p0 = c.step(Map.of(), position).getObservationsOrThrow(position).getInt32S().getArray(0);
      assertEquals(EnvironmentStateType.RUNNING, c.step(Map.of(1L, ints(1))).getState());
      StepResponse end = c.step(Map.of(1L, ints(1)), discount);
      assertEquals(EnvironmentStateType.INTERRUPTED, end.getState());
      assertEquals(1f, end.getObservationsOrThrow(discount).getFloats().getArray(0));
      assertEquals(EnvironmentStateType.RUNNING, c.step(Map.of(5L, ints(9))).getState()); // actions ignored
      c.leave();

      // Rebuild the world (same specs) so that one step right terminates the replayed first episode.
      c.ok(EnvironmentRequest.newBuilder().setResetWorld(ResetWorldRequest.newBuilder().setWorldName(world)
          .putSettings("terminate_at", scalar((long) p0 + 1)).putSettings("seed", scalar(9L))).build());
      c.join(world);
      assertEquals(p0, c.step(Map.of(), position).getObservationsOrThrow(position).getInt32S().getArray(0));
      StepResponse terminated = c.step(Map.of(1L, ints(2)), discount);
      assertEquals(EnvironmentStateType.TERMINATED, terminated.getState());
      assertEquals(0f, terminated.getObservationsOrThrow(discount).getFloats().getArray(0));
      assertEquals(EnvironmentStateType.RUNNING, c.step(Map.of()).getState());
    }
  }

  @Test
  void sameSeedGivesTheSameTrajectoryAsAKindredSessionCopy() {
    long seed = 1234;
    List<List<Integer>> viaDm = new ArrayList<>();
    try (DmClient c = client()) {
      String world = c.create(Map.of("world", string(CounterWorld.ID), "seed", scalar(seed), "agents", scalar(2L),
          "max_steps", scalar(3L)));
      long position = uid(c.join(world).getObservationsMap(), "position");
      for (int i = 0; i < 8; i++) {
        viaDm.add(c.step(Map.of(1L, ints(i % 3, 2)), position).getObservationsOrThrow(position)
            .getInt32S().getArrayList());
      }
    }
    // The same actions through the core (autoreset NEXT_STEP mirrors the dm_env_rpc sequence start).
    WorldType type = registry.get(CounterWorld.ID);
    BatchedEnv env = new BatchedEnv(type.create(type.schema().resolve(Map.of("agents", 2, "max_steps", 3)), 1),
        Autoreset.NEXT_STEP, seed, List.of("position"));
    List<List<Integer>> viaCore = new ArrayList<>();
    env.reset(null, null);
    viaCore.add(positions(env));
    for (int i = 1; i < 8; i++) {
      env.step(new int[] {i % 3, 2});
      viaCore.add(positions(env));
    }
    assertEquals(viaCore, viaDm);
  }

  private static List<Integer> positions(BatchedEnv env) {
    java.nio.ByteBuffer b = env.batch().observation(0).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < b.capacity() / 4; i++) {
      out.add(b.getInt(4 * i));
    }
    return out;
  }

  @Test
  void resetWorldFromAnotherConnectionInterruptsTheAgentOnce() {
    try (DmClient host = client(); DmClient agent = client()) {
      String world = host.create(counter(5, 1));
      agent.ok(EnvironmentRequest.newBuilder().setJoinWorld(JoinWorldRequest.newBuilder().setWorldName(world)).build());
      // The world has its agent connection: nobody else may join.
      host.error(EnvironmentRequest.newBuilder().setJoinWorld(JoinWorldRequest.newBuilder().setWorldName(world)).build(),
          Code.FAILED_PRECONDITION);
      agent.step(Map.of());
      agent.step(Map.of(1L, ints(1)));
      host.ok(EnvironmentRequest.newBuilder().setResetWorld(ResetWorldRequest.newBuilder().setWorldName(world)
          .putSettings("seed", scalar(5L))).build());
      // A configuration change that alters the joined agent's specs is refused.
      host.error(EnvironmentRequest.newBuilder().setResetWorld(ResetWorldRequest.newBuilder().setWorldName(world)
          .putSettings("agents", scalar(3L))).build(), Code.FAILED_PRECONDITION);
      host.error(EnvironmentRequest.newBuilder().setDestroyWorld(
          dev.kindred.dmenv.proto.DestroyWorldRequest.newBuilder().setWorldName(world)).build(),
          Code.FAILED_PRECONDITION);
      assertEquals(EnvironmentStateType.INTERRUPTED, agent.step(Map.of(1L, ints(1))).getState());
      assertEquals(EnvironmentStateType.RUNNING, agent.step(Map.of(9L, ints(1))).getState());
      assertEquals(EnvironmentStateType.RUNNING, agent.step(Map.of(1L, ints(1))).getState());
      agent.leave();
      host.destroy(world);
    }
  }

  @Test
  void worldsBelongToThePrincipalThatCreatedThem() {
    // Another in-process channel is another connection, hence (without tokens) another principal.
    ManagedChannel otherChannel = InProcessChannelBuilder.forName(name).build();
    try (DmClient owner = client(); DmClient stranger = new DmClient(otherChannel)) {
      String world = owner.create(counter(5, 1));
      String never = CounterWorld.ID + "-0123456789abcdef";
      for (java.util.function.Function<String, EnvironmentRequest> request : List.<java.util.function.Function<String,
          EnvironmentRequest>>of(
          w -> EnvironmentRequest.newBuilder().setJoinWorld(JoinWorldRequest.newBuilder().setWorldName(w)).build(),
          w -> EnvironmentRequest.newBuilder().setResetWorld(ResetWorldRequest.newBuilder().setWorldName(w)
              .putSettings("seed", scalar(9L))).build(),
          w -> EnvironmentRequest.newBuilder().setDestroyWorld(
              dev.kindred.dmenv.proto.DestroyWorldRequest.newBuilder().setWorldName(w)).build())) {
        String missing = stranger.error(request.apply(never), Code.NOT_FOUND);
        assertEquals(missing.replace(never, world), stranger.error(request.apply(world), Code.NOT_FOUND));
      }
      // The owner's world is untouched: joinable, steppable, destroyable.
      owner.join(world);
      assertEquals(EnvironmentStateType.RUNNING, owner.step(Map.of()).getState());
      owner.leave();
      owner.destroy(world);
    } finally {
      otherChannel.shutdownNow();
    }
  }

  @Test
  void worldsAreLimitedAndDieWithTheirCreatingConnection() throws Exception {
    DmClient a = client();
    List<String> names = new ArrayList<>();
    for (int i = 0; i < MAX_WORLDS; i++) {
      names.add(a.create(counter(i, 1)));
    }
    assertEquals(MAX_WORLDS, names.stream().distinct().count());
    assertTrue(a.error(create(counter(0, 1)), Code.RESOURCE_EXHAUSTED).contains("--max-sessions"));

    // Another connection joins one of them; when the creator closes, that one survives until it leaves.
    DmClient b = client();
    b.join(names.get(0));
    a.close();
    awaitWorlds(1);
    b.step(Map.of());
    b.leave();
    awaitWorlds(0);
    b.close();
  }

  @Test
  void idleWorldsExpireAndFreeTheirSlot() {
    try (DmClient a = client(); DmClient b = client()) {
      String idle = a.create(counter(1, 1));
      String used = a.create(counter(2, 1));
      b.join(used);
      now.addAndGet(Duration.ofSeconds(500).toNanos());
      b.step(Map.of());
      now.addAndGet(Duration.ofSeconds(101).toNanos());
      assertEquals(1, sessions.expireIdle());
      assertEquals(1, service.worldCount());
      assertTrue(a.error(EnvironmentRequest.newBuilder().setJoinWorld(JoinWorldRequest.newBuilder()
          .setWorldName(idle)).build(), Code.NOT_FOUND).contains("expire after 600 s idle"));
      assertEquals(EnvironmentStateType.RUNNING, b.step(Map.of(1L, ints(1))).getState());

      // A joined world expires too; its agent's next step says so.
      now.addAndGet(Duration.ofSeconds(601).toNanos());
      assertEquals(1, sessions.expireIdle());
      assertTrue(b.error(DmClient.stepRequest(Map.of(1L, ints(1))), Code.NOT_FOUND).contains("expired"));
      b.leave();
      assertEquals(0, service.worldCount());
      for (int i = 0; i < MAX_WORLDS; i++) {
        a.create(counter(i, 1)); // the expired worlds' slots are free again
      }
    }
  }

  private void awaitWorlds(int n) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (service.worldCount() != n && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(n, service.worldCount());
  }

  @Test
  void responsesThatCouldExceedTheMessageLimitAreRefusedBeforeStepping() throws IOException {
    stop();
    start(64 * 1024);
    try (DmClient c = client()) {
      String world = c.create(Map.of("world", string("spin.lattice"), "width", scalar(128L), "height", scalar(128L)));
      ActionObservationSpecs specs = c.join(world);
      long spins = uid(specs.getObservationsMap(), "spins");       // 16384 int8: fits
      long phi = uid(specs.getObservationsMap(), "phi");           // 16384 float32: 64 KiB, too much
      assertEquals(List.of(128 * 128), specs.getObservationsOrThrow(spins).getShapeList());
      assertEquals(128 * 128, c.step(Map.of(), spins).getObservationsOrThrow(spins).getInt8S().getArray().size());
      assertTrue(c.error(DmClient.stepRequest(Map.of(), phi), Code.RESOURCE_EXHAUSTED).contains("message limit"));
      assertEquals(EnvironmentStateType.RUNNING, c.step(Map.of()).getState());
    }
  }

  @Test
  void spinWorldSpecsMapDtypesAndBounds() {
    try (DmClient c = client()) {
      String world = c.create(Map.of("world", string("spin.lattice"), "controlled", DmClient.longs(0, 5, 10),
          "width", scalar(4L),
          "height", scalar(4L), "beta", Tensor.newBuilder().setFloats(Tensor.FloatArray.newBuilder().addArray(0.1f)).build()));
      ActionObservationSpecs specs = c.join(world);
      TensorSpec spin = specs.getActionsOrThrow(1);
      assertEquals("spin", spin.getName());
      assertEquals(List.of(3), spin.getShapeList());
      TensorSpec own = specs.getObservationsOrThrow(uid(specs.getObservationsMap(), "own_spin"));
      assertEquals(DataType.INT8, own.getDtype());
      assertEquals(List.of(3), own.getShapeList());
      assertArrayEquals(new byte[] {-1}, own.getMin().getInt8S().getArray().toByteArray());
      assertArrayEquals(new byte[] {1}, own.getMax().getInt8S().getArray().toByteArray());
      TensorSpec nbr = specs.getObservationsOrThrow(uid(specs.getObservationsMap(), "neighbour_spins"));
      assertEquals(List.of(3, 4), nbr.getShapeList());
      long ownUid = uid(specs.getObservationsMap(), "own_spin");
      c.step(Map.of());
      byte[] s = c.step(Map.of(1L, ints(1, 0, 1)), ownUid).getObservationsOrThrow(ownUid).getInt8S().getArray()
          .toByteArray();
      assertArrayEquals(new byte[] {1, -1, 1}, s);
      assertNotEquals(0, specs.getObservationsCount());
    }
  }
}
