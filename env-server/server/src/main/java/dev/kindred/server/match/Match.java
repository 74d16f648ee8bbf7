package dev.kindred.server.match;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.kindred.env.ActionDimension;
import dev.kindred.env.Autoreset;
import dev.kindred.env.BatchedEnv;
import dev.kindred.env.EnvException;
import dev.kindred.env.EpisodeSummary;
import dev.kindred.env.KindredException;
import dev.kindred.env.NonzeroList;
import dev.kindred.env.Scope;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.StepBatch;
import dev.kindred.env.TensorSpec;
import dev.kindred.env.WorldSpec;
import dev.kindred.proto.v1.AgentEpisodeStats;
import dev.kindred.proto.v1.EnvSpec;
import dev.kindred.proto.v1.EpisodeStats;
import dev.kindred.proto.v1.MatchStep;
import dev.kindred.proto.v1.SeatEpisodeStats;
import dev.kindred.proto.v1.SeatOutcome;
import dev.kindred.proto.v1.StepResponse;
import dev.kindred.proto.v1.Tensor;
import dev.kindred.proto.v1.TensorEncoding;
import dev.kindred.protocol.Protos;
import dev.kindred.protocol.SparseBytes;
import dev.kindred.server.match.MatchLayout.Fallback;
import dev.kindred.server.match.MatchLayout.SeatDef;
import dev.kindred.server.core.Connections.Connection;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;

/**
 * The state of a match: the seats of one world, what each has submitted for the next step, and
 * the world's stepping once every held seat has submitted or the step's deadline has passed (see
 * the match methods of {@code env_service.proto}). The world steps with the actions actually
 * applied (the seats' own, and the fallback for seats that did not submit), so the trajectory
 * depends only on the seed and those actions.
 *
 * <p>Not thread-safe: every method is called while holding the session's lock. What has to
 * happen once the lock is released (answering the seats whose step came) is returned as
 * {@link Effects}; the deadline is armed through the {@link Timer} the service gives.
 */
public final class Match {
  private static final SecureRandom TOKENS = new SecureRandom();
  private static final int TOKEN_BYTES = 16;
  private static final int SUBMITTED = 0;
  private static final int TIMED_OUT = 1;
  private static final int ABSENT = 2;
  private static final int FAILED = 3;
  private static final int COUNTERS = 4;

  /** How an answer reaches a seat's caller: exactly one of the two, once. */
  public interface Reply {
    void answer(StepResponse response);

    void fail(RuntimeException failure);
  }

  /**
   * Arms the deadline of a step: after the delay, the service takes the session's lock and calls
   * {@link #deadline} with {@code step}.
   */
  public interface Timer {
    /** @return what cancels it */
    Runnable schedule(long delayNanos, long step);
  }

  /** What to do once the session's lock is released: answers to deliver. */
  public static final class Effects {
    private final List<Runnable> deliveries = new ArrayList<>();
    private boolean stepped;

    /** Whether the world took a step (this call completed one), rather than only recording a submission. */
    public boolean stepped() {
      return stepped;
    }

    public void deliver(Reply reply, StepResponse response) {
      deliveries.add(() -> reply.answer(response));
    }

    public void fail(Reply reply, RuntimeException failure) {
      deliveries.add(() -> reply.fail(failure));
    }

    /** Runs the deliveries; call without holding the session's lock. */
    public void run() {
      for (Runnable r : deliveries) {
        r.run();
      }
    }
  }

  /** One seat: its definition, token, controller and what it submitted for the next step. */
  public final class Seat {
    final int index;
    public final SeatDef def;
    private final byte[] token;
    public final EnvSpec spec;
    private final List<Integer> observationIndex = new ArrayList<>();
    private final int[] staged;
    private final SplittableRandom fallbackRandom;
    /** The connection of the controller holding the seat; null when nobody holds it. */
    private Connection holder;
    private boolean holderless; // held by a call that came over no connection (in-process callers)
    private boolean everJoined;
    private boolean submitted;
    private Reply waiting;
    /** Its part of the latest step (or of the first observations). */
    private StepResponse last;

