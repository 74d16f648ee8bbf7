package dev.kindred.dmenv;

import static dev.kindred.dmenv.DmClient.ints;
import static dev.kindred.dmenv.DmClient.longs;
import static dev.kindred.dmenv.DmClient.scalar;
import static dev.kindred.dmenv.DmClient.string;
import static dev.kindred.dmenv.DmClient.uid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.Code;
import dev.kindred.dmenv.proto.ActionObservationSpecs;
import dev.kindred.dmenv.proto.CreateWorldRequest;
import dev.kindred.dmenv.proto.EnvironmentRequest;
import dev.kindred.dmenv.proto.EnvironmentResponse;
import dev.kindred.dmenv.proto.EnvironmentStateType;
import dev.kindred.dmenv.proto.JoinWorldRequest;
import dev.kindred.dmenv.proto.ResetRequest;
import dev.kindred.dmenv.proto.ResetWorldRequest;
import dev.kindred.dmenv.proto.StepResponse;
import dev.kindred.dmenv.proto.Tensor;
import dev.kindred.dmenv.proto.TensorSpec;
import dev.kindred.env.CounterWorld;
import dev.kindred.env.DataFiles;
import dev.kindred.env.WorldRegistry;
import dev.kindred.env.WorldType;
import dev.kindred.server.auth.Authenticator;
import dev.kindred.server.core.Connections;
import dev.kindred.server.core.Quota;
import dev.kindred.server.core.RequestStreams;
import dev.kindred.server.core.SessionRegistry;
import dev.kindred.server.core.WorldFactory;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Seated dm_env_rpc worlds: several dm_env_rpc connections (each its own principal) play the
 * seats of one world, as kindred.v1 matches do.
 */
class DmSeatedWorldTest {
  private static final int MAX_WORLDS = 8;
  /** Seat tokens: 32 and 34 hex digits. */
  private static final String RED = "0123456789abcdef0123456789abcdef";
  private static final String BLUE = "fedcba9876543210fedcba9876543210ab";
  /** Counter world: red = agents [0, 2], blue = agents [3, 1]. */
  private static final int[] RED_AGENTS = {0, 2};
  private static final int[] BLUE_AGENTS = {3, 1};

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final List<ManagedChannel> channels = new ArrayList<>();
  private SessionRegistry sessions;
  private DmEnvRpcService service;
  private Server server;
  private ManagedChannel channel;
  private String name;
  private WorldFactory factory;

  @BeforeEach
  void start() throws IOException {
    List<WorldType> types = new ArrayList<>(WorldRegistry.builtIn().all());
    types.add(new CounterWorld.Type());
    WorldRegistry registry = new WorldRegistry(types);
    sessions = new SessionRegistry(MAX_WORLDS, Duration.ofSeconds(600), now::get);
    factory = new WorldFactory(new WorldFactory.Limits(1L << 30, 10_000_000_000L, (1 << 22) / 4), DataFiles.none(),
        2, 16);
    service = new DmEnvRpcService(registry, sessions, new RequestStreams(), factory, 1 << 22);
    name = "dmseats-" + UUID.randomUUID();
    server = Authenticator.install(InProcessServerBuilder.forName(name), new Connections(Quota.NONE, now::get), null)
        .addService(service).build().start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @AfterEach
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    channel.shutdownNow();
    server.shutdownNow();
    service.close();
    factory.close();
  }

  /** A client on the shared channel (the test's own principal). */
  private DmClient client() {
    return new DmClient(channel);
  }

  /** A client on a channel of its own: without tokens, another connection is another principal. */
  private DmClient stranger() {
    ManagedChannel c = InProcessChannelBuilder.forName(name).build();
    channels.add(c);
    return new DmClient(c);
  }

  private static Map<String, Tensor> counter(long seed, long agents, long maxSteps) {
    return Map.of("world", string(CounterWorld.ID), "seed", scalar(seed), "agents", scalar(agents),
        "max_steps", scalar(maxSteps));
  }

  /** The 4-agent counter world with seats red and blue, plus {@code extra} settings. */
  private static Map<String, Tensor> seatedCounter(long seed, long maxSteps, Map<String, Tensor> extra) {
    Map<String, Tensor> s = new HashMap<>(counter(seed, 4, maxSteps));
    s.put("seat.red", longs(0, 2));
    s.put("seat.blue", longs(3, 1));
    s.put("seat_token.red", string(RED));
    s.put("seat_token.blue", string(BLUE));
    s.putAll(extra);
    return s;
  }

  private static EnvironmentRequest create(Map<String, Tensor> settings) {
    return EnvironmentRequest.newBuilder().setCreateWorld(CreateWorldRequest.newBuilder().putAllSettings(settings))
        .build();
  }

