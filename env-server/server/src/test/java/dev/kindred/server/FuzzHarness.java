package dev.kindred.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.kindred.dmenv.proto.CreateWorldRequest;
import dev.kindred.dmenv.proto.EnvironmentGrpc;
import dev.kindred.dmenv.proto.EnvironmentRequest;
import dev.kindred.dmenv.proto.EnvironmentResponse;
import dev.kindred.dmenv.proto.JoinWorldRequest;
import dev.kindred.dmenv.proto.Tensor;
import dev.kindred.env.CounterWorld;
import dev.kindred.env.WorldRegistry;
import dev.kindred.env.WorldType;
import dev.kindred.proto.v1.CloseSessionRequest;
import dev.kindred.proto.v1.CreateSessionRequest;
import dev.kindred.proto.v1.CreateSessionResponse;
import dev.kindred.proto.v1.EnvServiceGrpc;
import dev.kindred.proto.v1.GetServerInfoRequest;
import dev.kindred.proto.v1.FetchReplayRequest;
import dev.kindred.proto.v1.JoinSessionRequest;
import dev.kindred.proto.v1.ListRecordingsRequest;
import dev.kindred.proto.v1.ReplayLine;
import dev.kindred.proto.v1.WatchRecordingRequest;
import dev.kindred.proto.v1.LeaveSessionRequest;
import dev.kindred.proto.v1.ListWorldsRequest;
import dev.kindred.proto.v1.RenderRequest;
import dev.kindred.proto.v1.ResetRequest;
import dev.kindred.proto.v1.SeatGrant;
import dev.kindred.proto.v1.StepRequest;
import dev.kindred.proto.v1.StepResponse;
import dev.kindred.proto.v1.StepSeatRequest;
import dev.kindred.server.FuzzRequests.Actions;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.stream.Stream;
import org.slf4j.LoggerFactory;

/**
 * Drives every RPC of kindred.v1 and dm_env_rpc (plus health and reflection) on an in-process
 * server with the built-in worlds from fuzzer input, and checks what must hold for any input:
 * <ul>
 *   <li>no call ends UNKNOWN, INTERNAL or with any code a request error cannot have (see
 *       {@link #ACCEPTABLE}); no dm_env_rpc error carries such a code;</li>
 *   <li>no status description is longer than the server's cap (client input is quoted as short
 *       excerpts);</li>
 *   <li>nothing escapes a call: grpc-java logs no warning or error, the server logs no error;</li>
 *   <li>a rejected request changes no session: a probe session and a probe dm_env_rpc world,
 *       which the input may address, stay in lockstep with reference twins that only ever get
 *       the requests that the probes accepted (each input ends by stepping both pairs alike and
 *       comparing).</li>
 * </ul>
 * Each input is a short sequence of requests, structured (built by {@link FuzzRequests}) or
 * raw bytes (random, or a valid encoding with bytes overwritten, inserted or cut). Sessions
 * and worlds an input opens are closed at its end. Requests that would build expensive worlds are
 * skipped ({@link FuzzBudget}).
 */
final class FuzzHarness implements AutoCloseable {
  /** Small limits: copies, sessions and messages beyond them are rejected cheaply. */
  static final ServerConfig CONFIG = ServerConfig.builder().maxSessions(64).maxCopiesPerSession(8)
      .maxMessageBytes(1 << 20).stepThreads(1).shutdownGrace(Duration.ofSeconds(1)).build();
  /** The codes a request can fail with; anything else (UNKNOWN, INTERNAL, CANCELLED, ...) is a bug. */
  static final Set<Status.Code> ACCEPTABLE = Set.of(Status.Code.OK, Status.Code.INVALID_ARGUMENT,
      Status.Code.NOT_FOUND, Status.Code.FAILED_PRECONDITION, Status.Code.RESOURCE_EXHAUSTED,
      Status.Code.UNIMPLEMENTED, Status.Code.OUT_OF_RANGE, Status.Code.ALREADY_EXISTS, Status.Code.PERMISSION_DENIED);
  /** The server caps descriptions at 1024 characters plus the length note of an excerpt. */
  static final int MAX_DESCRIPTION = 1100;
  private static final long TIMEOUT_S = 10;
  private static final int MAX_ACTIONS = 12;
  private static final long PROBE_SEED = 7;

