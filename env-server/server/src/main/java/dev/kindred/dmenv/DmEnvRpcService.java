package dev.kindred.dmenv;

import dev.kindred.dmenv.proto.CreateWorldResponse;
import dev.kindred.dmenv.proto.DestroyWorldResponse;
import dev.kindred.dmenv.proto.EnvironmentGrpc;
import dev.kindred.dmenv.proto.EnvironmentRequest;
import dev.kindred.dmenv.proto.EnvironmentRequest.PayloadCase;
import dev.kindred.dmenv.proto.EnvironmentResponse;
import dev.kindred.dmenv.proto.JoinWorldResponse;
import dev.kindred.dmenv.proto.LeaveWorldResponse;
import dev.kindred.dmenv.proto.ResetResponse;
import dev.kindred.dmenv.proto.ResetWorldResponse;
import dev.kindred.dmenv.proto.StepRequest;
import dev.kindred.dmenv.proto.StepResponse;
import dev.kindred.env.EnvException;
import dev.kindred.env.Quote;
import dev.kindred.env.WorldRegistry;
import dev.kindred.server.core.Caller;
import dev.kindred.server.core.ErrorMapping;
import dev.kindred.server.core.Principal;
import dev.kindred.server.core.RequestStreams;
import dev.kindred.server.core.Session;
import dev.kindred.server.core.SessionRegistry;
import dev.kindred.server.core.WorldFactory;
import dev.kindred.server.match.Match;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DeepMind's dm_env_rpc protocol v1 ({@code dm_env_rpc.v1.Environment/Process}) over Kindred's
 * worlds, served on the same port as kindred.v1, so that existing dm_env_rpc clients (its Python
 * {@code Connection}, {@code DmEnvAdaptor} and compliance suite) work unchanged.
 *
 * <h2>Stream</h2>
 * One bidirectional stream is one connection. Exactly one response per request, in order;
 * clients may pipeline (requests are pulled one at a time while the client reads responses).
 * A failed request is answered with {@code EnvironmentResponse.error} (a google.rpc.Status with
 * the code of the failure and a message naming the field, the bad value and what was expected)
 * and the stream stays open; a rejected request changes nothing. {@code extension} requests
 * are UNIMPLEMENTED. A seat's Step (see Seated worlds) is answered when its world has taken the
 * step; the stream reads its next request after that answer.
 *
 * <h2>Worlds</h2>
 * A dm_env_rpc world is one copy of a Kindred world (num_copies = 1). {@code CreateWorld}
 * settings:
 * <ul>
 *   <li>{@code world}: string scalar, the Kindred world id, required (a CreateWorld without it is INVALID_ARGUMENT naming the worlds);</li>
 *   <li>{@code seed}: integer scalar of any integer dtype (default 0). Sequence k of the world
 *       uses the same episode seed as copy 0, episode k of a kindred.v1 session with that seed,
 *       so both protocols give identical trajectories for identical actions;</li>
 *   <li>every configuration key of the world's schema (see ListWorlds): scalars as scalar
 *       tensors (numbers, bools, strings; a float32 is read through its shortest decimal form),
 *       lists as rank-1 tensors (a scalar is a list of one), matrices as rank-2 tensors; a single
 *       element broadcasts to the whole shape. Missing keys take the schema defaults; an
 *       unknown key, a wrong type or an out-of-range value is INVALID_ARGUMENT.</li>
 * </ul>
 * The response's {@code world_name} is {@code <world id>-<16 random hex digits>}. Worlds are
 * sessions of the server's session registry: together with kindred.v1 sessions they count
 * against the server's session limit ({@code --max-sessions}; RESOURCE_EXHAUSTED beyond) and the
 * quota of their creator's principal, and a world unused for the server's idle timeout
 * ({@code --idle-timeout-s}) is destroyed. A world belongs to the principal of the connection that
 * created it (its token's principal, its client certificate, or else that connection itself):
 * for every other principal JoinWorld, ResetWorld and DestroyWorld answer NOT_FOUND, as for a
 * name that does not exist (except a JoinWorld with a seat's token, see Seated worlds). A world
 * without seats lives until DestroyWorld, until it expires, or until the connection that created
 * it closes (then at once when no agent is joined, else when its agent leaves); DestroyWorld is
 * refused (FAILED_PRECONDITION) while its agent is joined. A seated world outlives its creating
 * connection: it lives until DestroyWorld (by its creator's principal, at any time) or until it
 * expires. An unknown name is NOT_FOUND.
 *
 * <h2>Agents, specs, actions and observations</h2>
 * In a world without seats, one joined connection controls <em>all</em> of the world's agents
 * (for spin worlds, the spins listed in {@code controlled}); a second JoinWorld on the same
 * connection, or a JoinWorld on a world that already has its agent connection, is
 * FAILED_PRECONDITION. JoinWorld takes no settings there (a seat's JoinWorld: see Seated worlds).
 * Specs (uids are stable for the world's life):
 * <ul>
 *   <li>actions, uid {@code d+1} for the world's action dimension d (name = the dimension's name,
 *       e.g. {@code spin}): INT32, shape {@code [agents]} (agent order = the world's agent names,
 *       e.g. {@code spin_0, spin_1}), min 0, max number of values - 1. A world without agents has
 *       no actions. Every Step of a running sequence must carry every action; a missing action,
 *       unknown uid, other dtype, other shape or out-of-range value is INVALID_ARGUMENT (the
 *       variable-dimension and broadcast rules of dm_env_rpc apply);</li>
 *   <li>observations, uid {@code i+1} for the world's observation i, same name (a world
 *       observation named {@code reward} or {@code discount} is renamed {@code world_<name>}),
 *       dtype mapped (UINT8, INT8, INT32, INT64, FLOAT, DOUBLE), shape {@code [agents, *shape]}
 *       for per-agent tensors and the tensor's own shape for per-world ones, with the world's
 *       inclusive bounds as min/max; then {@code reward} (FLOAT {@code [agents]}, the world's
 *       reward bounds) and {@code discount} (FLOAT scalar in [0, 1]: 0 when the sequence
 *       TERMINATED, else 1).</li>
 * </ul>
 * Only the observations listed in {@code requested_observations} come back (duplicates are
 * returned once; an unknown uid is INVALID_ARGUMENT naming it; a request whose response could
 * exceed the message limit is RESOURCE_EXHAUSTED before anything changes).
 *
 * <h2>Sequences</h2>
 * After JoinWorld, Reset, ResetWorld and the end of a sequence the world is not running: the
 * next Step ignores its actions, starts a new episode and returns RUNNING with the episode's
 * first observations (reward 0). A Step that ends the episode returns TERMINATED when the world
 * ended it and INTERRUPTED when it was truncated (e.g. {@code max_steps}). Reset (only when
 * joined) accepts {@code seed}, which restarts the episode seed stream. ResetWorld (from any
 * connection of the world's principal) accepts {@code seed} and configuration keys; a configuration change rebuilds the
 * world and is refused while an agent is joined if it would change the specs. An agent joined on
 * another connection sees INTERRUPTED at its next Step (with its requested observations, actions
 * ignored); ResetWorld itself does not wait for that step. LeaveWorld when not joined is a no-op.
 *
 * <h2>Seated worlds</h2>
 * Several connections, of any principals, can play one world: its creator partitions the
 * world's agents into named seats and gives each seat a token; whoever holds a seat's token
 * joins it, and controls its agents only. It is a kindred.v1 match (CreateSessionRequest.seats,
 * the same core, see {@code env_service.proto}) seen through dm_env_rpc. Further
 * {@code CreateWorld} settings (dm_env_rpc's Python helpers flatten nested dicts, e.g.
 * {@code {"seat": {"red": [0, 1]}}}, into these keys):
 * <ul>
 *   <li>{@code seat.<name>}: the world's agent indices of seat {@code <name>}, an integer scalar
 *       or list, in the seat's agent order. The seats partition the world's agents (every agent
 *       in exactly one seat); names are 1 to 32 characters from {@code [a-z0-9_-]}. Seats are
 *       ordered by name;</li>
 *   <li>{@code seat_token.<name>}: the seat's join token, a string of 32 to 128 hex digits (e.g.
 *       128 random bits; case does not matter), its own for each seat. The creator chooses it
 *       (CreateWorldResponse has no place for one) and hands it to whoever plays the seat;
 *       shorter is refused: a guessable token is no permission;</li>
 *   <li>{@code max_action_time_ms} (integer, 1 to 3600000; 0 or absent: 30000): how long a held
 *       seat has to send its Step, counted from the step's first submission;</li>
 *   <li>{@code fallback} (string, {@code noop} by default, or {@code random}): what the agents of
 *       a late or absent seat do;</li>
 *   <li>{@code start_before_all_joined} (bool, default false): step as soon as any seat
 *       submits; by default the first step waits until every seat has been joined once.</li>
 * </ul>
 * Every problem is INVALID_ARGUMENT naming the setting ({@code settings.seat.red: agent 1 is also
 * in seat 'blue'}, {@code settings.seat_token.red: is not a join token (31 characters)}); a
 * token is never echoed. Match options without seats are refused too.
 *
 * <p>{@code JoinWorld} with the settings {@code seat} (the seat's name) and {@code seat_token}
 * takes the seat, whoever created the world; its specs are the seat's: actions of shape
 * {@code [seat agents]}, per-agent observations and {@code reward} of the seat's agents only (in
 * the seat's order), the same uids and names as the whole world's. An unknown world is
 * NOT_FOUND, an unknown seat NOT_FOUND naming the seats, a wrong token PERMISSION_DENIED, a
 * malformed one INVALID_ARGUMENT, a seat that another connection holds ALREADY_EXISTS naming the
 * seat; a world without seats is FAILED_PRECONDITION to its owner and NOT_FOUND to anyone else.
 * JoinWorld with no settings, and ResetWorld, on a seated world are FAILED_PRECONDITION.
 *
 * <p>The world steps when every held seat has sent its Step, or when {@code max_action_time_ms}
 * has passed since the step's first Step; the agents of a seat that is held but late, or that
 * nobody holds (never joined, left, or its connection's stream ended), play the fallback, and
 * a seat nobody holds never holds a step up. Each seat's Step is answered when the world has
 * taken the step. A seat whose connection ends or sends LeaveWorld is free: anyone with its token
 * may join it again. Bad Steps (wrong action shape, naming the seat's shape; out-of-range values;
 * unknown observation uids) are INVALID_ARGUMENT and change nothing for any seat. The trajectory
 * depends only on the seed and the actions applied (the seats' own and the fallbacks): seats
 * that always submit see, bit for bit, their slice of what one connection controlling a world
 * without seats of the same settings and seed sees with the same actions.
 *
 * <p>A seated world's episodes follow one another by themselves (no seat may reset it): the step
 * after an episode's end starts the next, ignoring actions. Each seat sees them as sequences:
 * after JoinWorld, Reset (which takes no settings and does not reset the world) and the end of a
 * sequence, the seat's next Step ignores its actions and answers RUNNING with reward 0, at once
 * with the seat's current observations, or, when the world's last step ended an episode, with
 * the next episode's first observations once the world has taken that step. A Step that ends the
 * episode is TERMINATED or INTERRUPTED as above; a seat that was late for its episode's end gets
 * that end at its next Step, at once (its actions not applied). DestroyWorld answers the seats'
 * waiting Steps with ABORTED; their later requests find no world (NOT_FOUND).
 */
public final class DmEnvRpcService extends EnvironmentGrpc.EnvironmentImplBase implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DmEnvRpcService.class);
  private static final ErrorMapping ERRORS = new ErrorMapping("use a smaller world",
      "use a smaller world or destroy other worlds");

  private final WorldRegistry registry;
  private final DmWorlds worlds;
  private final RequestStreams streams;
  private final WorldFactory factory;
  private final int maxMessageBytes;

  /**
   * @param sessions the server's sessions, where this service keeps its worlds
   * @param streams  the server's streams, which end at shutdown
   * @param factory  builds worlds under the server's limits, on its creation threads (the same as
   *                 kindred.v1's)
   */
  public DmEnvRpcService(WorldRegistry registry, SessionRegistry sessions, RequestStreams streams,
      WorldFactory factory, int maxMessageBytes) {
    this.registry = registry;
    this.worlds = new DmWorlds(sessions, factory);
    this.streams = streams;
    this.factory = factory;
    this.maxMessageBytes = maxMessageBytes;
  }

  /** Number of live worlds (for tests and monitoring). */
  public int worldCount() {
    return worlds.size();
  }

  /** Stops the seated worlds' deadlines; the server closes its sessions itself. */
  @Override
  public void close() {
    worlds.close();
  }

  /**
   * One stream's state; touched only by the stream's handler (one request at a time: the next
   * is read once the previous one is answered, also when a seat's Step is answered later).
   */
  private static final class Connection {
    final Principal principal;
    Session<DmSession> joined;
    /** The seat this connection holds in {@link #joined}, when that is a seated world. */
    DmSeatedWorld.Held seat;
    final Set<Session<DmSession>> created = new LinkedHashSet<>();

    Connection(Principal principal) {
      this.principal = principal;
    }

    @Override
    public String toString() {
      return "connection@" + Integer.toHexString(System.identityHashCode(this));
    }
  }

  @Override
  public StreamObserver<EnvironmentRequest> process(StreamObserver<EnvironmentResponse> responseObserver) {
    Connection conn = new Connection(Caller.current().principal());
    // A seat's Step is answered when its world steps, from whichever thread steps it.
    return streams.serveAsync(responseObserver, "Process", ERRORS, new RequestStreams.AsyncHandler<>() {
      @Override
      public void answer(EnvironmentRequest request, BiConsumer<EnvironmentResponse, Throwable> done) {
        if (request.getPayloadCase() == PayloadCase.STEP && conn.seat != null) {
          stepSeat(conn, request.getStep(), done);
        } else {
          done.accept(handle(conn, request), null);
        }
      }

      @Override
      public void ended() {
        close(conn);
      }
    });
  }

  /** Ends a connection: leaves its world (or seat) and destroys the worlds it created that have no seats. */
  private void close(Connection conn) {
    leave(conn);
    for (Session<DmSession> w : conn.created) {
      worlds.creatorClosed(w);
    }
    conn.created.clear();
  }

  private void leave(Connection conn) {
    Session<DmSession> w = conn.joined;
    DmSeatedWorld.Held seat = conn.seat;
    conn.joined = null;
    conn.seat = null;
    if (seat != null) {
      worlds.leaveSeat(w, seat);
      log.atInfo().setMessage("dm_env_rpc seat left").addKeyValue("world", w.id()).addKeyValue("seat", seat.seat())
          .log();
    } else if (w != null) {
      worlds.leave(w, conn);
    }
  }

  /** Answers one request; a failure is an error response, and the stream stays open. */
  private EnvironmentResponse handle(Connection conn, EnvironmentRequest request) {
    try {
      return switch (request.getPayloadCase()) {
        case CREATE_WORLD -> {
          // Built on the server's creation threads, never on the threads serving other calls.
          Session<DmSession> w = factory.onCreationThread(() -> worlds.create(DmSettings.create(
              request.getCreateWorld().getSettingsMap(), registry, factory.limits().maxConfigElements()), conn,
              conn.principal));
          conn.created.add(w);
          yield EnvironmentResponse.newBuilder()
              .setCreateWorld(CreateWorldResponse.newBuilder().setWorldName(w.id())).build();
        }
        case JOIN_WORLD -> {
          var r = request.getJoinWorld();
          if (conn.joined != null) {
            throw EnvException.precondition("this connection is already joined to world '" + conn.joined.id()
                + "'; a connection joins one world at a time (send LeaveWorld first)");
          }
          DmSettings.SeatClaim claim = DmSettings.seatClaim(r.getSettingsMap());
          DmSpecs specs;
          if (claim == null) {
            Session<DmSession> w = worlds.get(r.getWorldName(), conn.principal);
            specs = worlds.use(w, world -> plain(world, w.id(), "JoinWorld").join(conn));
            conn.joined = w;
          } else {
            Session<DmSession> w = worlds.findForSeat(r.getWorldName());
            DmSeatedWorld.Joined j = worlds.useShared(w, world -> seated(world, w, conn).join(claim, worlds.now()));
            conn.joined = w;
            conn.seat = j.held();
            j.effects().run();
            specs = j.held().specs();
            log.atInfo().setMessage("dm_env_rpc seat joined").addKeyValue("world", w.id())
                .addKeyValue("seat", j.held().seat()).addKeyValue("principal", conn.principal.name()).log();
          }
          yield EnvironmentResponse.newBuilder()
              .setJoinWorld(JoinWorldResponse.newBuilder().setSpecs(specs.proto())).build();
        }
        case STEP -> {
          // A seat's Step does not come here (see process).
          StepResponse step = worlds.use(joined(conn, "Step"),
              w -> plain(w, conn.joined.id(), "Step").step(conn, request.getStep(), maxMessageBytes));
          yield EnvironmentResponse.newBuilder().setStep(step).build();
        }
        case RESET -> {
          Session<DmSession> w = joined(conn, "Reset");
          DmSpecs specs;
          DmSeatedWorld.Held seat = conn.seat;
          if (seat != null) {
            DmSettings.seatReset(request.getReset().getSettingsMap());
            specs = worlds.useShared(w, world -> seat.reset());
          } else {
            Long seed = DmSettings.seedOnly(request.getReset().getSettingsMap(), "Reset");
            specs = worlds.use(w, world -> plain(world, w.id(), "Reset").reset(conn, seed));
          }
          yield EnvironmentResponse.newBuilder().setReset(ResetResponse.newBuilder().setSpecs(specs.proto())).build();
        }
        case RESET_WORLD -> {
          var r = request.getResetWorld();
          Supplier<Void> reset = () -> worlds.use(worlds.get(r.getWorldName(), conn.principal), w -> {
            plain(w, r.getWorldName(), "ResetWorld").resetWorld(conn, r.getSettingsMap(),
                factory.limits().maxConfigElements());
            return null;
          });
          // Configuration settings rebuild the world: on a creation thread, as CreateWorld.
          boolean rebuilds = r.getSettingsMap().keySet().stream().anyMatch(k -> !k.equals(DmSettings.SEED));
          if (rebuilds) {
            factory.onCreationThread(reset);
          } else {
            reset.get();
          }
          yield EnvironmentResponse.newBuilder().setResetWorld(ResetWorldResponse.getDefaultInstance()).build();
        }
        case LEAVE_WORLD -> {
          leave(conn);
          yield EnvironmentResponse.newBuilder().setLeaveWorld(LeaveWorldResponse.getDefaultInstance()).build();
        }
        case DESTROY_WORLD -> {
          conn.created.remove(worlds.destroy(request.getDestroyWorld().getWorldName(), conn, conn.principal));
          yield EnvironmentResponse.newBuilder()
              .setDestroyWorld(DestroyWorldResponse.getDefaultInstance()).build();
        }
        case EXTENSION -> error(Status.UNIMPLEMENTED.withDescription("extension requests are not supported by this "
            + "server (got '" + Quote.excerpt(request.getExtension().getTypeUrl()) + "')"));
        case PAYLOAD_NOT_SET -> error(Status.INVALID_ARGUMENT.withDescription("the EnvironmentRequest has no "
            + "payload; set one of create_world, join_world, step, reset, reset_world, leave_world, destroy_world"));
      };
    } catch (RuntimeException | OutOfMemoryError e) {
      return error(ERRORS.toStatus(request.getPayloadCase().name().toLowerCase(Locale.ROOT), e));
    }
  }

  /**
   * A seat's Step: answered now (errors, a sequence's start) or once the world has taken the
   * step. Failures are error responses; the stream stays open.
   */
  private void stepSeat(Connection conn, StepRequest request, BiConsumer<EnvironmentResponse, Throwable> done) {
    DmSeatedWorld.Held seat = conn.seat;
    DmSeatedWorld.Answer answer = new DmSeatedWorld.Answer() {
      @Override
      public void answer(StepResponse response) {
        deliver(done, EnvironmentResponse.newBuilder().setStep(response).build());
      }

      @Override
      public void fail(RuntimeException failure) {
        deliver(done, error(ERRORS.toStatus("step", failure)));
      }
    };
    Match.Effects effects;
    try {
      effects = worlds.useShared(conn.joined,
          w -> ((DmSeatedWorld) w).step(seat, request, maxMessageBytes, answer, worlds.now()));
    } catch (RuntimeException | OutOfMemoryError e) {
      done.accept(error(ERRORS.toStatus("step", e)), null);
      return;
    }
    effects.run();
  }

  /** Hands an answer to the stream; one that cannot be sent must not keep the other seats' answers from theirs. */
  private static void deliver(BiConsumer<EnvironmentResponse, Throwable> done, EnvironmentResponse response) {
    try {
      done.accept(response, null);
    } catch (RuntimeException e) {
      log.debug("a seat's step answer could not be sent (its stream ended)", e);
    }
  }

  /** The world one connection controls, or FAILED_PRECONDITION for a seated one (found by its owner only). */
  private static DmWorld plain(DmSession world, String name, String request) {
    if (world instanceof DmWorld w) {
      return w;
    }
    throw EnvException.precondition("world '" + Quote.excerpt(name) + "' has seats: each seat is joined by its own "
        + "connection with JoinWorld settings '" + DmSettings.SEAT + "' (the seat's name) and '" + DmSettings.SEAT_TOKEN
        + "' (its token), and its episodes follow one another by themselves; " + request + " is for worlds created "
        + "without seats");
  }

  /**
   * The seated world a JoinWorld with a seat names; a world created without seats is
   * FAILED_PRECONDITION to its owner and NOT_FOUND to anyone else (as any world of another
   * principal).
   */
  private DmSeatedWorld seated(DmSession world, Session<DmSession> s, Connection conn) {
    if (world instanceof DmSeatedWorld w) {
      return w;
    }
    if (!s.owner().name().equals(conn.principal.name())) {
      throw worlds.notFoundError(s.id());
    }
    throw EnvException.precondition("world '" + s.id() + "' was created without seats: one connection controls all "
        + "its agents, joining with no settings; the settings '" + DmSettings.SEAT + "' and '" + DmSettings.SEAT_TOKEN
        + "' are for worlds created with seats (CreateWorld settings " + DmSettings.SEAT_PREFIX + "<name> and "
        + DmSettings.TOKEN_PREFIX + "<name>)");
  }

  private static Session<DmSession> joined(Connection conn, String request) {
    if (conn.joined == null) {
      throw EnvException.precondition(request + " needs a joined world: this connection is not joined; send "
          + "CreateWorld (or use an existing world's name) and then JoinWorld");
    }
    return conn.joined;
  }

  private static EnvironmentResponse error(Status status) {
    return EnvironmentResponse.newBuilder()
        .setError(com.google.rpc.Status.newBuilder()
            .setCode(status.getCode().value())
            .setMessage(Objects.toString(status.getDescription(), "")))
        .build();
  }
}
