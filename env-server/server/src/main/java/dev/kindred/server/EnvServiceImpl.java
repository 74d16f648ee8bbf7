package dev.kindred.server;

import com.google.protobuf.ByteString;
import dev.kindred.env.Autoreset;
import dev.kindred.env.BatchedEnv;
import dev.kindred.env.Config;
import dev.kindred.env.EnvException;
import dev.kindred.env.Quote;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.StepBatch;
import dev.kindred.env.TensorSpec;
import dev.kindred.env.World;
import dev.kindred.env.WorldRegistry;
import dev.kindred.env.WorldRenderer;
import dev.kindred.env.WorldType;
import dev.kindred.proto.v1.AutoresetMode;
import dev.kindred.proto.v1.CloseSessionRequest;
import dev.kindred.proto.v1.CloseSessionResponse;
import dev.kindred.proto.v1.CreateSessionRequest;
import dev.kindred.proto.v1.CreateSessionResponse;
import dev.kindred.proto.v1.EnvServiceGrpc;
import dev.kindred.proto.v1.FetchReplayRequest;
import dev.kindred.proto.v1.ListRecordingsRequest;
import dev.kindred.proto.v1.ListRecordingsResponse;
import dev.kindred.proto.v1.RecordedSession;
import dev.kindred.proto.v1.ReplayChunk;
import dev.kindred.proto.v1.ReplayLine;
import dev.kindred.proto.v1.WatchRecordingRequest;
import dev.kindred.proto.v1.GetServerInfoRequest;
import dev.kindred.proto.v1.ListWorldsRequest;
import dev.kindred.proto.v1.JoinSessionRequest;
import dev.kindred.proto.v1.JoinSessionResponse;
import dev.kindred.proto.v1.LeaveSessionRequest;
import dev.kindred.proto.v1.LeaveSessionResponse;
import dev.kindred.proto.v1.ListWorldsResponse;
import dev.kindred.proto.v1.SeatGrant;
import dev.kindred.proto.v1.StepSeatRequest;
import dev.kindred.proto.v1.RenderFormat;
import dev.kindred.proto.v1.RenderRequest;
import dev.kindred.proto.v1.RenderResponse;
import dev.kindred.proto.v1.ResetRequest;
import dev.kindred.proto.v1.ServerInfo;
import dev.kindred.proto.v1.ServerLimits;
import dev.kindred.proto.v1.StepRequest;
import dev.kindred.proto.v1.StepResponse;
import dev.kindred.protocol.Protos;
import dev.kindred.server.EnvSessions.EnvSession;
import dev.kindred.server.core.Caller;
import dev.kindred.server.core.Cells;
import dev.kindred.server.core.ErrorMapping;
import dev.kindred.server.core.Principal;
import dev.kindred.server.core.RequestStreams;
import dev.kindred.server.core.SessionRegistry.Closed;
import dev.kindred.server.core.SessionRegistry.Reservation;
import dev.kindred.server.core.WorldFactory;
import dev.kindred.server.match.Match;
import dev.kindred.server.match.MatchLayout;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kindred.v1 EnvService: a thin layer that checks requests, finds sessions in the server's
 * session registry and answers failures through the server's {@link ErrorMapping} (request
 * errors keep their message under their code; anything unexpected is INTERNAL with an error id;
 * the server keeps running). Every session belongs to the principal that created it
 * ({@link Caller}); calls of other principals find no such session.
 */