  private final String name = "kindred-fuzz-" + UUID.randomUUID();
  private final WorldRegistry registry;
  private final KindredServer server;
  private final ManagedChannel channel;
  private final EnvServiceGrpc.EnvServiceBlockingStub stub;
  private final FuzzRequests requests;
  private final LogWatch logs = new LogWatch();

  // Statistics, printed while fuzzing and at the end.
  private final long startNanos = System.nanoTime();
  final LongAdder inputs = new LongAdder();
  final LongAdder sent = new LongAdder();
  final LongAdder skipped = new LongAdder();
  private final Map<Status.Code, LongAdder> codes = new EnumMap<>(Status.Code.class);
  private final List<String> heapLog = new ArrayList<>();

  // The kindred.v1 probe P and its reference twin R (2 copies of the counter world, same seed).
  private String probe;
  private String twin;
  private Actions probeShape;
  private int probeSteps;

  // The dm_env_rpc probe world and its twin, each created and joined by its own connection.
  private Conversation<EnvironmentRequest, EnvironmentResponse> dmProbe;
  private Conversation<EnvironmentRequest, EnvironmentResponse> dmTwin;
  private Conversation<EnvironmentRequest, EnvironmentResponse> dmMirror;
  private String dmProbeWorld;
  private String dmTwinWorld;
  private Map<Long, Integer> dmProbeActions;
  private List<Long> dmProbeObservations;

  FuzzHarness() {
    List<WorldType> types = new ArrayList<>(WorldRegistry.builtIn().all());
    types.add(new CounterWorld.Type());
    registry = new WorldRegistry(types);
    for (Status.Code c : Status.Code.values()) {
      codes.put(c, new LongAdder());
    }
    server = KindredServer.start(CONFIG, registry, InProcessServerBuilder.forName(name), System::nanoTime);
    channel = InProcessChannelBuilder.forName(name).directExecutor().maxInboundMessageSize(CONFIG.maxMessageBytes())
        .build();
    stub = EnvServiceGrpc.newBlockingStub(channel);
    requests = new FuzzRequests(registry);
    openProbe();
    openDmProbe();
  }

  // ---- one input ---------------------------------------------------------------------------

  /** What one input opened, closed at its end. */
  private static final class Input {
    final Map<String, Actions> sessions = new LinkedHashMap<>();
    final List<String> closed = new ArrayList<>();
    Conversation<EnvironmentRequest, EnvironmentResponse> dm;
    final List<String> worlds = new ArrayList<>();
    final Map<Long, Integer> dmActions = new LinkedHashMap<>(Map.of(1L, 2));
    /** The matches this input created (also in {@link #sessions}, so plain calls may name them). */
    final Map<String, CreateSessionResponse> matches = new LinkedHashMap<>();
  }

  void run(FuzzedDataProvider d) {
    inputs.increment();
    Input in = new Input();
    try {
      int n = d.consumeInt(1, MAX_ACTIONS);
      for (int i = 0; i < n && d.remainingBytes() > 0; i++) {
        act(d, in);
      }
    } finally {
      cleanUp(in);
    }
    checkProbes();
    logs.check();
  }