  private static EnvironmentRequest join(String world) {
    return EnvironmentRequest.newBuilder().setJoinWorld(JoinWorldRequest.newBuilder().setWorldName(world)).build();
  }

  private static EnvironmentRequest resetWorld(String world) {
    return EnvironmentRequest.newBuilder().setResetWorld(ResetWorldRequest.newBuilder().setWorldName(world)
        .putSettings("seed", scalar(1L))).build();
  }

  private static <T> CompletableFuture<T> async(Supplier<T> call) {
    return CompletableFuture.supplyAsync(call);
  }

  private static <T> T get(CompletableFuture<T> f) {
    try {
      return f.get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the seat's step did not come", e);
    }
  }

  /** A tensor's elements as boxed values (bytes, ints, longs, floats, doubles): equal lists are equal bits. */
  private static List<Object> elements(Tensor t) {
    List<Object> out = new ArrayList<>();
    switch (t.getPayloadCase()) {
      case INT8S -> t.getInt8S().getArray().forEach(out::add);
      case UINT8S -> t.getUint8S().getArray().forEach(out::add);
      case INT32S -> out.addAll(t.getInt32S().getArrayList());
      case INT64S -> out.addAll(t.getInt64S().getArrayList());
      case FLOATS -> out.addAll(t.getFloats().getArrayList());
      case DOUBLES -> out.addAll(t.getDoubles().getArrayList());
      case BOOLS -> out.addAll(t.getBools().getArrayList());
      default -> throw new AssertionError("unexpected payload " + t.getPayloadCase());
    }
    return out;
  }

  /** Rows {@code pick} of a tensor whose first axis has {@code rows} rows. */
  private static List<Object> rows(Tensor t, int rows, int[] pick) {
    List<Object> all = elements(t);
    int block = all.size() / rows;
    List<Object> out = new ArrayList<>();
    for (int r : pick) {
      out.addAll(all.subList(r * block, (r + 1) * block));
    }
    return out;
  }