    private Seat(int index, SeatDef def, SessionSpec session, long seed, byte[] chosenToken) {
      this.index = index;
      this.def = def;
      if (chosenToken != null) {
        this.token = chosenToken.clone();
      } else {
        this.token = new byte[TOKEN_BYTES];
        TOKENS.nextBytes(token);
      }
      List<TensorSpec> visible = new ArrayList<>();
      for (int i = 0; i < observations.size(); i++) {
        if (!def.withholds(i)) {
          visible.add(observations.get(i));
          observationIndex.add(i);
        }
      }
      WorldSpec w = session.world();
      List<String> names = new ArrayList<>();
      for (int a : def.agents()) {
        names.add(w.agentNames().get(a));
      }
      WorldSpec seatWorld = new WorldSpec(w.worldId(), names, visible, w.actions(), w.reward(), w.maxEpisodeSteps(),
          w.canTerminate(), w.episodeDescription(), w.episodeStats(), w.properties());
      this.spec = Protos.envSpec(new SessionSpec(seatWorld, copies, session.autoreset(), session.config()));
      this.staged = new int[copies * def.size() * dims];
      this.fallbackRandom = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (index + 1)));
    }

    public String name() {
      return def.name();
    }

    public String tokenHex() {
      return HexFormat.of().formatHex(token);
    }

    /** Whether {@code candidate} (in the token's form, checked by the caller) is its token, in constant time. */
    public boolean tokenMatches(byte[] candidate) {
      return MessageDigest.isEqual(token, candidate);
    }

    /** Whether a live controller holds it. */
    public boolean held() {
      return holderless || (holder != null && !holder.isClosed());
    }

    public StepResponse last() {
      return last;
    }
  }

  private final BatchedEnv env;
  private final MatchLayout layout;
  private final boolean sparse;
  private final ForkJoinPool pool;
  private final Timer timer;
  private final List<TensorSpec> observations;
  private final int copies;
  private final int agents;
  private final int dims;
  private final int[] limits;
  private final int[] applied;
  /** Per step, reused: each seat's outcome and the call waiting for the step. */
  private final int[] outcome;
  private final Reply[] waiting;
  private final Seat[] seats;
  private final long maxActionNanos;
  /** [seat][copy * COUNTERS + k]: the seat's part of each copy's running episode. */
  private final long[][] counters;
  private boolean started;
  /**
   * Per observation, this step's nonzero bytes of the whole batch tensor as the world lists them
   * ({@link BatchedEnv#nonzeros}), shared by the seats' sparse tensors, and per block (copy x
   * agent) the index of its first entry; {@code listedRound[i]} is the {@link #round} they are of
   * (-1: none).
   */
  private final NonzeroList[] listed;
  private final int[][] blockStart;
  private final long[] listedRound;
  /** Counts the batches the seats' responses are made from (the first observations, each step, each restart). */
  private long round;
  /** When the step's first submission came (or the match started), or -1 while nobody submitted. */
  private long firstSubmitNanos = -1;
  private Runnable cancelDeadline;

  /**
   * A match over {@code env}, whose copies have just been reset.
   *
   * @param spec the session's spec (the whole world, the session's observations)
   */
  public Match(BatchedEnv env, SessionSpec spec, MatchLayout layout, boolean sparse, ForkJoinPool pool, Timer timer) {
    this(env, spec, layout, null, sparse, pool, timer);
  }

  /**
   * As above, with join tokens the creator chose (dm_env_rpc, whose CreateWorld cannot return
   * any).
   *
   * @param tokens each seat's token, in the layout's seat order, as the bytes
   *               {@link Seat#tokenMatches} compares; null: random ones
   */
  public Match(BatchedEnv env, SessionSpec spec, MatchLayout layout, List<byte[]> tokens, boolean sparse,
      ForkJoinPool pool, Timer timer) {
    this.env = env;
    this.layout = layout;
    this.sparse = sparse;
    this.pool = pool;
    this.timer = timer;
    this.observations = env.observations();
    this.copies = env.copies();
    this.agents = env.spec().numAgents();
    this.dims = env.spec().actions().size();
    this.limits = env.spec().actions().dimensions().stream().mapToInt(ActionDimension::numValues).toArray();
    this.applied = new int[copies * agents * dims];
    this.maxActionNanos = TimeUnit.MILLISECONDS.toNanos(layout.maxActionMillis());
    this.seats = new Seat[layout.seats().size()];
    this.counters = new long[seats.length][copies * COUNTERS];
    this.outcome = new int[seats.length];
    this.waiting = new Reply[seats.length];
    this.listed = new NonzeroList[observations.size()];
    this.blockStart = new int[observations.size()][];
    this.listedRound = new long[observations.size()];
    Arrays.fill(listedRound, -1);
    for (int s = 0; s < seats.length; s++) {
      seats[s] = new Seat(s, layout.seats().get(s), spec, env.sessionSeed(), tokens == null ? null : tokens.get(s));
    }
    StepBatch first = env.batch();
    round++;
    for (Seat seat : seats) {
      seat.last = seatResponse(seat, first, null, List.of());
    }
    started = layout.startBeforeAllJoined();
  }

  public MatchLayout layout() {
    return layout;
  }

  /** The seat of this name, or null. */
  public Seat seat(String name) {
    for (Seat s : seats) {
      if (s.name().equals(name)) {
        return s;
      }
    }
    return null;
  }

  public List<Seat> seats() {
    return List.of(seats);
  }

  /** Steps the world has taken. */
  public long step() {
    return env.sessionStep();
  }

  /**
   * A controller joins {@code seat} over {@code from} (null: a call over no connection).
   *
   * @throws KindredException ALREADY_EXISTS when another live controller holds it
   */
  public Effects join(Seat seat, Connection from, long now) {
    if (seat.held() && !(from != null && from == seat.holder)) {
      throw new KindredException("ALREADY_EXISTS", "seat '" + seat.name() + "' is already held by another "
          + "controller; it frees the seat with LeaveSession or by disconnecting, or use another seat of this match");
    }
    Effects effects = new Effects();
    take(seat, from, effects);
    progress(now, effects);
    return effects;
  }

  /** The seat's controller gives it up: its agents play the fallback until someone joins it again. */
  public Effects leave(Seat seat, long now) {
    seat.holder = null;
    seat.holderless = false;
    Effects effects = new Effects();
    progress(now, effects);
    return effects;
  }

  /**
   * {@code from} holds the seat from now on. A submission its previous controller left pending
   * (it disconnected, or left) is withdrawn, its call answered ABORTED: the new controller plays
   * the step.
   */
  private void take(Seat seat, Connection from, Effects effects) {
    boolean sameController = seat.everJoined && seat.holder == from && seat.holderless == (from == null);
    if (seat.submitted && !sameController) {
      seat.submitted = false;
      if (seat.waiting != null) {
        effects.fail(seat.waiting, new KindredException("ABORTED", "seat '" + seat.name() + "' was taken by "
            + "another controller before the world took step " + (env.sessionStep() + 1) + "; this submission was "
            + "withdrawn"));
        seat.waiting = null;
      }
      boolean any = false;
      for (Seat s : seats) {
        any |= s.submitted;
      }
      if (!any) {
        firstSubmitNanos = -1;
        if (cancelDeadline != null) {
          cancelDeadline.run();
          cancelDeadline = null;
        }
      }
    }
    seat.holder = from;
    seat.holderless = from == null;
    seat.everJoined = true;
  }

  /**
   * A seat submits its actions for the next step; {@code reply} gets the seat's part of that
   * step once the world has taken it. A seat that nobody holds is taken by the submitting
   * controller. Everything is checked before anything changes.
   *
   * @param actions  little-endian int32 {@code [copies, seat agents, dims]}
   * @param expected the step the submission is for, or null for the next one: a step the world has
   *                 already taken is answered at once with the seat's part of the latest step,
   *                 without applying the actions (a retry, or a seat that was late)
   * @throws EnvException INVALID_ARGUMENT for a wrong shape or value, FAILED_PRECONDITION for a
   *                      second submission for the same step or a wrong {@code expected}
   */
  public Effects submit(Seat seat, Connection from, ByteBuffer actions, Long expected, Reply reply, long now) {
    long next = env.sessionStep() + 1;
    Effects effects = new Effects();
    // A new controller of a seat nobody holds takes it, withdrawing what its last controller left pending.
    boolean takeover = !seat.held() && (seat.holder != from || seat.holderless != (from == null));
    boolean pending = seat.submitted && !takeover;
    if (expected != null) {
      if (Long.compareUnsigned(expected, next) < 0 && !pending) {
        // The world has already taken that step: a retry of the seat's submission, or a seat that was late (its
        // agents played the fallback). Either way it gets its part of the latest step at once, and these actions
        // are not applied: the seat is back in step with the world.
        if (takeover) {
          take(seat, from, effects);
        }
        effects.deliver(reply, seat.last);
        return effects;
      }
      if (expected == next && pending) {
        // A retry of the submission still waiting for this step (its call gave up): this call waits instead.
        if (seat.waiting != null) {
          effects.fail(seat.waiting, new KindredException("ABORTED", "superseded by a retry of the same submission "
              + "(expected_step " + next + ") from seat '" + seat.name() + "'"));
        }
        seat.waiting = reply;
        return effects;
      }
      if (expected != next) {
        throw EnvException.precondition("expected_step: the submission is for step " + Long.toUnsignedString(expected)
            + " but this match is at step " + (next - 1) + " (its next step is " + next + ")"
            + (pending ? " and seat '" + seat.name() + "' has already submitted for it" : "")
            + "; submit with expected_step = the session_step of your last response + 1");
      }
    }
    if (pending) {
      throw EnvException.precondition("seat '" + seat.name() + "' has already submitted its actions for step " + next
          + "; its response comes when the world takes that step (when every held seat has submitted, or "
          + layout.maxActionMillis() + " ms after the step's first submission). Submit the next actions after it");
    }
    int k = seat.def.size();
    int expectedBytes = seat.staged.length * 4;
    if (actions.remaining() != expectedBytes) {
      throw EnvException.invalid("actions", "got " + actions.remaining() + " bytes; seat '" + seat.name()
          + "' controls " + k + " of the world's " + agents + " agents, so it sends [" + copies + " copies, " + k
          + " agents, " + dims + " action dimensions] little-endian int32 = " + expectedBytes + " bytes"
          + (actions.remaining() == applied.length * 4 ? " (this is the whole world's shape; send only the seat's "
              + "agents, in the seat's order)" : ""));
    }
    ByteBuffer in = actions.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    int base = in.position();
    int[] a = seat.staged;
    // Checked before anything changes (the staged buffer may still hold a withdrawn controller's actions).
    for (int i = 0; i < a.length; i++) {
      int v = in.getInt(base + 4 * i);
      int d = i % dims;
      if (v < 0 || v >= limits[d]) {
        int row = i / dims;
        throw EnvException.invalid("actions", "copy " + (row / k) + ", seat agent " + (row % k) + " (world agent "
            + seat.def.agent(row % k) + "), dimension '" + env.spec().actions().dimensions().get(d).name()
            + "' has value " + v + "; expected 0 <= value < " + limits[d]);
      }
    }
    if (takeover || !seat.held()) {
      take(seat, from, effects);
    }
    for (int i = 0; i < a.length; i++) {
      a[i] = in.getInt(base + 4 * i);
    }
    seat.submitted = true;
    seat.waiting = reply;
    if (firstSubmitNanos < 0) {
      firstSubmitNanos = now;
    }
    progress(now, effects);
    return effects;
  }

  /**
   * A controller's connection closed: a step that waits only for seats it held is taken now
   * (they count as absent) rather than at the deadline.
   */
  public Effects connectionClosed(long now) {
    Effects effects = new Effects();
    progress(now, effects);
    return effects;
  }

  /** The deadline of step {@code step} has passed: the world takes it with whatever has been submitted. */
  public Effects deadline(long step, long now) {
    Effects effects = new Effects();
    if (step == env.sessionStep() + 1 && started && firstSubmitNanos >= 0) {
      advance(now, effects);
    }
    return effects;
  }

  /** Steps the world if it may, else arms the deadline once the step has a submission. */
  private void progress(long now, Effects effects) {
    if (!started) {
      boolean all = true;
      for (Seat s : seats) {
        all &= s.everJoined;
      }
      if (!all) {
        return;
      }
      started = true;
      if (firstSubmitNanos >= 0) {
        firstSubmitNanos = now; // the clock of a step runs from the start, not from submissions that waited for it
      }
    }
    if (firstSubmitNanos < 0) {
      return;
    }
    boolean allIn = true;
    for (Seat s : seats) {
      allIn &= s.submitted || !s.held();
    }
    if (allIn) {
      advance(now, effects);
    } else if (cancelDeadline == null) {
      long step = env.sessionStep() + 1;
      long delay = Math.max(0, firstSubmitNanos + maxActionNanos - now);
      cancelDeadline = timer.schedule(delay, step);
    }
  }

  /** The world takes the next step: fallbacks for seats that did not submit, then every seat's part. */
  private void advance(long now, Effects effects) {
    effects.stepped = true;
    if (cancelDeadline != null) {
      cancelDeadline.run();
      cancelDeadline = null;
    }
    long waitMicros = TimeUnit.NANOSECONDS.toMicros(now - firstSubmitNanos);
    firstSubmitNanos = -1;
    int[] outcome = this.outcome;
    for (Seat s : seats) {
      outcome[s.index] = s.submitted ? SUBMITTED : s.held() ? TIMED_OUT : ABSENT;
      if (s.submitted) {
        scatter(s, s.staged);
      } else {
        fallback(s);
      }
    }
    Reply[] waiting = this.waiting;
    for (Seat s : seats) {
      waiting[s.index] = s.waiting;
      s.waiting = null;
      s.submitted = false;
    }
    StepBatch batch;
    try {
      round++; // whatever happens, the listed observations are no longer this batch's
      batch = env.step(applied);
    } catch (RuntimeException e) {
      for (Reply r : waiting) {
        if (r != null) {
          effects.fail(r, e);
        }
      }
      Arrays.fill(waiting, null);
      restart();
      return;
    }
    List<EpisodeStats> ended = count(batch, outcome);
    MatchStep.Builder info = MatchStep.newBuilder().setWaitMicros(waitMicros);
    for (Seat s : seats) {
      info.addSeats(s.name()).addOutcomes(switch (outcome[s.index]) {
        case SUBMITTED -> SeatOutcome.SEAT_OUTCOME_SUBMITTED;
        case TIMED_OUT -> SeatOutcome.SEAT_OUTCOME_TIMED_OUT;
        default -> SeatOutcome.SEAT_OUTCOME_ABSENT;
      });
    }
    MatchStep matchStep = info.build();
    for (Seat s : seats) {
      // Every seat's part is kept (a controller joining now sees it), also for seats nobody holds.
      s.last = seatResponse(s, batch, matchStep, ended);
    }
    for (Seat s : seats) {
      if (waiting[s.index] != null) {
        effects.deliver(waiting[s.index], s.last);
        waiting[s.index] = null;
      }
    }
  }

  /** After a world step failed (the world threw, or the server is stopping): every copy starts a new episode. */
  private void restart() {
    for (long[] c : counters) {
      Arrays.fill(c, 0);
    }
    try {
      round++;
      StepBatch first = env.reset(null, null);
      for (Seat s : seats) {
        s.last = seatResponse(s, first, null, List.of());
      }
    } catch (RuntimeException e) {
      // Stopping: the next step fails again, with the reason.
    }
  }

  private void scatter(Seat s, int[] seatActions) {
    int k = s.def.size();
    for (int c = 0; c < copies; c++) {
      for (int j = 0; j < k; j++) {
        System.arraycopy(seatActions, (c * k + j) * dims, applied, (c * agents + s.def.agent(j)) * dims, dims);
      }
    }
  }

  private void fallback(Seat s) {
    int[] a = s.staged;
    if (layout.fallback() == Fallback.NOOP) {
      Arrays.fill(a, 0);
    } else {
      List<List<Integer>> combos = env.spec().actions().validCombinations();
      for (int row = 0; row < a.length / dims; row++) {
        if (combos.isEmpty()) {
          for (int d = 0; d < dims; d++) {
            a[row * dims + d] = s.fallbackRandom.nextInt(limits[d]);
          }
        } else {
          List<Integer> c = combos.get(s.fallbackRandom.nextInt(combos.size()));
          for (int d = 0; d < dims; d++) {
            a[row * dims + d] = c.get(d);
          }
        }
      }
    }
    scatter(s, a);
  }

  /**
   * Books the step into every seat's episode counters and returns the statistics of the episodes
   * that ended, with every seat's part. With AUTORESET_NEXT_STEP a copy that this step reset took
   * no actions: nothing is booked for it.
   */
  private List<EpisodeStats> count(StepBatch batch, int[] outcome) {
    boolean nextStep = env.autoreset() == Autoreset.NEXT_STEP;
    byte[] reset = batch.resetMask();
    byte[] success = batch.actionSuccess();
    for (Seat s : seats) {
      long[] n = counters[s.index];
      for (int c = 0; c < copies; c++) {
        if (nextStep && reset[c] != 0) {
          continue;
        }
        n[c * COUNTERS + outcome[s.index]]++;
        long failed = 0;
        for (int j = 0; j < s.def.size(); j++) {
          failed += success[c * agents + s.def.agent(j)] == 0 ? 1 : 0;
        }
        n[c * COUNTERS + FAILED] += failed;
      }
    }
    List<EpisodeStats> ended = new ArrayList<>();
    for (EpisodeSummary e : batch.episodes()) {
      EpisodeStats.Builder b = Protos.episodeStats(e).toBuilder();
      int c = e.copy();
      for (Seat s : seats) {
        long[] n = counters[s.index];
        b.addSeats(SeatEpisodeStats.newBuilder().setSeat(s.name())
            .setSubmitted(n[c * COUNTERS + SUBMITTED]).setTimedOut(n[c * COUNTERS + TIMED_OUT])
            .setAbsent(n[c * COUNTERS + ABSENT]).setActionsFailed(n[c * COUNTERS + FAILED]));
        Arrays.fill(n, c * COUNTERS, (c + 1) * COUNTERS, 0);
      }
      ended.add(b.build());
    }
    return ended;
  }

  /** The seat's part of a batch: its agents' rows, the copy-scope tensors it may see, its episodes' agents. */
  private StepResponse seatResponse(Seat s, StepBatch batch, MatchStep matchStep, List<EpisodeStats> ended) {
    StepResponse.Builder b = StepResponse.newBuilder();
    for (int i : s.observationIndex) {
      Tensor listedTensor = sparse ? listedTensor(s, i, batch) : null;
      b.addObservations(listedTensor != null ? listedTensor : tensor(s, observations.get(i), batch.observation(i)));
    }
    if (batch.hasFinalObservations()) {
      for (int i : s.observationIndex) {
        b.addFinalObservations(tensor(s, observations.get(i), batch.finalObservation(i)));
      }
    }
    int k = s.def.size();
    ByteBuffer rewards = ByteBuffer.allocate(copies * k * 4).order(ByteOrder.LITTLE_ENDIAN);
    byte[] success = new byte[copies * k];
    float[] r = batch.rewards();
    byte[] ok = batch.actionSuccess();
    for (int c = 0; c < copies; c++) {
      for (int j = 0; j < k; j++) {
        int from = c * agents + s.def.agent(j);
        rewards.putFloat(r[from]);
        success[c * k + j] = ok[from];
      }
    }
    b.setRewards(UnsafeByteOperations.unsafeWrap(rewards.array()))
        .setTerminated(ByteString.copyFrom(batch.terminated()))
        .setTruncated(ByteString.copyFrom(batch.truncated()))
        .setActionSuccess(UnsafeByteOperations.unsafeWrap(success))
        .setResetMask(ByteString.copyFrom(batch.resetMask()))
        .setSessionStep(batch.sessionStep());
    for (EpisodeStats e : ended) {
      EpisodeStats.Builder eb = e.toBuilder().clearAgents();
      for (int j = 0; j < k; j++) {
        AgentEpisodeStats a = e.getAgents(s.def.agent(j));
        eb.addAgents(a);
      }
      b.addEpisodes(eb);
    }
    if (matchStep != null) {
      b.setMatch(matchStep);
    }
    return b.build();
  }

  /**
   * The seat's part of per-agent observation {@code i} of this step, sparse, from the world's list
   * of the batch tensor's nonzero bytes (listed once per step for every seat): each of the seat's
   * agent blocks' entries, moved to where the block sits in the seat's tensor, with no copy and no
   * scan of the tensor. Null when there is no list (another world, a copy not started, a scope
   * other than per-agent) or when the seat's part is too dense to send sparse; the caller then
   * copies and scans as {@link #tensor} does.
   */
  private Tensor listedTensor(Seat s, int i, StepBatch batch) {
    TensorSpec spec = observations.get(i);
    if (spec.scope() != Scope.AGENT || batch != env.batch()) {
      return null;
    }
    if (listedRound[i] != round) {
      if (listed[i] == null) {
        listed[i] = new NonzeroList();
        blockStart[i] = new int[copies * agents + 1];
      }
      NonzeroList l = listed[i];
      l.clear();
      if (!env.nonzeros(i, l)) {
        listedRound[i] = -1;
        return null;
      }
      // Entries come in offset order, so each block's are a run: where each run starts.
      int block = spec.blockBytes();
      int[] starts = blockStart[i];
      int e = 0;
      int n = l.count();
      for (int b = 0; b < starts.length; b++) {
        long blockFrom = (long) b * block;
        while (e < n && l.offset(e) < blockFrom) {
          e++;
        }
        starts[b] = e;
      }
      listedRound[i] = round;
    }
    NonzeroList l = listed[i];
    int[] starts = blockStart[i];
    int k = s.def.size();
    int block = spec.blockBytes();
    int total = 0;
    for (int c = 0; c < copies; c++) {
      for (int j = 0; j < k; j++) {
        int b = c * agents + s.def.agent(j);
        total += starts[b + 1] - starts[b];
      }
    }
    if ((long) total * SparseBytes.BYTES_PER_ENTRY >= (long) copies * k * block) {
      return null; // not smaller than raw: sent raw, as the scan would decide
    }
    // Fresh arrays: the response is kept (a controller joining later is sent it).
    ByteBuffer offsets = ByteBuffer.allocate(4 * total).order(ByteOrder.LITTLE_ENDIAN);
    byte[] values = new byte[total];
    byte[] listedValues = l.values();
    int m = 0;
    for (int c = 0; c < copies; c++) {
      for (int j = 0; j < k; j++) {
        int b = c * agents + s.def.agent(j);
        int shift = (c * k + j - b) * block; // the block's offset in the seat's tensor less its offset in the batch's
        for (int e = starts[b]; e < starts[b + 1]; e++) {
          offsets.putInt(l.offset(e) + shift);
        }
        int len = starts[b + 1] - starts[b];
        System.arraycopy(listedValues, starts[b], values, m, len);
        m += len;
      }
    }
    return sparse(seatTensor(s, spec), offsets.array(), values);
  }

  /**
   * The seat's tensor of {@code spec} without its data: name, dtype and shape (copies, the seat's
   * agents for a per-agent one, then the block's).
   */
  private Tensor.Builder seatTensor(Seat s, TensorSpec spec) {
    Tensor.Builder t = Tensor.newBuilder().setName(spec.name()).setDtype(Protos.dtype(spec.dtype())).addShape(copies);
    if (spec.scope() == Scope.AGENT) {
      t.addShape(s.def.size());
    }
    for (int d : spec.shape()) {
      t.addShape(d);
    }
    return t;
  }

  private static Tensor sparse(Tensor.Builder t, byte[] offsets, byte[] values) {
    return t.setEncoding(TensorEncoding.TENSOR_ENCODING_SPARSE_BYTES)
        .setSparseOffsets(UnsafeByteOperations.unsafeWrap(offsets))
        .setData(UnsafeByteOperations.unsafeWrap(values))
        .build();
  }

  private Tensor tensor(Seat s, TensorSpec spec, ByteBuffer data) {
    Tensor.Builder t = seatTensor(s, spec);
    byte[] raw;
    if (spec.scope() == Scope.AGENT) {
      int k = s.def.size();
      int block = spec.blockBytes();
      raw = new byte[copies * k * block];
      for (int c = 0; c < copies; c++) {
        for (int j = 0; j < k; j++) {
          data.get((c * agents + s.def.agent(j)) * block, raw, (c * k + j) * block, block);
        }
      }
    } else {
      raw = new byte[data.capacity()];
      data.get(0, raw, 0, raw.length);
    }
    SparseBytes.Encoded e = sparse ? SparseBytes.encodeIfSmaller(raw, 0, raw.length, pool) : null;
    if (e != null) {
      return sparse(t, e.offsets(), e.values());
    }
    return t.setData(UnsafeByteOperations.unsafeWrap(raw)).build();
  }

  /** Fails every waiting seat (the match is closing). */
  public Effects close(RuntimeException why) {
    Effects effects = new Effects();
    if (cancelDeadline != null) {
      cancelDeadline.run();
      cancelDeadline = null;
    }
    for (Seat s : seats) {
      if (s.waiting != null) {
        effects.fail(s.waiting, why);
        s.waiting = null;
        s.submitted = false;
      }
    }
    return effects;
  }
}