final class EnvServiceImpl extends EnvServiceGrpc.EnvServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(EnvServiceImpl.class);
  static final String PROTOCOL = "kindred.v1";
  private static final ErrorMapping ERRORS = new ErrorMapping("use fewer copies or agents",
      "use fewer copies or close other sessions");
  private static final WorldFactory.Advice ADVICE = new WorldFactory.Advice("config",
      "use fewer copies or a smaller world (the sizes, sweeps or burn-in named above)");
  /** Characters of a client name the log keeps: a name, not a payload. */
  static final int MAX_CLIENT_NAME_CHARS = 64;

  private final ServerConfig config;
  private final WorldRegistry registry;
  private final EnvSessions sessions;
  private final RequestStreams streams;
  private final Matches matches;
  private final WorldFactory factory;
  private final String version;
  /** Steps the copies of a session in parallel; null with one step thread. Owned by {@link KindredServer}. */
  private final ForkJoinPool stepPool;
  /**
   * Whether a response is serialized when it is sent (Netty does, in {@code onNext}), so that it
   * may share the session's buffers; the in-process transport hands the message object itself to
   * the client, which may read it after the session stepped again.
   */
  private final boolean serializesOnSend;
  /** Where each Step runs: on the I/O thread that delivered it, or on a worker. */
  private final StepPlacement placement;
  /** Watchers of recordings per principal. */
  private final SessionRecording.Watchers watchers = new SessionRecording.Watchers();

  EnvServiceImpl(ServerConfig config, WorldRegistry registry, EnvSessions sessions, Matches matches,
      RequestStreams streams, WorldFactory factory, ForkJoinPool stepPool, StepPlacement placement, String version,
      boolean serializesOnSend) {
    this.config = config;
    this.placement = placement;
    this.serializesOnSend = serializesOnSend;
    this.matches = matches;
    this.registry = registry;
    this.sessions = sessions;
    this.streams = streams;
    this.factory = factory;
    this.stepPool = stepPool;
    this.version = version;
  }

  // ---- unary methods --------------------------------------------------------------------

  @Override
  public void getServerInfo(GetServerInfoRequest request, StreamObserver<ServerInfo> out) {
    unary("GetServerInfo", out, () -> ServerInfo.newBuilder()
        .setServerVersion(version)
        .setProtocol(PROTOCOL)
        .setLimits(ServerLimits.newBuilder()
            .setMaxSessions(config.maxSessions())
            .setMaxCopiesPerSession(config.maxCopiesPerSession())
            .setMaxMessageBytes(config.maxMessageBytes())
            .setSessionIdleTimeoutSeconds(config.sessionIdleTimeout().toSeconds())
            .setMaxWorldBytes(config.maxWorldBytes())
            .setMaxCallWork(config.maxCallWork())
            .setMaxDataFileBytes(factory.dataFiles().available() ? factory.dataFiles().maxBytes() : 0))
        .addAllWorldIds(registry.ids())
        .build());
  }

  @Override
  public void listWorlds(ListWorldsRequest request, StreamObserver<ListWorldsResponse> out) {
    unary("ListWorlds", out, () -> {
      if (request.getWorldIdsCount() > 256) {
        throw EnvException.invalid("world_ids", "asks for " + request.getWorldIdsCount()
            + " worlds; at most 256 per call (leave it empty for all)");
      }
      List<WorldType> types = new java.util.ArrayList<>();
      for (String id : request.getWorldIdsList()) {
        types.add(registry.get(id)); // NOT_FOUND naming the hosted worlds
      }
      ListWorldsResponse.Builder b = ListWorldsResponse.newBuilder();
      for (WorldType t : types.isEmpty() ? registry.all() : types) {
        b.addWorlds(request.getSummary() ? Protos.worldSummary(t) : Protos.worldInfo(t));
      }
      return b.build();
    });
  }

  /** Worlds are built on the server's creation threads, never on the threads serving other calls. */
  @Override
  public void createSession(CreateSessionRequest request, StreamObserver<CreateSessionResponse> out) {
    unary("CreateSession", out, () -> factory.onCreationThread(() -> createSession(request)));
  }

  private CreateSessionResponse createSession(CreateSessionRequest request) {
    if (request.getWorldId().isEmpty()) {
      throw EnvException.invalid("world_id", "is empty; expected one of: " + String.join(", ", registry.ids()));
    }
    WorldType type = registry.get(request.getWorldId());
    Config worldConfig = type.schema().resolve(Protos.toPlain(request.getConfig()));
    long requestedCopies = Integer.toUnsignedLong(request.getNumCopies());
    if (requestedCopies > config.maxCopiesPerSession()) {
      throw EnvException.exhausted("num_copies: " + requestedCopies + " exceeds this server's limit of "
          + config.maxCopiesPerSession() + " copies per session; ask for fewer copies (or open several sessions), "
          + "or restart the server with a larger --max-copies");
    }
    int copies = requestedCopies == 0 ? 1 : (int) requestedCopies;
    int[] recorded = request.hasRecord() ? SessionRecording.recordedCopies(request.getRecord(), copies) : null;
    if (AutoresetMode.forNumber(request.getAutoresetValue()) == null) {
      // Checked here: Protos.autoreset cannot describe an UNRECOGNIZED value (getNumber throws).
      throw EnvException.invalid("autoreset", "unknown autoreset mode number " + request.getAutoresetValue()
          + "; expected AUTORESET_NEXT_STEP (1), AUTORESET_SAME_STEP (2) or AUTORESET_DISABLED (3)");
    }
    Autoreset autoreset = Protos.autoreset(request.getAutoreset());
    List<String> observations = request.getObservationsList();
    long seed = request.getSeed();
    // Logged verbatim, a newline in the name would forge a log line; a long name would flood the log.
    String client = Quote.excerpt(request.getClientName(), MAX_CLIENT_NAME_CHARS);
    Caller caller = Caller.current();
    boolean isMatch = request.getSeatsCount() > 0 || request.getSeatPerAgent();
    // A detached session does not close with its connection (only by CloseSession or idle expiry);
    // nor does a match, whose controllers are its seats, not its creator.
    Caller owner = request.getDetached() || isMatch ? caller.detached() : caller;

    // The slot is taken before any world is built, so requests beyond the limit build nothing;
    // the world declares its cost to the factory's limits before it allocates anything large.
    try (Reservation<EnvSession> slot = sessions.reserve(type.id(), client, owner, copies)) {
      World world = factory.create(type, worldConfig, copies, slot.cancellation(), autoreset != Autoreset.DISABLED,
          ADVICE);
      // Names, message sizes and the owner's cells quota are checked before the environment
      // allocates its buffers.
      List<TensorSpec> returned = BatchedEnv.requestedObservations(world.spec(), observations);
      checkMessageSizes(world, returned, autoreset, copies);
      MatchLayout layout = MatchLayout.of(request, world.spec(), returned, autoreset);
      slot.charge(Cells.of(world.spec(), copies));
      SessionRecording recording = null;
      if (recorded != null) {
        recording = SessionRecording.wrap(slot.id(), world, worldConfig, recorded, client, config, watchers,
            layout == null ? null : SessionRecording.seats(layout.seats()));
        world = recording.world();
      }
      BatchedEnv env = new BatchedEnv(world, autoreset, seed, observations)
          .seedCopiesFrom(Integer.toUnsignedLong(request.getFirstCopy()))
          .stepCopiesOn(stepPool)
          .cancelOn(slot.cancellation());
      SessionSpec spec = SessionSpec.of(env, worldConfig);
      CreateSessionResponse.Builder response = CreateSessionResponse.newBuilder()
          .setSessionId(slot.id())
          .setSpec(Protos.envSpec(spec));
      if (layout == null) {
        slot.open(new EnvSession(env, request.getSparseObservations(), null, recording));
      } else {
        // A match's world starts its episodes now: no seat may Reset it.
        env.reset(null, null);
        Match match = new Match(env, spec, layout, request.getSparseObservations(), stepPool,
            matches.timer(slot.id()));
        for (Match.Seat seat : match.seats()) {
          response.addSeats(SeatGrant.newBuilder().setName(seat.name()).addAllAgents(seat.def.toProto().getAgentsList())
              .setJoinToken(seat.tokenHex()));
        }
        matches.opened(slot.open(new EnvSession(env, request.getSparseObservations(), match, recording)));
      }
      log.atInfo().setMessage("session created")
          .addKeyValue("session", slot.id())
          .addKeyValue("world", type.id())
          .addKeyValue("copies", copies)
          .addKeyValue("agents", env.spec().numAgents())
          .addKeyValue("autoreset", autoreset)
          .addKeyValue("seed", Long.toUnsignedString(seed))
          .addKeyValue("client", client)
          .addKeyValue("principal", caller.principal().name())
          .addKeyValue("detached", request.getDetached())
          .addKeyValue("recorded", recorded == null ? "" : java.util.Arrays.toString(recorded))
          .addKeyValue("seats", layout == null ? "" : layout.seatNames())
          .addKeyValue("sessions", sessions.size())
          .log();
      return response.build();
    }
  }

  private void checkMessageSizes(World world, List<TensorSpec> observations, Autoreset autoreset, int copies) {
    long limit = config.maxMessageBytes();
    long request = MessageSizes.stepRequest(world.spec(), copies);
    long response = MessageSizes.stepResponse(world.spec(), observations, autoreset, copies);
    String raise = "; use fewer copies, request fewer observations (CreateSessionRequest.observations), "
        + "or restart the server with a larger --max-message-mb";
    if (request > limit) {
      throw EnvException.exhausted("num_copies: a Step request of " + copies + " copies carries about " + request
          + " bytes of actions, more than this server's message limit of " + limit + " bytes" + raise);
    }
    if (response > limit) {
      throw EnvException.exhausted("num_copies: a Step response of " + copies + " copies can reach " + response
          + " bytes, more than this server's message limit of " + limit + " bytes" + raise);
    }
  }

  @Override
  public void reset(ResetRequest request, StreamObserver<StepResponse> out) {
    unary("Reset", out, () -> {
      Long seed = request.hasSeed() ? request.getSeed() : null;
      int[] copies = new int[request.getCopiesCount()];
      for (int i = 0; i < copies.length; i++) {
        long c = Integer.toUnsignedLong(request.getCopies(i));
        // Out-of-int values become -1, which the session rejects with the range it expects.
        copies[i] = c > Integer.MAX_VALUE ? -1 : (int) c;
      }
      return sessions.withSession(Caller.current().principal(), request.getSessionId(), session -> {
        refuseMatch(session, request.getSessionId(), "Reset");
        session.last().forget();
        return respond(session, session.env().reset(seed, copies));
      });
    });
  }

  @Override
  public void step(StepRequest request, StreamObserver<StepResponse> out) {
    placeStep(Caller.current().principal(), request, response -> {
      out.onNext(response);
      out.onCompleted();
    }, t -> out.onError(ERRORS.toStatus("Step", t).asRuntimeException()));
  }

  /**
   * Steps where {@link StepPlacement} says (this thread or a worker; see
   * {@link EnvSessions#place}): the response goes to {@code send}, a failure before it to
   * {@code fail}; one after it (the call has its answer) is thrown to the thread that stepped.
   */
  private void placeStep(Principal caller, StepRequest request, Consumer<StepResponse> send,
      Consumer<Throwable> fail) {
    sessions.place(placement, caller, request.getSessionId(), () -> {
      boolean[] sent = {false};
      try {
        step(caller, request, response -> {
          sent[0] = true;
          send.accept(response);
        });
      } catch (RuntimeException | Error t) {
        if (sent[0]) {
          throw t;
        }
        fail.accept(t);
      }
    });
  }

  /**
   * Steps the session and hands the response to {@code send} before the session's lock is
   * released: a response that shares the session's buffers ({@link Protos.ResponseBuffers}) is
   * serialized by {@code send} before any other call can step the session again. {@code send}
   * is the last thing done; a failure before it throws and sends nothing.
   */
  private void step(Principal caller, StepRequest request, Consumer<StepResponse> send) {
    sessions.withSession(caller, request.getSessionId(), session -> {
      refuseMatch(session, request.getSessionId(), "Step");
      if (!request.hasExpectedStep()) {
        StepBatch batch = session.env().step(request.getActions().asReadOnlyByteBuffer());
        send.accept(respond(session, batch, serializesOnSend ? session.responseBuffers() : null));
        return null;
      }
      long answered = session.env().sessionStep();
      long expected = request.getExpectedStep();
      StepResponse kept = session.last().get();
      if (expected == answered && kept != null && kept.getSessionStep() == answered) {
        send.accept(kept); // a retry of the Step the server already applied: the same answer, no second step
        return null;
      }
      if (expected != answered + 1) {
        throw EnvException.precondition(expectedStepMismatch(expected, answered, kept != null));
      }
      // Kept for a retry beyond this call: its own copy of the bytes.
      StepResponse response = respond(session, session.env().step(request.getActions().asReadOnlyByteBuffer()), null);
      session.last().keep(response);
      send.accept(response);
      return null;
    });
  }

  /** FAILED_PRECONDITION for a plain call on a match. */
  private static void refuseMatch(EnvSession session, String sessionId, String method) {
    if (session.match() != null) {
      throw EnvException.precondition("session '" + sessionId + "' is a match (created with seats " + session.match()
          .layout().seatNames() + "): its seats step it with StepSeat or StepSeatStream after JoinSession with their "
          + "join tokens, and its world resets itself; " + method + " is for sessions created without seats");
    }
  }

  /** Why {@code expected_step} does not fit a session that has answered {@code answered} Steps. */
  private static String expectedStepMismatch(long expected, long answered, boolean kept) {
    String both = "expected_step: the request expects step " + Long.toUnsignedString(expected) + " but this session "
        + "is at step " + answered + " (its next Step produces step " + (answered + 1) + "); ";
    if (expected == answered) {
      return both + "step " + answered + "'s response is not kept (a Reset came after it, or its Step did not carry "
          + "expected_step), so it cannot be returned again; nothing was done";
    }
    if (Long.compareUnsigned(expected, answered) < 0) {
      return both + "only the last Step's response is kept" + (kept ? " (step " + answered + ")" : "")
          + "; nothing was done. Resynchronise from the session_step of your last response";
    }
    return both + "steps cannot be skipped; nothing was done. Send expected_step = the session_step of your last "
        + "response + 1";
  }

  private StepResponse respond(EnvSession session, StepBatch batch) {
    return respond(session, batch, null);
  }

  /** With {@code shared} (not null), a response valid only until the session steps again: see {@link Protos.ResponseBuffers}. */
  private StepResponse respond(EnvSession session, StepBatch batch, Protos.ResponseBuffers shared) {
    StepResponse response = Protos.stepResponse(session.env(), batch, session.sparseObservations(), stepPool, shared);
    int size = response.getSerializedSize();
    if (size > config.maxMessageBytes()) {
      // CreateSession's bound should make this impossible; say so loudly if it is wrong.
      log.atWarn().setMessage("step response exceeds the message limit; the size bound is too low")
          .addKeyValue("bytes", size).addKeyValue("limit", config.maxMessageBytes()).log();
    }
    return response;
  }

  @Override
  public void closeSession(CloseSessionRequest request, StreamObserver<CloseSessionResponse> out) {
    unary("CloseSession", out, () -> {
      Closed c = sessions.close(Caller.current().principal(), request.getSessionId());
      return CloseSessionResponse.newBuilder().setSessionSteps(c.steps()).setEpisodes(c.episodes()).build();
    });
  }

  @Override
  public void render(RenderRequest request, StreamObserver<RenderResponse> out) {
    unary("Render", out, () -> sessions.withSession(Caller.current().principal(), request.getSessionId(), session -> {
      BatchedEnv env = session.env();
      WorldRenderer renderer = env.renderer();
      if (renderer == null) {
        throw EnvException.precondition("world '" + env.spec().worldId() + "' has no renderer");
      }
      long copy = Integer.toUnsignedLong(request.getCopy());
      if (copy >= env.copies()) {
        throw EnvException.invalid("copy", "copy " + copy + " is out of range: the session has " + env.copies()
            + " copies (0.." + (env.copies() - 1) + ")");
      }
      RenderResponse.Builder r = RenderResponse.newBuilder().setSessionStep(env.sessionStep());
      if (request.getFormat() == RenderFormat.RENDER_FORMAT_TEXT) {
        return r.setText(renderer.text((int) copy)).build();
      }
      if (request.getFormat() != RenderFormat.RENDER_FORMAT_RGB
          && request.getFormat() != RenderFormat.RENDER_FORMAT_UNSPECIFIED) {
        throw EnvException.invalid("format", "unknown render format " + request.getFormatValue()
            + "; known: RENDER_FORMAT_RGB (1), RENDER_FORMAT_TEXT (2)");
      }
      return renderRgb(renderer, (int) copy, request.getCellPixels(), r);
    }));
  }

  /** Draws an RGB frame if it fits the message limit (checked before drawing, so the work is bounded). */
  private RenderResponse renderRgb(WorldRenderer renderer, int copy, int requested, RenderResponse.Builder r) {
    int cell = requested != 0 ? requested : renderer.defaultCellPixels();
    if (cell > WorldRenderer.MAX_CELL_PIXELS || cell < renderer.minCellPixels()) {
      throw EnvException.invalid("cell_pixels", "cell_pixels must be in " + renderer.minCellPixels() + ".."
          + WorldRenderer.MAX_CELL_PIXELS + " for this world, got " + Integer.toUnsignedString(requested));
    }
    long budget = (config.maxMessageBytes() - 1024L) / 3;
    if (renderer.pixels(cell) > budget) {
      int fits = 0;
      for (int c = renderer.minCellPixels(); c <= WorldRenderer.MAX_CELL_PIXELS && renderer.pixels(c) <= budget; c++) {
        fits = c;
      }
      throw EnvException.invalid("cell_pixels", "a frame with cell_pixels " + cell + " would exceed the server's "
          + config.maxMessageBytes() + "-byte message limit; " + (fits == 0 ? "this world is too large to draw"
          : "the largest that fits is " + fits));
    }
    WorldRenderer.Frame f;
    try {
      f = renderer.rgb(copy, cell);
    } catch (IllegalArgumentException e) {
      throw EnvException.invalid("cell_pixels", e.getMessage());
    }
    return r.setWidth(f.width()).setHeight(f.height()).setRgb(ByteString.copyFrom(f.rgb())).build();
  }

  // ---- recordings -----------------------------------------------------------------------

  /** The session's recording, or FAILED_PRECONDITION when it was created without {@code record}. */
  private static SessionRecording recordingOf(EnvSession session, String sessionId) {
    if (session.recording() == null) {
      throw EnvException.precondition("session '" + sessionId + "' is not recorded: create it with "
          + "CreateSessionRequest.record to record its copies");
    }
    return session.recording();
  }

  @Override
  public void fetchReplay(FetchReplayRequest request, StreamObserver<ReplayChunk> out) {
    byte[] bytes;
    SessionRecording.Finished f;
    try {
      long copy = Integer.toUnsignedLong(request.getCopy());
      f = sessions.withSession(Caller.current().principal(), request.getSessionId(),
          session -> recordingOf(session, request.getSessionId()).latest(copy));
      if (f.bytes() != null) {
        bytes = f.bytes();
      } else {
        try {
          bytes = java.nio.file.Files.readAllBytes(f.file());
        } catch (java.io.IOException e) {
          log.atWarn().setMessage("a recorded replay cannot be read").addKeyValue("file", f.file()).setCause(e).log();
          throw EnvException.precondition("the replay of copy " + copy + " episode " + f.episode() + " can no longer "
              + "be read on the server (its file in the record directory is gone or unreadable)");
        }
      }
    } catch (Throwable t) {
      out.onError(ERRORS.toStatus("FetchReplay", t).asRuntimeException());
      return;
    }
    int chunk = Math.max(1, Math.min(FETCH_CHUNK_BYTES, config.maxMessageBytes() - 1024));
    int off = 0;
    do {
      int n = Math.min(chunk, bytes.length - off);
      out.onNext(ReplayChunk.newBuilder().setData(ByteString.copyFrom(bytes, off, n)).setTotalBytes(bytes.length)
          .setEpisode(f.episode()).build());
      off += n;
    } while (off < bytes.length);
    out.onCompleted();
  }

  /** Largest piece of a replay per FetchReplay message. */
  static final int FETCH_CHUNK_BYTES = 1 << 20;

  @Override
  public void listRecordings(ListRecordingsRequest request, StreamObserver<ListRecordingsResponse> out) {
    unary("ListRecordings", out, () -> {
      ListRecordingsResponse.Builder b = ListRecordingsResponse.newBuilder();
      sessions.all(Caller.current().principal()).entrySet().stream()
          .filter(e -> e.getValue().recording() != null)
          .sorted(java.util.Map.Entry.comparingByKey())
          .forEach(e -> {
            SessionRecording r = e.getValue().recording();
            BatchedEnv env = e.getValue().env();
            RecordedSession.Builder s = RecordedSession.newBuilder().setSessionId(e.getKey())
                .setWorldId(env.spec().worldId()).setNumCopies(env.copies()).setSessionStep(env.sessionStep())
                .setWatchers(r.watcherCount());
            for (int c : r.recorded()) {
              s.addRecordedCopies(c);
            }
            for (long n : r.finishedEpisodes()) {
              s.addFinishedEpisodes(n);
            }
            b.addSessions(s);
          });
      return b.build();
    });
  }

  /** Registers the watcher under the session's lock, so its first lines and the steps that follow fit together. */
  @Override
  public void watchRecording(WatchRecordingRequest request, StreamObserver<ReplayLine> out) {
    try {
      Principal caller = Caller.current().principal();
      long copy = Integer.toUnsignedLong(request.getCopy());
      ServerCallStreamObserver<ReplayLine> call = (ServerCallStreamObserver<ReplayLine>) out;
      sessions.withSession(caller, request.getSessionId(), session -> {
        recordingOf(session, request.getSessionId()).watch(copy, caller, call);
        return null;
      });
    } catch (Throwable t) {
      out.onError(ERRORS.toStatus("WatchRecording", t).asRuntimeException());
    }
  }

  // ---- streaming ------------------------------------------------------------------------

  /**
   * One response per request, in order, with flow control (see {@link RequestStreams}). A bad
   * request ends the stream with its status; its session is unchanged (the core rejects before
   * changing anything).
   */
  @Override
  public StreamObserver<StepRequest> stepStream(StreamObserver<StepResponse> responseObserver) {
    Principal caller = Caller.current().principal();
    // Answered under the session's lock (see step): the response shares the session's buffers.
    return streams.serveAsync(responseObserver, "StepStream", ERRORS,
        (request, done) -> placeStep(caller, request, response -> done.accept(response, null),
            t -> done.accept(null, t)));
  }

  // ---- matches --------------------------------------------------------------------------

  @Override
  public void joinSession(JoinSessionRequest request, StreamObserver<JoinSessionResponse> out) {
    unary("JoinSession", out, () -> matches.join(request));
  }

  @Override
  public void leaveSession(LeaveSessionRequest request, StreamObserver<LeaveSessionResponse> out) {
    unary("LeaveSession", out, () -> {
      matches.leave(request);
      return LeaveSessionResponse.getDefaultInstance();
    });
  }

  /** Answers when the world has taken the step the seat submitted to, from whichever thread stepped it. */
  @Override
  public void stepSeat(StepSeatRequest request, StreamObserver<StepResponse> out) {
    Match.Reply reply = new Match.Reply() {
      @Override
      public void answer(StepResponse response) {
        try {
          out.onNext(response);
          out.onCompleted();
        } catch (RuntimeException e) {
          log.debug("a seat's step answer could not be sent (the call ended)", e);
        }
      }

      @Override
      public void fail(RuntimeException failure) {
        try {
          out.onError(ERRORS.toStatus("StepSeat", failure).asRuntimeException());
        } catch (RuntimeException e) {
          log.debug("a seat's step failure could not be sent (the call ended)", e);
        }
      }
    };
    matches.place(placement, request.getSessionId(), () -> {
      try {
        matches.step(request, reply);
      } catch (Throwable t) {
        out.onError(ERRORS.toStatus("StepSeat", t).asRuntimeException());
      }
    });
  }

  @Override
  public StreamObserver<StepSeatRequest> stepSeatStream(StreamObserver<StepResponse> responseObserver) {
    io.grpc.Context context = io.grpc.Context.current();
    return streams.serveAsync(responseObserver, "StepSeatStream", ERRORS, (request, done) ->
        matches.place(placement, request.getSessionId(), () -> context.run(() -> {
          try {
            matches.step(request, new Match.Reply() {
              @Override
              public void answer(StepResponse response) {
                done.accept(response, null);
              }

              @Override
              public void fail(RuntimeException failure) {
                done.accept(null, failure);
              }
            });
          } catch (RuntimeException | Error t) {
            done.accept(null, t); // refused before it was submitted (the seat's call has no answer yet)
          }
        })));
  }

  // ---- errors ---------------------------------------------------------------------------

  private static <T> void unary(String method, StreamObserver<T> out, Supplier<T> body) {
    T result;
    try {
      result = body.get();
    } catch (Throwable t) {
      out.onError(ERRORS.toStatus(method, t).asRuntimeException());
      return;
    }
    out.onNext(result);
    out.onCompleted();
  }
}