  private static List<Integer> positions(StepResponse r, long uid) {
    List<Integer> all = r.getObservationsOrThrow(uid).getInt32S().getArrayList();
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < all.size(); i += 2) {
      out.add(all.get(i));
    }
    return out;
  }

  private static List<Float> rewards(StepResponse r, long uid) {
    return r.getObservationsOrThrow(uid).getFloats().getArrayList();
  }

  /**
   * {@code seat}'s response is the single controller's narrowed to its agents, bit for bit: every
   * observation the seat received (per-agent ones to its rows, in its order), its rewards, the
   * discount and the state.
   */
  private static void assertSlice(StepResponse full, StepResponse seat, ActionObservationSpecs fullSpecs,
      ActionObservationSpecs seatSpecs, int agents, int[] seatAgents, String what) {
    assertEquals(full.getState(), seat.getState(), what + ": state");
    assertEquals(full.getObservationsMap().keySet(), seat.getObservationsMap().keySet(), what);
    for (long uid : full.getObservationsMap().keySet()) {
      TensorSpec f = fullSpecs.getObservationsOrThrow(uid);
      TensorSpec s = seatSpecs.getObservationsOrThrow(uid);
      boolean perAgent = !f.getShapeList().equals(s.getShapeList());
      List<Object> want = perAgent ? rows(full.getObservationsOrThrow(uid), agents, seatAgents)
          : elements(full.getObservationsOrThrow(uid));
      assertEquals(want, elements(seat.getObservationsOrThrow(uid)), what + ": observation " + f.getName());
    }
  }

  @Test
  void twoConnectionsPlayOneSeatedWorldAndSeeTheSingleControllersSlicesBitForBit() {
    Map<String, Tensor> world = Map.of("world", string("energy.s3"), "seed", scalar(99L), "max_steps", scalar(7L),
        "kinship", string("random"), "groups", scalar(2L));
    try (DmClient single = client(); DmClient creator = client(); DmClient red = stranger();
        DmClient blue = stranger()) {
      ActionObservationSpecs full = single.join(single.create(world));
      int agents = full.getActionsOrThrow(1).getShape(0);
      assertTrue(agents >= 4, "agents " + agents);
      int[] redAgents = {1, agents - 1, 0};
      int[] blueAgents = new int[agents - 3];
      for (int j = 0; j < blueAgents.length; j++) {
        blueAgents[j] = 2 + j;
      }
      Map<String, Tensor> seated = new HashMap<>(world);
      seated.put("seat.red", longs(1, agents - 1, 0));
      seated.put("seat.blue", ints(blueAgents));
      seated.put("seat_token.red", string(RED));
      seated.put("seat_token.blue", string(BLUE));
      String w = creator.create(seated);
      ActionObservationSpecs rs = red.joinSeat(w, "red", RED);
      ActionObservationSpecs bs = blue.joinSeat(w, "blue", BLUE);

      // The seats' specs: the world's uids and names, their own agents only.
      assertEquals(full.getObservationsMap().keySet(), rs.getObservationsMap().keySet());
      assertEquals(full.getActionsMap().keySet(), rs.getActionsMap().keySet());
      for (long uid : full.getActionsMap().keySet()) {
        assertEquals(List.of(redAgents.length), rs.getActionsOrThrow(uid).getShapeList());
        assertEquals(List.of(blueAgents.length), bs.getActionsOrThrow(uid).getShapeList());
      }
      long reward = uid(full.getObservationsMap(), "reward");
      assertEquals(List.of(redAgents.length), rs.getObservationsOrThrow(reward).getShapeList());
      int perAgentObservations = 0;
      for (long uid : full.getObservationsMap().keySet()) {
        TensorSpec f = full.getObservationsOrThrow(uid);
        TensorSpec r = rs.getObservationsOrThrow(uid);
        assertEquals(f.getName(), r.getName());
        if (!f.getShapeList().equals(r.getShapeList())) {
          perAgentObservations++;
          assertEquals(agents, f.getShape(0));
          assertEquals(redAgents.length, r.getShape(0));
          assertEquals(f.getShapeList().subList(1, f.getShapeCount()), r.getShapeList().subList(1, r.getShapeCount()));
        }
      }
      assertTrue(perAgentObservations >= 2, "per-agent observations: " + perAgentObservations);

      long[] uids = full.getObservationsMap().keySet().stream().mapToLong(Long::longValue).sorted().toArray();
      SplittableRandom rng = new SplittableRandom(5);
      int ends = 0;
      for (int t = 0; t < 30; t++) {
        Map<Long, Tensor> all = new TreeMap<>();
        Map<Long, Tensor> mine = new TreeMap<>();
        Map<Long, Tensor> theirs = new TreeMap<>();
        for (long a : full.getActionsMap().keySet()) {
          int max = full.getActionsOrThrow(a).getMax().getInt32S().getArray(0);
          int[] v = new int[agents];
          for (int i = 0; i < agents; i++) {
            v[i] = rng.nextInt(max + 1);
          }
          all.put(a, ints(v));
          mine.put(a, ints(pick(v, redAgents)));
          theirs.put(a, ints(pick(v, blueAgents)));
        }
        CompletableFuture<StepResponse> fr = async(() -> red.step(mine, uids));
        StepResponse fb = blue.step(theirs, uids);
        StepResponse expected = single.step(all, uids);
        StepResponse fr2 = get(fr);
        assertSlice(expected, fr2, full, rs, agents, redAgents, "red, step " + t);
        assertSlice(expected, fb, full, bs, agents, blueAgents, "blue, step " + t);
        ends += expected.getState() == EnvironmentStateType.RUNNING ? 0 : 1;
      }
      assertTrue(ends >= 3, "sequences ended: " + ends);
    }
  }

  private static int[] pick(int[] all, int[] rows) {
    int[] out = new int[rows.length];
    for (int j = 0; j < rows.length; j++) {
      out[j] = all[rows[j]];
    }
    return out;
  }

  /** Red and blue step together (each on its own connection); returns [red's, blue's] answers. */
  private static StepResponse[] together(DmClient red, Map<Long, Tensor> redActions, DmClient blue,
      Map<Long, Tensor> blueActions, long... uids) {
    CompletableFuture<StepResponse> r = async(() -> red.step(redActions, uids));
    StepResponse b = blue.step(blueActions, uids);
    return new StepResponse[] {get(r), b};
  }

  @Test
  void seatSettingsAreCheckedAtCreateWorldWithoutEchoingATokenOrKeepingASlot() {
    String shortToken = "0123456789abcdef0123456789abcde"; // 31 digits
    String notHex = "0123456789abcdef0123456789abcdeg";
    String tooLong = "a".repeat(129);
    record Case(Map<String, Tensor> extra, List<String> removed, String... says) {}
    List<Case> cases = List.of(
        new Case(Map.of(), List.of("seat_token.blue"), "settings.seat_token.blue: is missing"),
        new Case(Map.of("seat_token.red", string(shortToken)), List.of(), "settings.seat_token.red",
            "31 characters", "32 to 128 hex digits"),
        new Case(Map.of("seat_token.red", string(notHex)), List.of(), "settings.seat_token.red", "hex digits"),
        new Case(Map.of("seat_token.red", string(tooLong)), List.of(), "settings.seat_token.red", "129 characters"),
        new Case(Map.of("seat_token.red", string(BLUE.toUpperCase())), List.of(), "settings.seat_token.red",
            "is the same as seat_token.blue"),
        new Case(Map.of("seat_token.red", scalar(7L)), List.of(), "settings.seat_token.red", "expected a string"),
        new Case(Map.of("seat_token.green", string(RED + "00")), List.of(), "settings.seat_token.green",
            "names no seat"),
        new Case(Map.of("seat.red", longs(0, 1), "seat.blue", longs(1, 2, 3)), List.of(), "settings.seat.red",
            "agent 1 is also in seat 'blue'"),
        new Case(Map.of("seat.red", longs(0)), List.of(), "settings: agents [2] are in no seat"),
        new Case(Map.of("seat.red", longs(0, 2, 9)), List.of(), "settings.seat.red", "agent 9", "agents 0..3"),
        new Case(Map.of("seat.red", longs(0, -2)), List.of(), "settings.seat.red", "integers from 0"),
        new Case(Map.of("seat.red", ints(0, 2).toBuilder().clearShape().addShape(1).addShape(2).build()), List.of(),
            "settings.seat.red", "rank 0 or 1"),
        new Case(Map.of("seat.Red", longs(0, 2), "seat_token.Red", string(RED)), List.of("seat.red", "seat_token.red"),
            "settings.seat.Red", "is not a seat name"),
        new Case(Map.of("fallback", string("forager")), List.of(), "settings.fallback", "forager"),
        new Case(Map.of("max_action_time_ms", scalar(3_600_001L)), List.of(), "settings.max_action_time_ms",
            "3600000"),
        new Case(Map.of("max_action_time_ms", string("soon")), List.of(), "settings.max_action_time_ms"),
        new Case(Map.of("start_before_all_joined", scalar(1L)), List.of(), "settings.start_before_all_joined",
            "expected a bool"));
    try (DmClient c = client()) {
      for (Case k : cases) {
        Map<String, Tensor> s = new HashMap<>(seatedCounter(1, 5, Map.of()));
        k.removed().forEach(s::remove);
        s.putAll(k.extra());
        String message = c.error(create(s), Code.INVALID_ARGUMENT);
        for (String says : k.says()) {
          assertTrue(message.contains(says), () -> "'" + says + "' not in: " + message);
        }
        for (String secret : List.of(RED, BLUE, BLUE.toUpperCase(), shortToken, notHex, tooLong, RED + "00")) {
          assertFalse(message.contains(secret), () -> "a token is echoed: " + message);
        }
      }
      // Match options need seats; seats need a world with agents.
      assertTrue(c.error(create(Map.of("world", string(CounterWorld.ID), "fallback", string("noop"))),
          Code.INVALID_ARGUMENT).contains("settings.fallback: is a match option and needs seats"));
      assertTrue(c.error(create(Map.of("world", string(CounterWorld.ID), "seat_token.red", string(RED))),
          Code.INVALID_ARGUMENT).contains("settings.seat_token.red: names no seat"));
      assertEquals(0, service.worldCount(), "no refused world keeps a slot");
      c.create(seatedCounter(1, 5, Map.of("fallback", string("random"), "max_action_time_ms", scalar(250L),
          "start_before_all_joined", Tensor.newBuilder().setBools(Tensor.BoolArray.newBuilder().addArray(true))
              .build())));
      assertEquals(1, service.worldCount());
    }
  }

  @Test
  void badSeatRequestsGetPreciseStatusesWithoutEchoingATokenAndLeaveTheWorldPlaying() {
    try (DmClient creator = client(); DmClient red = stranger(); DmClient blue = stranger();
        DmClient other = stranger(); DmClient single = client()) {
      String w = creator.create(seatedCounter(7, 1000, Map.of()));
      String missing = CounterWorld.ID + "-0123456789abcdef";
      String unknownWorld = red.error(DmClient.joinSeatRequest(missing, "red", RED), Code.NOT_FOUND);
      assertTrue(unknownWorld.contains("no world named"), unknownWorld);

      List<String> messages = new ArrayList<>();
      messages.add(red.error(DmClient.joinSeatRequest(w, "green", RED), Code.NOT_FOUND));
      assertTrue(messages.get(0).contains("seat 'green' not found") && messages.get(0).contains("blue, red"),
          messages.get(0));
      messages.add(red.error(DmClient.joinSeatRequest(w, "red", BLUE), Code.PERMISSION_DENIED));
      assertTrue(messages.get(1).contains("wrong seat_token for seat 'red'"), messages.get(1));
      messages.add(red.error(DmClient.joinSeatRequest(w, "red", RED.substring(1) + "0"), Code.PERMISSION_DENIED));
      messages.add(red.error(DmClient.joinSeatRequest(w, "red", "abc123"), Code.INVALID_ARGUMENT));
      assertTrue(messages.get(3).contains("settings.seat_token") && messages.get(3).contains("6 characters"),
          messages.get(3));
      messages.add(red.error(DmClient.joinSeatRequest(w, "red", RED.replace('f', 'g')), Code.INVALID_ARGUMENT));
      messages.add(red.error(EnvironmentRequest.newBuilder().setJoinWorld(JoinWorldRequest.newBuilder()
          .setWorldName(w).putSettings("seat", string("red"))).build(), Code.INVALID_ARGUMENT));
      assertTrue(messages.get(5).contains("settings.seat_token: is missing"), messages.get(5));
      messages.add(red.error(EnvironmentRequest.newBuilder().setJoinWorld(JoinWorldRequest.newBuilder()
          .setWorldName(w).putSettings("agent_name", string("alice"))).build(), Code.INVALID_ARGUMENT));
      // Tokens compare as hex digits: upper case joins.
      ActionObservationSpecs rs = red.joinSeat(w, "red", RED.toUpperCase());
      messages.add(other.error(DmClient.joinSeatRequest(w, "red", RED), Code.ALREADY_EXISTS));
      assertTrue(messages.get(7).contains("seat 'red'") && messages.get(7).contains("already held"), messages.get(7));
      messages.add(red.error(DmClient.joinSeatRequest(w, "blue", BLUE), Code.FAILED_PRECONDITION));
      ActionObservationSpecs bs = blue.joinSeat(w, "blue", BLUE);
      long position = uid(rs.getObservationsMap(), "position");
      long reward = uid(rs.getObservationsMap(), "reward");

      // Requests of a connection that controls a whole world do not fit a seated one.
      messages.add(creator.error(join(w), Code.FAILED_PRECONDITION));
      assertTrue(messages.get(9).contains("has seats"), messages.get(9));
      messages.add(creator.error(resetWorld(w), Code.FAILED_PRECONDITION));
      // To another principal, the world of a seat's JoinWorld without its token does not exist.
      String strangerMissing = other.error(join(missing), Code.NOT_FOUND);
      assertEquals(strangerMissing.replace(missing, w), other.error(join(w), Code.NOT_FOUND));
      assertEquals(other.error(resetWorld(missing), Code.NOT_FOUND).replace(missing, w),
          other.error(resetWorld(w), Code.NOT_FOUND));
      // Seat settings on a world without seats: FAILED_PRECONDITION to its owner, NOT_FOUND to others.
      String plain = creator.create(counter(7, 4, 1000));
      assertTrue(creator.error(DmClient.joinSeatRequest(plain, "red", RED), Code.FAILED_PRECONDITION)
          .contains("created without seats"));
      assertEquals(unknownWorld.replace(missing, plain), other.error(DmClient.joinSeatRequest(plain, "red", RED),
          Code.NOT_FOUND));

      // The sequences start: no submission yet, the current observations.
      StepResponse r0 = red.step(Map.of(9L, ints(5)), position);
      StepResponse b0 = blue.step(Map.of(), position);
      // Bad steps of a running seat.
      messages.add(red.error(DmClient.stepRequest(Map.of(1L, ints(1, 1, 1, 1))), Code.INVALID_ARGUMENT));
      String shape = messages.get(messages.size() - 1);
      assertTrue(shape.contains("has shape [4]; expected [2]") && shape.contains("seat 'red' controls 2 of the "
          + "world's 4 agents: [0, 2]") && shape.contains("walker_0, walker_2"), shape);
      messages.add(red.error(DmClient.stepRequest(Map.of(1L, ints(1, 3))), Code.INVALID_ARGUMENT));
      assertTrue(messages.get(messages.size() - 1).contains("agent 1 ('walker_2') has value 3"));
      messages.add(red.error(DmClient.stepRequest(Map.of()), Code.INVALID_ARGUMENT));
      messages.add(red.error(DmClient.stepRequest(Map.of(1L, ints(1, 1)), 77), Code.INVALID_ARGUMENT));
      messages.add(red.error(EnvironmentRequest.newBuilder().setReset(ResetRequest.newBuilder()
          .putSettings("seed", scalar(3L))).build(), Code.INVALID_ARGUMENT));
      assertTrue(messages.get(messages.size() - 1).contains("a seat's Reset takes no settings"));
      for (String m : messages) {
        for (String secret : List.of(RED, BLUE, RED.toUpperCase(), RED.substring(1), RED.replace('f', 'g'))) {
          assertFalse(m.contains(secret), () -> "a token is echoed: " + m);
        }
      }

      // Nothing was touched: the seats play on as one controller of the same seed would.
      ActionObservationSpecs fullSpecs = single.join(single.create(counter(7, 4, 1000)));
      StepResponse s0 = single.step(Map.of(), position);
      assertEquals(pickList(positions(s0, position), RED_AGENTS), positions(r0, position));
      assertEquals(pickList(positions(s0, position), BLUE_AGENTS), positions(b0, position));
      for (int t = 1; t <= 4; t++) {
        StepResponse[] rb = together(red, Map.of(1L, ints(2, t % 3)), blue, Map.of(1L, ints(0, 1)), position,
            reward);
        // Agents 0..3 as red [0, 2] and blue [3, 1] moved them.
        StepResponse s = single.step(Map.of(1L, ints(2, 1, t % 3, 0)), position, reward);
        assertSlice(s, rb[0], fullSpecs, rs, 4, RED_AGENTS, "red, step " + t);
        assertSlice(s, rb[1], fullSpecs, bs, 4, BLUE_AGENTS, "blue, step " + t);
      }
    }
  }

  private static List<Integer> pickList(List<Integer> all, int[] rows) {
    List<Integer> out = new ArrayList<>();
    for (int r : rows) {
      out.add(all.get(r));
    }
    return out;
  }

  @Test
  void aLateSeatsAgentsPlayTheFallbackOnceTheDeadlinePasses() {
    try (DmClient creator = client(); DmClient red = stranger(); DmClient blue = stranger()) {
      String w = creator.create(seatedCounter(3, 1000, Map.of("max_action_time_ms", scalar(300L))));
      ActionObservationSpecs rs = red.joinSeat(w, "red", RED);
      blue.joinSeat(w, "blue", BLUE);
      long position = uid(rs.getObservationsMap(), "position");
      long total = uid(rs.getObservationsMap(), "total");
      List<Integer> red0 = positions(red.step(Map.of(), position), position);
      List<Integer> blue0 = positions(blue.step(Map.of(), position), position);
      // Blue holds its seat but does not submit: red's step comes at the deadline.
      long t0 = System.nanoTime();
      StepResponse r1 = red.step(Map.of(1L, ints(2, 2)), position, total);
      double waited = (System.nanoTime() - t0) / 1e6;
      assertTrue(waited >= 290 && waited < 10_000, "the step came at the deadline: " + waited + " ms");
      assertEquals(List.of(red0.get(0) + 1, red0.get(1) + 1), positions(r1, position));
      // Blue's agents played the fallback (noop: action 0 of the counter world, one step left).
      List<Integer> blue1 = List.of(Math.max(blue0.get(0) - 1, 0), Math.max(blue0.get(1) - 1, 0));
      assertEquals(red0.get(0) + red0.get(1) + 2 + blue1.get(0) + blue1.get(1),
          r1.getObservationsOrThrow(total).getDoubles().getArray(0), 1e-9);
      // Blue's next submission is for the next step; it sees its agents where the fallback left them.
      StepResponse[] rb = together(red, Map.of(1L, ints(1, 1)), blue, Map.of(1L, ints(1, 1)), position);
      assertEquals(blue1, positions(rb[1], position));
      assertEquals(EnvironmentStateType.RUNNING, rb[1].getState());
    }
  }

  @Test
  void theFirstStepWaitsForEverySeatUnlessTheWorldStartsBeforeAllJoined() throws Exception {
    try (DmClient creator = client(); DmClient red = stranger(); DmClient blue = stranger()) {
      String waits = creator.create(seatedCounter(3, 1000, Map.of("max_action_time_ms", scalar(200L))));
      long position = uid(red.joinSeat(waits, "red", RED).getObservationsMap(), "position");
      red.step(Map.of());
      CompletableFuture<StepResponse> first = async(() -> red.step(Map.of(1L, ints(2, 2)), position));
      assertThrows(TimeoutException.class, () -> first.get(600, TimeUnit.MILLISECONDS));
      blue.joinSeat(waits, "blue", BLUE);
      assertEquals(EnvironmentStateType.RUNNING, get(first).getState()); // blue timed out: the deadline from the start
      red.leave();
      blue.leave();

      // Absent seats (never joined) play the fallback at once: nobody waits for them.
      Tensor yes = Tensor.newBuilder().setBools(Tensor.BoolArray.newBuilder().addArray(true)).build();
      String starts = creator.create(seatedCounter(3, 1000, Map.of("max_action_time_ms", scalar(5_000L),
          "start_before_all_joined", yes)));
      red.joinSeat(starts, "red", RED);
      List<Integer> p = positions(red.step(Map.of(), position), position);
      long t0 = System.nanoTime();
      for (int t = 1; t <= 5; t++) {
        p = positions(red.step(Map.of(1L, ints(2, 2)), position), position);
      }
      assertTrue((System.nanoTime() - t0) / 1e6 < 2_500, "an absent seat does not hold the steps");
      assertEquals(EnvironmentStateType.RUNNING, red.step(Map.of(1L, ints(1, 1))).getState());
      assertEquals(2, p.size());
    }
  }

  @Test
  void theWorldOutlivesItsCreatorAndGoesWhenIdle() throws Exception {
    ManagedChannel creatorChannel = InProcessChannelBuilder.forName(name).build();
    DmClient creator = new DmClient(creatorChannel);
    String w = creator.create(seatedCounter(4, 1000, Map.of()));
    creator.create(counter(4, 2, 5)); // a world without seats: it goes with its creator, as before
    assertEquals(2, service.worldCount());
    creator.close();
    creatorChannel.shutdownNow();
    awaitWorlds(1);
    try (DmClient red = stranger(); DmClient blue = stranger()) {
      long position = uid(red.joinSeat(w, "red", RED).getObservationsMap(), "position");
      blue.joinSeat(w, "blue", BLUE);
      List<Integer> p0 = positions(red.step(Map.of(), position), position);
      blue.step(Map.of());
      for (int t = 1; t <= 3; t++) {
        StepResponse[] rb = together(red, Map.of(1L, ints(2, 2)), blue, Map.of(1L, ints(1, 1)), position);
        assertEquals(List.of(p0.get(0) + t, p0.get(1) + t), positions(rb[0], position));
      }
      assertEquals(1, service.worldCount());
      // Unused for the idle timeout, it expires; its seats are told so.
      now.addAndGet(Duration.ofSeconds(601).toNanos());
      assertEquals(1, sessions.expireIdle());
      assertTrue(red.error(DmClient.stepRequest(Map.of(1L, ints(1, 1))), Code.NOT_FOUND).contains("expired"));
      red.leave();
      assertEquals(0, service.worldCount());
    }
  }

  @Test
  void aSeatThatDisconnectsFallsBackWhileTheOthersPlayAndCanBeRejoinedWithItsToken() {
    try (DmClient creator = client(); DmClient blue = stranger(); DmClient third = stranger()) {
      DmClient red = stranger();
      String w = creator.create(seatedCounter(5, 1000, Map.of("max_action_time_ms", scalar(10_000L))));
      ActionObservationSpecs rs = red.joinSeat(w, "red", RED);
      blue.joinSeat(w, "blue", BLUE);
      long position = uid(rs.getObservationsMap(), "position");
      long total = uid(rs.getObservationsMap(), "total");
      red.step(Map.of());
      blue.step(Map.of());
      List<Integer> redAt = positions(together(red, Map.of(1L, ints(2, 2)), blue, Map.of(1L, ints(1, 1)),
          position)[0], position);
      assertEquals(Code.ALREADY_EXISTS.getNumber(),
          third.send(DmClient.joinSeatRequest(w, "red", RED)).getError().getCode());

      // Red's connection ends: its agents play the fallback, and blue's steps do not wait for it.
      red.close();
      long t0 = System.nanoTime();
      List<Integer> blueAt = null;
      for (int t = 0; t < 3; t++) {
        StepResponse b = blue.step(Map.of(1L, ints(1, 1)), position, total);
        blueAt = positions(b, position);
        redAt = List.of(Math.max(redAt.get(0) - 1, 0), Math.max(redAt.get(1) - 1, 0));
        assertEquals(blueAt.get(0) + blueAt.get(1) + redAt.get(0) + redAt.get(1),
            b.getObservationsOrThrow(total).getDoubles().getArray(0), 1e-9, "step " + t);
      }
      assertTrue((System.nanoTime() - t0) / 1e6 < 5_000, "blue did not wait for the absent seat's deadline");

      // Whoever has red's token takes the seat again, and sees its agents where the fallback left them.
      ActionObservationSpecs again = third.joinSeat(w, "red", RED);
      assertEquals(rs, again);
      StepResponse start = third.step(Map.of(), position);
      assertEquals(EnvironmentStateType.RUNNING, start.getState());
      assertEquals(redAt, positions(start, position));
      StepResponse[] rb = together(third, Map.of(1L, ints(2, 2)), blue, Map.of(1L, ints(1, 1)), position);
      assertEquals(List.of(redAt.get(0) + 1, redAt.get(1) + 1), positions(rb[0], position));
      assertEquals(blueAt, positions(rb[1], position));

      // LeaveWorld frees the seat at once.
      third.leave();
      try (DmClient fourth = stranger()) {
        assertEquals(rs, fourth.joinSeat(w, "red", RED));
      }
    }
  }

  @Test
  void destroyingASeatedWorldAnswersItsWaitingSeats() {
    try (DmClient creator = client(); DmClient red = stranger(); DmClient blue = stranger()) {
      String w = creator.create(seatedCounter(5, 1000, Map.of()));
      red.joinSeat(w, "red", RED);
      blue.joinSeat(w, "blue", BLUE);
      red.step(Map.of());
      CompletableFuture<EnvironmentResponse> waiting = async(() -> red.send(DmClient.stepRequest(
          Map.of(1L, ints(1, 1)))));
      assertThrows(TimeoutException.class, () -> waiting.get(300, TimeUnit.MILLISECONDS));
      // Its creator destroys it while seats are joined: the waiting seat is answered, its stream stays open.
      creator.destroy(w);
      EnvironmentResponse aborted = get(waiting);
      assertEquals(Code.ABORTED.getNumber(), aborted.getError().getCode(), aborted.toString());
      assertTrue(aborted.getError().getMessage().contains("was destroyed"), aborted.toString());
      assertTrue(red.error(DmClient.stepRequest(Map.of(1L, ints(1, 1))), Code.NOT_FOUND).contains("destroyed"));
      red.leave();
      assertEquals(0, service.worldCount());
    }
  }

  @Test
  void aSeatsSequencesFollowTheWorldsEpisodes() {
    try (DmClient creator = client(); DmClient red = stranger(); DmClient blue = stranger(); DmClient single =
        client()) {
      String w = creator.create(seatedCounter(8, 2, Map.of("max_action_time_ms", scalar(300L))));
      ActionObservationSpecs rs = red.joinSeat(w, "red", RED);
      blue.joinSeat(w, "blue", BLUE);
      long position = uid(rs.getObservationsMap(), "position");
      long reward = uid(rs.getObservationsMap(), "reward");
      long discount = uid(rs.getObservationsMap(), "discount");
      red.step(Map.of());
      List<Integer> blue0 = positions(blue.step(Map.of(), position), position);
      StepResponse[] first = together(red, Map.of(1L, ints(1, 1)), blue, Map.of(1L, ints(1, 1)), position);
      assertEquals(EnvironmentStateType.RUNNING, first[0].getState());
      assertEquals(blue0, positions(first[1], position));
      // Step 2 ends the episode (max_steps 2); blue is late and misses it.
      StepResponse end = red.step(Map.of(1L, ints(1, 1)), reward, discount);
      assertEquals(EnvironmentStateType.INTERRUPTED, end.getState());
      assertEquals(1f, end.getObservationsOrThrow(discount).getFloats().getArray(0));
      // Blue's next Step ends its sequence at once, with the world's end: the fallback moved its agents left.
      StepResponse missed = blue.step(Map.of(1L, ints(2, 2)), position, reward);
      assertEquals(EnvironmentStateType.INTERRUPTED, missed.getState());
      assertEquals(List.of(Math.max(blue0.get(0) - 1, 0), Math.max(blue0.get(1) - 1, 0)), positions(missed, position));
      assertEquals(List.of(-1f, -1f), rewards(missed, reward));
      // Then both start the next episode together (their actions ignored): its first observations.
      StepResponse[] next = together(red, Map.of(7L, ints(9)), blue, Map.of(), position, reward);
      single.join(single.create(counter(8, 4, 2)));
      single.step(Map.of());
      single.step(Map.of(1L, ints(1, 1, 1, 1)));
      assertEquals(EnvironmentStateType.INTERRUPTED, single.step(Map.of(1L, ints(1, 1, 1, 1))).getState());
      StepResponse second = single.step(Map.of(), position);
      for (int s = 0; s < 2; s++) {
        assertEquals(EnvironmentStateType.RUNNING, next[s].getState());
        assertEquals(List.of(0f, 0f), rewards(next[s], reward));
        assertEquals(pickList(positions(second, position), s == 0 ? RED_AGENTS : BLUE_AGENTS),
            positions(next[s], position), "the first observations of episode 2");
      }
      // A seat's Reset does not reset the shared world: its next Step starts a sequence where the world is.
      StepResponse[] moved = together(red, Map.of(1L, ints(2, 2)), blue, Map.of(1L, ints(1, 1)), position, reward);
      red.ok(EnvironmentRequest.newBuilder().setReset(ResetRequest.getDefaultInstance()).build());
      StepResponse restart = red.step(Map.of(1L, ints(0, 0)), position, reward);
      assertEquals(EnvironmentStateType.RUNNING, restart.getState());
      assertEquals(positions(moved[0], position), positions(restart, position));
      assertEquals(List.of(0f, 0f), rewards(restart, reward));
    }
  }

  private void awaitWorlds(int n) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (service.worldCount() != n && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(n, service.worldCount());
  }
}