  private void act(FuzzedDataProvider d, Input in) {
    switch (d.consumeInt(0, 17)) {
      case 0 -> rawUnary(d, in);
      case 1 -> rawStream(d, in);
      case 2 -> {
        switch (d.consumeInt(0, 5)) {
          case 0 -> call("GetServerInfo", () -> stub.getServerInfo(GetServerInfoRequest.getDefaultInstance()));
          case 1 -> call("ListWorlds", () -> stub.listWorlds(ListWorldsRequest.getDefaultInstance()));
          // The recording calls change nothing either.
          case 3 -> call("ListRecordings", () -> stub.listRecordings(ListRecordingsRequest.getDefaultInstance()));
          case 4 -> {
            FetchReplayRequest r = FetchReplayRequest.newBuilder().setSessionId(target(d, in))
                .setCopy(d.consumeInt(-1, 3)).build();
            call("FetchReplay", () -> {
              stub.fetchReplay(r).forEachRemaining(c -> { });
              return Boolean.TRUE;
            });
          }
          case 5 -> watch(WatchRecordingRequest.newBuilder().setSessionId(target(d, in)).setCopy(d.consumeInt(-1, 3))
              .build());
          default -> {
            // Render changes nothing, so it may hit the probe: its twin stays in step.
            RenderRequest r = RenderRequest.newBuilder().setSessionId(target(d, in)).setCopy(d.consumeInt(-1, 3))
                .setFormatValue(d.consumeInt(0, 3)).setCellPixels(d.consumeInt(-1, 80)).build();
            call("Render", () -> stub.render(r));
          }
        }
      }
      case 3, 4 -> create(requests.createSession(d), in);
      case 5 -> {
        String target = target(d, in);
        ResetRequest r = requests.reset(d, target);
        StepResponse got = call("Reset", () -> stub.reset(r));
        if (got != null && target.equals(probe)) {
          mirror("Reset", got, call("Reset (twin)", () -> stub.reset(r.toBuilder().setSessionId(twin).build())));
        }
      }
      case 6, 7, 8 -> {
        String target = target(d, in);
        StepRequest r = requests.step(d, target, shape(target, in));
        StepResponse got = call("Step", () -> stub.step(r));
        if (got != null && target.equals(probe)) {
          mirrorStep(r, got);
        }
      }
      case 9 -> {
        String target = target(d, in);
        if (call("CloseSession", () -> stub.closeSession(CloseSessionRequest.newBuilder().setSessionId(target)
            .build())) != null) {
          in.sessions.remove(target);
          in.closed.add(target);
          if (target.equals(probe)) {
            closeQuietly(twin);
            openProbe();
          }
        }
      }
      case 10 -> stepStream(d, in);
      case 16, 17 -> match(d, in);
      default -> dm(d, in);
    }
  }

