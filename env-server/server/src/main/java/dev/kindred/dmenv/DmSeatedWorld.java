package dev.kindred.dmenv;

import dev.kindred.dmenv.proto.EnvironmentStateType;
import dev.kindred.dmenv.proto.StepRequest;
import dev.kindred.dmenv.proto.StepResponse;
import dev.kindred.env.Autoreset;
import dev.kindred.env.BatchedEnv;
import dev.kindred.env.Config;
import dev.kindred.env.EnvException;
import dev.kindred.env.KindredException;
import dev.kindred.env.Quote;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.WorldSpec;
import dev.kindred.proto.v1.CreateSessionRequest;
import dev.kindred.server.match.Match;
import dev.kindred.server.match.Match.Effects;
import dev.kindred.server.match.MatchLayout;
import dev.kindred.server.match.MatchLayout.SeatDef;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A seated dm_env_rpc world: one copy of a Kindred world whose agents are partitioned into
 * seats, each taken by a connection of its own (JoinWorld with the seat's token) and stepped by
 * the kindred.v1 match core ({@link Match}): the world steps once every held seat has submitted
 * its actions, or when the step's deadline has passed, with the fallback for the seats that did
 * not submit. Its episodes follow one another by themselves (autoreset on the step after an
 * episode's end), and each seat sees them as dm_env_rpc sequences (see {@link DmEnvRpcService}).
 *
 * <p>Not thread-safe: every call holds the lock of the world's session; answers that come once
 * the world steps are returned as {@link Effects}, to run once the lock is released.
 */
final class DmSeatedWorld implements DmSession {
  private final String name;
  private final BatchedEnv env;
  private final Match match;
  private final Map<String, DmSpecs> specs = new HashMap<>();
  /** For each world observation (spec order), its index among the observations of a seat's part of a step. */
  private final int[] partIndex;

  /** How the answer to a seat's Step reaches its connection: exactly one of the two, once, on any thread. */
  interface Answer {
    void answer(StepResponse response);

    void fail(RuntimeException failure);
  }

  /** What a Step's answer is to the seat's dm_env_rpc sequence. */
  private enum Mode {
    /** The seat was not running and the world is mid-episode: its current observations start a sequence. */
    STARTED,
    /** The seat was running but the episode it was in ended while it was late: its sequence ends now. */
    MISSED_END,
    /** The seat was not running and the world's last step ended an episode: the next step starts one. */
    RESTARTED,
    /** The seat was running and submitted its actions. */
    STEPPED
  }

  /**
   * A connection's hold on one seat: the seat, its specs, and where the seat's dm_env_rpc
   * sequence is. Read under the world's lock; written there or by the answer of the seat's Step
   * (on the thread that stepped the world, before the connection reads its next request).
   */
  static final class Held {
    private final Match.Seat seat;
    private final DmSpecs specs;
    /** The seat's sequence is running; else its next Step starts one. */
    private volatile boolean running;
    /** The world step of the seat's last answer, and the episodes the world had ended by then. */
    private volatile long seenStep;
    private volatile long seenEpisodes;

    private Held(Match.Seat seat, DmSpecs specs) {
      this.seat = seat;
      this.specs = specs;
    }

    String seat() {
      return seat.name();
    }

    DmSpecs specs() {
      return specs;
    }

    /**
     * The seat's Reset: the shared world does not reset (no seat may reset it); the seat's
     * next Step starts a new sequence, as after JoinWorld.
     */
    DmSpecs reset() {
      running = false;
      return specs;
    }

    /**
     * The dm_env_rpc answer to a Step: the seat's part of a world step (or of the world's latest
     * step, for answers that do not wait), as {@code mode} says.
     *
     * @param episodesBefore the episodes the world had ended when the Step came
     */
    private StepResponse answer(dev.kindred.proto.v1.StepResponse part, List<DmSpecs.Obs> requested, Mode mode,
        long episodesBefore, int[] partIndex) {
      boolean terminated = part.getTerminated().byteAt(0) != 0;
      boolean truncated = part.getTruncated().byteAt(0) != 0;
      boolean reset = part.getResetMask().byteAt(0) != 0;
      EnvironmentStateType state;
      boolean zeroRewards;
      switch (mode) {
        case STARTED, RESTARTED -> {
          state = EnvironmentStateType.RUNNING;
          zeroRewards = true; // no transition leads into a sequence's first observations
        }
        case MISSED_END -> {
          state = terminated ? EnvironmentStateType.TERMINATED : EnvironmentStateType.INTERRUPTED;
          zeroRewards = !terminated && !truncated; // the end is further back: those rewards are another step's
        }
        default -> {
          // A reset here would mean the seat's episode ended unseen: its sequence is interrupted.
          state = terminated ? EnvironmentStateType.TERMINATED
              : truncated || reset ? EnvironmentStateType.INTERRUPTED : EnvironmentStateType.RUNNING;
          zeroRewards = false;
        }
      }
      boolean submitted = mode == Mode.RESTARTED || mode == Mode.STEPPED;
      seenStep = part.getSessionStep();
      seenEpisodes = episodesBefore + (submitted && (terminated || truncated) ? 1 : 0);
      running = state == EnvironmentStateType.RUNNING;
      int k = seat.def.size();
      float[] rewards = new float[k];
      if (!zeroRewards) {
        ByteBuffer r = part.getRewards().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        for (int j = 0; j < k; j++) {
          rewards[j] = r.getFloat(4 * j);
        }
      }
      float discount = state == EnvironmentStateType.TERMINATED ? 0f : 1f;
      return StepResponse.newBuilder()
          .setState(state)
          .putAllObservations(specs.pack(requested,
              i -> part.getObservations(partIndex[i]).getData().asReadOnlyByteBuffer(), rewards, discount))
          .build();
    }
  }

  /** A seat taken: the connection's hold, and the answers the join released (a match that starts). */
  record Joined(Held held, Effects effects) {}

  /**
   * The seats as the match core checks them against the world (they partition its agents;
   * names of 1 to 32 characters from [a-z0-9_-]; options in range), naming the settings.
   *
   * @throws EnvException INVALID_ARGUMENT naming the setting
   */
  static MatchLayout layout(DmSettings.Seating seating, BatchedEnv env) {
    try {
      return MatchLayout.of(CreateSessionRequest.newBuilder().addAllSeats(seating.seats())
          .setMatch(seating.options()).build(), env.spec(), env.observations(), Autoreset.NEXT_STEP);
    } catch (EnvException e) {
      throw DmSettings.seatError(e, seating.seats());
    }
  }

  /**
   * A seated world over {@code env} (one copy, AUTORESET_NEXT_STEP), which starts its first
   * episode now.
   *
   * @param tokens the seats' tokens, in the layout's order
   */
  DmSeatedWorld(String name, BatchedEnv env, Config config, MatchLayout layout, List<byte[]> tokens,
      Match.Timer timer) {
    if (env.autoreset() != Autoreset.NEXT_STEP || env.copies() != 1) {
      throw new IllegalArgumentException("a seated world is one copy with AUTORESET_NEXT_STEP");
    }
    this.name = name;
    this.env = env;
    env.reset(null, null);
    this.match = new Match(env, SessionSpec.of(env, config), layout, tokens, false, null, timer);
    int[] returned = env.observationSpecIndices();
    this.partIndex = new int[env.spec().observations().size()];
    for (int i = 0; i < returned.length; i++) {
      partIndex[returned[i]] = i;
    }
    for (Match.Seat s : match.seats()) {
      specs.put(s.name(), new DmSpecs(seatWorld(env.spec(), s.def)));
    }
  }

  /** The world as a seat sees it: its agents only, in the seat's order. */
  private static WorldSpec seatWorld(WorldSpec w, SeatDef seat) {
    List<String> names = new ArrayList<>();
    for (int a : seat.agents()) {
      names.add(w.agentNames().get(a));
    }
    return new WorldSpec(w.worldId(), names, w.observations(), w.actions(), w.reward(), w.maxEpisodeSteps(),
        w.canTerminate(), w.episodeDescription(), w.episodeStats(), w.properties());
  }

  @Override
  public BatchedEnv env() {
    return env;
  }

  /** Answers the seats' waiting Steps: the world is gone. */
  @Override
  public void closed() {
    match.close(new KindredException("ABORTED", "world '" + name + "' was destroyed (DestroyWorld by its creator, "
        + "idle expiry or server shutdown) before it took this step")).run();
  }

  /** The deadline of step {@code step} has passed. */
  Effects deadline(long step, long now) {
    return match.deadline(step, now);
  }

  /**
   * Takes a seat for a connection.
   *
   * @throws EnvException NOT_FOUND for an unknown seat; PERMISSION_DENIED for a wrong token
   *                      ({@link KindredException}); ALREADY_EXISTS when another connection
   *                      holds the seat. Nothing changes then.
   */
  Joined join(DmSettings.SeatClaim claim, long now) {
    Match.Seat seat = match.seat(claim.seat());
    if (seat == null) {
      throw EnvException.notFound("seat '" + Quote.excerpt(claim.seat(), 40) + "' not found in world '" + name
          + "'; its seats are " + match.layout().seatNames());
    }
    if (!seat.tokenMatches(claim.token())) {
      // Never echoes the token: a near-miss is still a secret.
      throw new KindredException("PERMISSION_DENIED", "wrong seat_token for seat '" + seat.name() + "' of world '"
          + name + "'; use the token its creator set as " + DmSettings.TOKEN_PREFIX + seat.name() + " at CreateWorld");
    }
    if (seat.held()) {
      throw new KindredException("ALREADY_EXISTS", "seat '" + seat.name() + "' of world '" + name + "' is already "
          + "held by another connection; it is free again once that connection sends LeaveWorld or ends its stream "
          + "(then join with the same token), or take another seat of this world (" + match.layout().seatNames()
          + ")");
    }
    Effects effects = match.join(seat, null, now);
    Held held = new Held(seat, specs.get(seat.name()));
    held.seenStep = env.sessionStep();
    held.seenEpisodes = env.episodesEnded();
    return new Joined(held, effects);
  }

  /** The connection gives its seat up: its agents play the fallback until someone joins it again. */
  Effects leave(Held held, long now) {
    return match.leave(held.seat, now);
  }

  /**
   * A seat's Step. When the seat's sequence is not running (after JoinWorld, Reset or the end
   * of a sequence) its actions are ignored: the answer is the seat's current observations at
   * once, or, when the world's last step ended an episode, the first observations of the next,
   * once every seat has asked for it (or the deadline passed). When it is running, its actions
   * are submitted and the answer comes when the world has taken the step; a seat whose episode
   * ended while it was late is answered at once with the end of its sequence.
   *
   * @param maxResponseBytes the server's message limit
   * @throws EnvException before anything changes: INVALID_ARGUMENT for an unknown observation
   *                      uid or wrong actions (naming the seat's shape), RESOURCE_EXHAUSTED for
   *                      a response that could exceed the message limit, FAILED_PRECONDITION
   *                      when the seat's actions for the next step are already in (a previous
   *                      holder's)
   */
  Effects step(Held held, StepRequest request, long maxResponseBytes, Answer out, long now) {
    List<DmSpecs.Obs> requested = held.specs.requested(request.getRequestedObservationsList());
    DmSpecs.checkResponseBytes(requested, maxResponseBytes);
    dev.kindred.proto.v1.StepResponse last = held.seat.last();
    if (!held.running) {
      if (!ended(last)) {
        return answerNow(held, requested, Mode.STARTED, last, out);
      }
      return submit(held, new int[held.seat.def.size() * env.spec().actions().size()], requested, Mode.RESTARTED,
          out, now);
    }
    if (env.sessionStep() != held.seenStep && env.episodesEnded() != held.seenEpisodes) {
      return answerNow(held, requested, Mode.MISSED_END, last, out);
    }
    int[] actions;
    try {
      actions = held.specs.decodeActions(request.getActionsMap());
    } catch (EnvException e) {
      throw new EnvException(e.kind(), e.getMessage() + " (seat '" + held.seat.name() + "' controls "
          + held.seat.def.size() + " of the world's " + env.spec().numAgents() + " agents: "
          + Quote.excerpt(Arrays.toString(held.seat.def.agents()), 80) + ")");
    }
    return submit(held, actions, requested, Mode.STEPPED, out, now);
  }

  private static boolean ended(dev.kindred.proto.v1.StepResponse part) {
    return part.getTerminated().byteAt(0) != 0 || part.getTruncated().byteAt(0) != 0;
  }

  private Effects answerNow(Held held, List<DmSpecs.Obs> requested, Mode mode, dev.kindred.proto.v1.StepResponse last,
      Answer out) {
    Effects effects = new Effects();
    effects.deliver(reply(held, requested, mode, env.episodesEnded(), out), last);
    return effects;
  }

  private Effects submit(Held held, int[] actions, List<DmSpecs.Obs> requested, Mode mode, Answer out, long now) {
    ByteBuffer bytes = ByteBuffer.allocate(actions.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asIntBuffer().put(actions);
    return match.submit(held.seat, null, bytes, null, reply(held, requested, mode, env.episodesEnded(), out), now);
  }

  private Match.Reply reply(Held held, List<DmSpecs.Obs> requested, Mode mode, long episodesBefore, Answer out) {
    return new Match.Reply() {
      @Override
      public void answer(dev.kindred.proto.v1.StepResponse part) {
        StepResponse response;
        try {
          response = held.answer(part, requested, mode, episodesBefore, partIndex);
        } catch (RuntimeException e) {
          out.fail(e);
          return;
        }
        out.answer(response);
      }

      @Override
      public void fail(RuntimeException failure) {
        // The world did not take the step (it failed, or it is gone): the next Step starts a sequence.
        held.running = false;
        out.fail(failure);
      }
    };
  }
}