  /**
   * A WatchRecording call that reads at most its first two lines, for at most 100 ms (a recorded
   * copy sends nothing more until its session steps), then cancels.
   */
  private void watch(WatchRecordingRequest r) {
    sent.increment();
    io.grpc.Context.CancellableContext context = io.grpc.Context.current().withCancellation();
    try {
      context.run(() -> {
        try {
          java.util.Iterator<ReplayLine> lines = stub.withDeadlineAfter(100, java.util.concurrent.TimeUnit.MILLISECONDS)
              .watchRecording(r);
          for (int n = 0; n < 2 && lines.hasNext(); n++) {
            lines.next();
          }
          count(Status.Code.OK);
        } catch (StatusRuntimeException e) {
          if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
            count(Status.Code.OK); // waiting for lines that had not come yet
          } else {
            check("WatchRecording", e.getStatus());
          }
        }
      });
    } finally {
      context.cancel(null);
    }
  }

  private void create(CreateSessionRequest r, Input in) {
    if (!FuzzBudget.affordable(r.getConfig())) {
      skipped.increment();
      return;
    }
    CreateSessionResponse created = call("CreateSession", () -> stub.createSession(r));
    if (created != null) {
      in.sessions.put(created.getSessionId(), Actions.of(created.getSpec()));
    }
  }

  /** The probe most of the time, else a session of this input, an unknown id, garbage or a closed id. */
  private String target(FuzzedDataProvider d, Input in) {
    return target(d, in, true);
  }

  private String target(FuzzedDataProvider d, Input in, boolean probeAllowed) {
    int choice = d.consumeInt(probeAllowed ? 0 : 4, 9);
    if (choice < 4 || (choice < 7 && in.sessions.isEmpty() && probeAllowed)) {
      return probe;
    }
    if (choice < 7 && in.sessions.isEmpty()) {
      return d.consumeString(40);
    }
    if (choice < 7) {
      return d.pickValue(List.copyOf(in.sessions.keySet()));
    }
    if (choice == 7) {
      return HexFormat.of().formatHex(java.util.Arrays.copyOf(d.consumeBytes(16), 16));
    }
    if (choice == 8 || in.closed.isEmpty()) {
      return d.consumeString(40);
    }
    return d.pickValue(in.closed);
  }

  private Actions shape(String target, Input in) {
    return target.equals(probe) ? probeShape : in.sessions.get(target);
  }

  private void stepStream(FuzzedDataProvider d, Input in) {
    Conversation<StepRequest, StepResponse> c = new Conversation<>();
    c.out = EnvServiceGrpc.newStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS).stepStream(c);
    int n = d.consumeInt(1, 6);
    for (int i = 0; i < n && c.end == null; i++) {
      String target = target(d, in);
      StepRequest r = requests.step(d, target, shape(target, in));
      StepResponse got = c.send(r);
      if (got != null) {
        count(Status.Code.OK);
        if (target.equals(probe)) {
          mirrorStep(r, got);
        }
      }
    }
    c.close();
    check("StepStream", c.end);
  }

  // ---- matches -----------------------------------------------------------------------------

  /**
   * Creates a match (mostly a valid one: every agent its own seat, a deadline of at most 50 ms,
   * started before all seats joined, so no call of this single-threaded harness waits long), or
   * joins, steps or leaves a seat of one, with the session, seat, token and actions sometimes
   * wrong.
   */
  private void match(FuzzedDataProvider d, Input in) {
    int op = d.consumeInt(0, 4);
    if (op == 0 || in.matches.isEmpty()) {
      CreateSessionRequest r = requests.createMatch(d);
      if (!FuzzBudget.affordable(r.getConfig())) {
        skipped.increment();
        return;
      }
      CreateSessionResponse created = call("CreateSession (match)", () -> stub.createSession(r));
      if (created != null) {
        in.sessions.put(created.getSessionId(), Actions.of(created.getSpec()));
        in.matches.put(created.getSessionId(), created);
      }
      return;
    }
    CreateSessionResponse m = in.matches.get(d.pickValue(List.copyOf(in.matches.keySet())));
    SeatGrant g = d.pickValue(m.getSeatsList());
    String session = d.consumeInt(0, 5) == 0 ? target(d, in) : m.getSessionId();
    String seat = d.consumeInt(0, 5) == 0 ? d.consumeString(40) : g.getName();
    String token = switch (d.consumeInt(0, 7)) {
      case 0 -> d.consumeString(40);
      case 1 -> d.pickValue(m.getSeatsList()).getJoinToken();
      default -> g.getJoinToken();
    };
    switch (op) {
      case 1 -> call("JoinSession", () -> stub.joinSession(JoinSessionRequest.newBuilder().setSessionId(session)
          .setSeat(seat).setJoinToken(token).setClientName(d.consumeString(80)).build()));
      case 2, 3 -> {
        Actions whole = Actions.of(m.getSpec());
        Actions shape = new Actions(whole.copies(), g.getAgentsCount(), whole.numValues());
        StepSeatRequest.Builder r = StepSeatRequest.newBuilder().setSessionId(session).setSeat(seat).setJoinToken(token)
            .setActions(requests.actions(d, d.consumeInt(0, 4) == 0 ? whole : shape));
        if (d.consumeInt(0, 3) == 0) {
          r.setExpectedStep(d.consumeLong());
        }
        call("StepSeat", () -> stub.stepSeat(r.build()));
      }
      default -> call("LeaveSession", () -> stub.leaveSession(LeaveSessionRequest.newBuilder().setSessionId(session)
          .setSeat(seat).setJoinToken(token).build()));
    }
  }

  // ---- dm_env_rpc --------------------------------------------------------------------------

  private void dm(FuzzedDataProvider d, Input in) {
    if (in.dm == null || in.dm.end != null) {
      in.dm = dmConnection();
    }
    EnvironmentRequest r = requests.dm(d, new FuzzRequests.Names(dmProbeWorld, in.worlds), in.dmActions);
    if ((r.hasCreateWorld() && !FuzzBudget.affordable(r.getCreateWorld().getSettingsMap()))
        || (r.hasResetWorld() && !FuzzBudget.affordable(r.getResetWorld().getSettingsMap()))) {
      skipped.increment();
      return;
    }
    EnvironmentResponse got = in.dm.send(r);
    if (got == null) {
      check("Process", in.dm.end);
      return;
    }
    check("Process/" + r.getPayloadCase(), got);
    if (got.hasCreateWorld()) {
      in.worlds.add(got.getCreateWorld().getWorldName());
    } else if (got.hasJoinWorld()) {
      in.dmActions.clear();
      got.getJoinWorld().getSpecs().getActionsMap().forEach((uid, spec) ->
          in.dmActions.put(uid, spec.getShapeCount() > 0 ? Math.max(0, spec.getShape(0)) : 1));
    } else if (got.hasResetWorld() && r.getResetWorld().getWorldName().equals(dmProbeWorld)) {
      // The probe world accepted a reset: its twin gets the same one.
      EnvironmentResponse twinGot = dmMirror.send(r.toBuilder().setResetWorld(r.getResetWorld().toBuilder()
          .setWorldName(dmTwinWorld)).build());
      if (twinGot == null || !twinGot.equals(got)) {
        throw new AssertionError("the twin of the probe world answered the same ResetWorld differently: " + twinGot);
      }
    }
  }

  private Conversation<EnvironmentRequest, EnvironmentResponse> dmConnection() {
    Conversation<EnvironmentRequest, EnvironmentResponse> c = new Conversation<>();
    c.out = EnvironmentGrpc.newStub(channel).process(c);
    return c;
  }

  // ---- raw bytes ---------------------------------------------------------------------------

  private static final List<MethodDescriptor<?, ?>> UNARY = List.of(EnvServiceGrpc.getGetServerInfoMethod(),
      EnvServiceGrpc.getListWorldsMethod(), EnvServiceGrpc.getCreateSessionMethod(), EnvServiceGrpc.getResetMethod(),
      EnvServiceGrpc.getStepMethod(), EnvServiceGrpc.getCloseSessionMethod(), HealthGrpc.getCheckMethod(),
      EnvServiceGrpc.getJoinSessionMethod(), EnvServiceGrpc.getStepSeatMethod(), EnvServiceGrpc.getLeaveSessionMethod());
  private static final List<MethodDescriptor<?, ?>> STREAMS = List.of(EnvServiceGrpc.getStepStreamMethod(),
      EnvironmentGrpc.getProcessMethod(), ServerReflectionGrpc.getServerReflectionInfoMethod(),
      EnvServiceGrpc.getStepSeatStreamMethod());

  private void rawUnary(FuzzedDataProvider d, Input in) {
    MethodDescriptor<?, ?> m = d.pickValue(UNARY);
    byte[] bytes = rawBytes(d, m, in);
    if (bytes == null) {
      return;
    }
    RawCall call = new RawCall(channel, m);
    call.send(bytes);
    call.finish();
    check(m.getFullMethodName() + " (raw)", call.end);
    if (m == EnvServiceGrpc.getCreateSessionMethod() && call.end.isOk()) {
      try {
        CreateSessionResponse created = CreateSessionResponse.parseFrom(call.responses.poll());
        in.sessions.put(created.getSessionId(), Actions.of(created.getSpec()));
      } catch (InvalidProtocolBufferException e) {
        throw new AssertionError("CreateSession answered bytes that do not parse", e);
      }
    }
  }

  private void rawStream(FuzzedDataProvider d, Input in) {
    MethodDescriptor<?, ?> m = d.pickValue(STREAMS);
    RawCall call = new RawCall(channel, m);
    int n = d.consumeInt(1, 4);
    for (int i = 0; i < n && call.end == null; i++) {
      byte[] bytes = rawBytes(d, m, in);
      if (bytes == null) {
        continue;
      }
      call.send(bytes);
      byte[] response = call.next();
      if (response != null && m == EnvironmentGrpc.getProcessMethod()) {
        try {
          check("Process (raw)", EnvironmentResponse.parseFrom(response));
        } catch (InvalidProtocolBufferException e) {
          throw new AssertionError("Process answered bytes that do not parse", e);
        }
      }
    }
    call.finish();
    check(m.getFullMethodName() + " (raw)", call.end);
  }

  /** Random bytes, or a mutated encoding of a structured request; null when over budget. */
  private byte[] rawBytes(FuzzedDataProvider d, MethodDescriptor<?, ?> m, Input in) {
    if (d.consumeBoolean()) {
      return d.consumeBytes(d.consumeInt(0, 128));
    }
    String name = m.getFullMethodName();
    byte[] valid;
    if (m == EnvServiceGrpc.getCreateSessionMethod()) {
      valid = requests.createSession(d).toByteArray();
    } else if (m == EnvServiceGrpc.getStepMethod() || m == EnvServiceGrpc.getStepStreamMethod()) {
      String target = target(d, in, false);
      valid = requests.step(d, target, shape(target, in)).toByteArray();
    } else if (m == EnvServiceGrpc.getResetMethod()) {
      valid = requests.reset(d, target(d, in, false)).toByteArray();
    } else if (m == EnvironmentGrpc.getProcessMethod()) {
      valid = requests.dm(d, new FuzzRequests.Names(dmProbeWorld, in.worlds), in.dmActions).toByteArray();
    } else if (name.endsWith("/CloseSession")) {
      valid = CloseSessionRequest.newBuilder().setSessionId(target(d, in, false)).build().toByteArray();
    } else {
      valid = d.consumeBytes(d.consumeInt(0, 32));
    }
    byte[] bytes = FuzzRequests.mutate(d, valid);
    if (!affordable(m, bytes) || targetsAProbe(bytes)) {
      skipped.increment();
      return null;
    }
    return bytes;
  }

  /**
   * Raw requests are not mirrored on the twins, so one that names a probe is not sent (it could
   * be accepted and change the probe legitimately); structured requests cover the probes.
   */
  private boolean targetsAProbe(byte[] bytes) {
    String s = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
    return s.contains(probe) || s.contains(dmProbeWorld);
  }

  private static boolean affordable(MethodDescriptor<?, ?> m, byte[] bytes) {
    try {
      if (m == EnvServiceGrpc.getCreateSessionMethod()) {
        return FuzzBudget.affordable(CreateSessionRequest.parseFrom(bytes).getConfig());
      }
      if (m == EnvironmentGrpc.getProcessMethod()) {
        EnvironmentRequest r = EnvironmentRequest.parseFrom(bytes);
        return FuzzBudget.affordable(r.getCreateWorld().getSettingsMap())
            && FuzzBudget.affordable(r.getResetWorld().getSettingsMap());
      }
    } catch (InvalidProtocolBufferException e) {
      return true; // the server must reject it before building anything
    }
    return true;
  }

  // ---- probes ------------------------------------------------------------------------------

  private void openProbe() {
    CreateSessionRequest r = CreateSessionRequest.newBuilder().setWorldId(CounterWorld.ID).setNumCopies(2)
        .setSeed(PROBE_SEED).setClientName("fuzz probe").build();
    CreateSessionResponse p = stub.createSession(r);
    CreateSessionResponse t = stub.createSession(r);
    probe = p.getSessionId();
    twin = t.getSessionId();
    probeShape = Actions.of(p.getSpec());
    mirror("Reset", stub.reset(ResetRequest.newBuilder().setSessionId(probe).build()),
        stub.reset(ResetRequest.newBuilder().setSessionId(twin).build()));
  }

  private void openDmProbe() {
    dmProbe = dmConnection();
    dmTwin = dmConnection();
    dmMirror = dmConnection();
    dmProbeWorld = createAndJoin(dmProbe);
    dmTwinWorld = createAndJoin(dmTwin);
  }

  private String createAndJoin(Conversation<EnvironmentRequest, EnvironmentResponse> c) {
    EnvironmentResponse created = c.send(EnvironmentRequest.newBuilder().setCreateWorld(CreateWorldRequest.newBuilder()
        .putSettings("world", Tensor.newBuilder().setStrings(Tensor.StringArray.newBuilder()
            .addArray(CounterWorld.ID)).build())
        .putSettings("seed", Tensor.newBuilder().setInt64S(Tensor.Int64Array.newBuilder().addArray(PROBE_SEED))
            .build())).build());
    String world = created.getCreateWorld().getWorldName();
    EnvironmentResponse joined = c.send(EnvironmentRequest.newBuilder()
        .setJoinWorld(JoinWorldRequest.newBuilder().setWorldName(world)).build());
    if (created.hasError() || joined.hasError()) {
      throw new IllegalStateException("cannot open the dm_env_rpc probe: " + created + joined);
    }
    dmProbeActions = new LinkedHashMap<>();
    joined.getJoinWorld().getSpecs().getActionsMap().forEach((uid, spec) -> dmProbeActions.put(uid, spec.getShape(0)));
    dmProbeObservations = List.copyOf(joined.getJoinWorld().getSpecs().getObservationsMap().keySet());
    return world;
  }

  private void mirrorStep(StepRequest r, StepResponse got) {
    mirror("Step", got, call("Step (twin)", () -> stub.step(r.toBuilder().setSessionId(twin).build())));
  }

  private static void mirror(String what, Object probeGot, Object twinGot) {
    if (!probeGot.equals(twinGot)) {
      throw new AssertionError("the probe session and its twin answered the same " + what
          + " differently: a request changed the probe without being accepted.\nprobe: " + probeGot
          + "\ntwin: " + twinGot);
    }
  }

  /** Steps each probe and its twin alike and compares: any difference is a change by a rejected request. */
  private void checkProbes() {
    probeSteps++;
    StepRequest r = StepRequest.newBuilder().setSessionId(probe)
        .setActions(FuzzRequests.fixedActions(probeShape, probeSteps)).build();
    mirror("Step", stub.step(r), stub.step(r.toBuilder().setSessionId(twin).build()));

    dev.kindred.dmenv.proto.StepRequest.Builder s = dev.kindred.dmenv.proto.StepRequest.newBuilder()
        .addAllRequestedObservations(dmProbeObservations);
    dmProbeActions.forEach((uid, agents) -> {
      Tensor.Int32Array.Builder a = Tensor.Int32Array.newBuilder();
      for (int i = 0; i < agents; i++) {
        a.addArray((i + probeSteps) % 2);
      }
      s.putActions(uid, Tensor.newBuilder().setInt32S(a).addShape(agents).build());
    });
    EnvironmentRequest step = EnvironmentRequest.newBuilder().setStep(s).build();
    EnvironmentResponse a = dmProbe.send(step);
    EnvironmentResponse b = dmTwin.send(step);
    if (a == null || b == null || a.hasError() || !a.equals(b)) {
      throw new AssertionError("the dm_env_rpc probe world and its twin answered the same Step differently: a "
          + "request changed the probe without being accepted.\nprobe: " + a + "\ntwin: " + b);
    }
  }

  private void cleanUp(Input in) {
    for (String id : in.sessions.keySet()) {
      closeQuietly(id);
    }
    if (in.dm != null) {
      in.dm.close(); // its worlds go with it
    }
  }

  private void closeQuietly(String id) {
    try {
      stub.closeSession(CloseSessionRequest.newBuilder().setSessionId(id).build());
    } catch (StatusRuntimeException e) {
      // Already closed by the input.
    }
  }

  // ---- checks and statistics ---------------------------------------------------------------

  /** A typed unary call: its result, or null when it failed with an acceptable status. */
  private <T> T call(String method, Supplier<T> call) {
    sent.increment();
    try {
      T result = call.get();
      count(Status.Code.OK);
      return result;
    } catch (StatusRuntimeException e) {
      check(method, e.getStatus());
      return null;
    }
  }

  private void check(String method, Status s) {
    count(s.getCode());
    if (!ACCEPTABLE.contains(s.getCode())) {
      throw new AssertionError(method + " ended " + s.getCode() + ": " + s.getDescription(), s.getCause());
    }
    String d = s.getDescription();
    if (d != null && d.length() > MAX_DESCRIPTION) {
      throw new AssertionError(method + ": a description of " + d.length() + " characters: "
          + d.substring(0, 200) + "...");
    }
  }

  private void check(String method, EnvironmentResponse r) {
    if (r.hasError()) {
      check(method, Status.fromCodeValue(r.getError().getCode()).withDescription(r.getError().getMessage()));
    } else {
      count(Status.Code.OK);
    }
  }

  private void count(Status.Code c) {
    codes.get(c).increment();
  }

  /** One line of figures: inputs, requests, statuses, heap after a full GC, resident memory. */
  String figures() {
    System.gc();
    long heapMb = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
    double s = (System.nanoTime() - startNanos) / 1e9;
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
        "fuzz: %6.0f s  %,d inputs  %,d requests (%,.0f/s)  %,d skipped (budget)  heap after GC %d MiB  RSS %d MiB  "
            + "statuses:", s, inputs.sum(), sent.sum(), sent.sum() / Math.max(s, 1e-9), skipped.sum(), heapMb,
        rssMb()));
    codes.forEach((c, n) -> {
      if (n.sum() > 0) {
        b.append(' ').append(c).append('=').append(n.sum());
      }
    });
    synchronized (heapLog) {
      heapLog.add(String.format(Locale.ROOT, "%.0fs:%dMiB", s, heapMb));
    }
    return b.toString();
  }

  String heapHistory() {
    synchronized (heapLog) {
      return String.join(" ", heapLog);
    }
  }

  private static long rssMb() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
      return lines.filter(l -> l.startsWith("VmRSS:")).findFirst()
          .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) >> 10).orElse(-1L);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  @Override
  public void close() {
    logs.close();
    for (var c : List.of(dmProbe, dmTwin, dmMirror)) {
      if (c != null) {
        c.close();
      }
    }
    channel.shutdownNow();
    server.close();
  }

  // ---- plumbing ----------------------------------------------------------------------------

  /** One bidirectional stream, one request and one response at a time. */
  private final class Conversation<Req, Resp> implements StreamObserver<Resp> {
    private final BlockingQueue<Object> in = new LinkedBlockingQueue<>();
    StreamObserver<Req> out;
    /** How the stream ended; null while open. */
    Status end;

    /** The response, or null when the stream ended instead (see {@link #end}). */
    @SuppressWarnings("unchecked")
    Resp send(Req request) {
      if (end != null) {
        return null;
      }
      sent.increment();
      out.onNext(request);
      Object o = poll(in, "a stream request");
      if (o instanceof Status s) {
        end = s;
        return null;
      }
      return (Resp) o;
    }

    void close() {
      if (end == null) {
        out.onCompleted();
        Object o = poll(in, "the end of a stream");
        end = o instanceof Status s ? s : Status.INTERNAL.withDescription("a response after half-close: " + o);
      }
    }

    @Override
    public void onNext(Resp value) {
      in.add(value);
    }

    @Override
    public void onError(Throwable t) {
      in.add(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      in.add(Status.OK);
    }
  }

  private static Object poll(BlockingQueue<Object> queue, String what) {
    try {
      Object o = queue.poll(TIMEOUT_S, TimeUnit.SECONDS);
      if (o == null) {
        throw new AssertionError("no answer to " + what + " within " + TIMEOUT_S + " s");
      }
      return o;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** A call of any type that sends and receives raw bytes. */
  private final class RawCall {
    private final ClientCall<byte[], byte[]> call;
    final BlockingQueue<byte[]> responses = new LinkedBlockingQueue<>();
    private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    Status end;

    RawCall(ManagedChannel channel, MethodDescriptor<?, ?> m) {
      call = channel.newCall(RawMethod.of(m), CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS));
      call.start(new ClientCall.Listener<>() {
        @Override
        public void onMessage(byte[] message) {
          responses.add(message);
          events.add(message);
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
          events.add(status);
        }
      }, new Metadata());
      call.request(Integer.MAX_VALUE);
    }

    void send(byte[] bytes) {
      sent.increment();
      call.sendMessage(bytes);
    }

    /** The next response, or null when the call ended instead. */
    byte[] next() {
      Object o = poll(events, "a raw stream request");
      if (o instanceof Status s) {
        end = s;
        return null;
      }
      return (byte[]) o;
    }

    void finish() {
      if (end == null) {
        call.halfClose();
        while (end == null) {
          next();
        }
      }
    }
  }

  /** Errors logged by the server, and anything grpc-java logs (an exception escaping a call). */
  private static final class LogWatch extends AppenderBase<ILoggingEvent> {
    private final ch.qos.logback.classic.Logger kindred;
    private final java.util.logging.Logger grpc = java.util.logging.Logger.getLogger("io.grpc");
    private final AtomicReference<String> first = new AtomicReference<>();
    private final Handler handler = new Handler() {
      @Override
      public void publish(LogRecord r) {
        if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
          first.compareAndSet(null, "grpc-java logged " + r.getLevel() + ": " + r.getMessage()
              + (r.getThrown() != null ? " (" + r.getThrown() + ")" : ""));
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };

    LogWatch() {
      LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
      kindred = context.getLogger("dev.kindred");
      setContext(context);
      start();
      kindred.addAppender(this);
      grpc.addHandler(handler);
    }

    @Override
    protected void append(ILoggingEvent e) {
      if (e.getLevel().isGreaterOrEqual(Level.ERROR)) {
        first.compareAndSet(null, "the server logged " + e.getLevel() + ": " + e.getFormattedMessage() + " "
            + e.getKeyValuePairs());
      }
    }

    void check() {
      String f = first.getAndSet(null);
      if (f != null) {
        throw new AssertionError(f);
      }
    }

    void close() {
      grpc.removeHandler(handler);
      kindred.detachAppender(this);
      stop();
    }
  }
}
