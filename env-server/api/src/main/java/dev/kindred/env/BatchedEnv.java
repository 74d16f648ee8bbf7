package dev.kindred.env;

import dev.kindred.env.EpisodeSummary;
import dev.kindred.env.StepBatch;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * A world with its episode bookkeeping: seeds per copy and episode, autoreset, returns and
 * per-episode statistics, and validation of actions. The server's sessions and the in-process
 * {@code LocalVectorEnv} both drive worlds through this one class, so both behave identically.
 *
 * <p>Every method validates its whole input before changing anything: a rejected call leaves
 * the environment exactly as it was. A call that fails once the world has started moving (the
 * world threw, or the call was cancelled through {@link #cancelOn}) abandons the episodes it
 * touched: those copies must be Reset before they step again, and say so. Not thread-safe; the
 * caller serialises calls.
 */
public final class BatchedEnv {
  private final World world;
  private final WorldSpec spec;
  private final Autoreset autoreset;
  private final int copies;
  private final int agents;
  private final int actionDims;
  private final int[] actionLimits;
  private final List<TensorSpec> requested;
  private final int[] requestedIndex;
  private final StepBatch batch;
  private final WorldBuffers buffers;
  private final int agentStatCount;
  private final int copyStatCount;

  private long sessionSeed;
  private int firstCopy;                // global index of copy 0 when this env is one shard of several
  private final long[] seedEpisode;     // episodes started per copy under the current seed
  private final long[] episodeIndex;    // episodes started per copy over the session's life
  private final long[] episodeLength;
  private final double[] returns;
  private final boolean[] started;
  private final boolean[] pendingReset; // NEXT_STEP: reset instead of stepping
  private final boolean[] ended;        // DISABLED: stepping is refused until Reset
  private final boolean[] finalDirty;   // SAME_STEP: final-observation block holds data
  private final boolean[] abandoned;    // a failed or cancelled call left the copy half-moved
  private long sessionStep;
  private long episodesEnded;
  private ForkJoinPool pool;
  /**
   * How long the copies' last step took in all (on every thread), {@link Long#MAX_VALUE} before
   * the first: whether the next one is worth splitting over the pool ({@link #PARALLEL_MIN_NANOS}).
   */
  private long lastStepWorkNanos = Long.MAX_VALUE;
  /** Steps whose previous one took less work stay on the calling thread (see {@link #stepCopiesOn(ForkJoinPool, long)}). */
  private long parallelMinNanos = PARALLEL_MIN_NANOS;
  private Cancellation cancellation = Cancellation.NEVER;

  /**
   * @param observations names of the observations to compute and return; empty: all
   */
  public BatchedEnv(World world, Autoreset autoreset, long seed, List<String> observations) {
    this.world = world;
    this.spec = world.spec();
    this.autoreset = autoreset;
    this.copies = world.copies();
    this.agents = spec.numAgents();
    this.actionDims = spec.actions().size();
    this.actionLimits = spec.actions().dimensions().stream().mapToInt(ActionDimension::numValues).toArray();
    boolean[] wanted = selectObservations(spec, observations);
    List<TensorSpec> req = new ArrayList<>();
    List<Integer> idx = new ArrayList<>();
    for (int i = 0; i < wanted.length; i++) {
      if (wanted[i]) {
        req.add(spec.observations().get(i));
        idx.add(i);
      }
    }
    this.requested = List.copyOf(req);
    this.requestedIndex = idx.stream().mapToInt(Integer::intValue).toArray();
    this.batch = new StepBatch(copies, agents, requested, autoreset == Autoreset.SAME_STEP);
    this.buffers = new WorldBuffers(spec, copies, wanted, batch);
    this.agentStatCount = spec.agentStats().size();
    this.copyStatCount = spec.copyStats().size();
    this.sessionSeed = seed;
    this.seedEpisode = new long[copies];
    this.episodeIndex = new long[copies];
    this.episodeLength = new long[copies];
    this.returns = new double[copies * agents];
    this.started = new boolean[copies];
    this.pendingReset = new boolean[copies];
    this.ended = new boolean[copies];
    this.finalDirty = new boolean[copies];
    this.abandoned = new boolean[copies];
  }

  /**
   * The observations an environment over a world of this spec would return for these names (in
   * spec order), checked as the constructor checks them: a host can size its messages before it
   * allocates an environment's buffers.
   *
   * @param names names of the observations to return; empty: all
   * @throws EnvException INVALID_ARGUMENT for an unknown or repeated name
   */
  public static List<TensorSpec> requestedObservations(WorldSpec spec, List<String> names) {
    boolean[] wanted = selectObservations(spec, names);
    List<TensorSpec> out = new ArrayList<>();
    for (int i = 0; i < wanted.length; i++) {
      if (wanted[i]) {
        out.add(spec.observations().get(i));
      }
    }
    return List.copyOf(out);
  }

  private static boolean[] selectObservations(WorldSpec spec, List<String> names) {
    List<TensorSpec> all = spec.observations();
    boolean[] wanted = new boolean[all.size()];
    if (names.isEmpty()) {
      Arrays.fill(wanted, true);
      return wanted;
    }
    for (String name : names) {
      int found = -1;
      for (int i = 0; i < all.size(); i++) {
        if (all.get(i).name().equals(name)) {
          found = i;
        }
      }
      if (found < 0) {
        throw EnvException.invalid("observations", "unknown observation '" + Quote.excerpt(name) + "'; world '"
            + spec.worldId() + "' provides " + String.join(", ", all.stream().map(TensorSpec::name).toList()));
      }
      if (wanted[found]) {
        throw EnvException.invalid("observations", "'" + Quote.excerpt(name) + "' is listed twice");
      }
      wanted[found] = true;
    }
    return wanted;
  }

  /** What draws the world's copies, or null (see {@link World#renderer()}). */
  public WorldRenderer renderer() {
    return world.renderer();
  }

  public WorldSpec spec() {
    return spec;
  }

  public int copies() {
    return copies;
  }

  public Autoreset autoreset() {
    return autoreset;
  }

  /** The observations this environment returns, in spec order. */
  public List<TensorSpec> observations() {
    return requested;
  }

  /** Index in {@link WorldSpec#observations()} of each returned observation. */
  public int[] observationSpecIndices() {
    return requestedIndex.clone();
  }

  /**
   * Hands {@code sink} every nonzero byte of returned observation {@code index} (in
   * {@link #observations()} order) over all copies, in increasing offset order, when the world can
   * say where they are ({@link World#nonzeros}) for every copy; returns false, possibly after
   * handing some, when it cannot, and the caller scans the tensor instead. Only the observations
   * of the last call ({@link StepBatch#observation}), never the final observations of copies that
   * reset in the same step.
   */
  public boolean nonzeros(int index, NonzeroList sink) {
    int specIndex = requestedIndex[index];
    java.nio.ByteBuffer buffer = buffers.observation(specIndex);
    for (int c = 0; c < copies; c++) {
      if (abandoned[c] || !started[c]) {
        return false; // its block may hold what no finished write left there
      }
      if (!world.nonzeros(c, specIndex, buffer, buffers.observationOffset(specIndex, c), sink)) {
        return false;
      }
    }
    return true;
  }

  public long sessionSeed() {
    return sessionSeed;
  }

  public long sessionStep() {
    return sessionStep;
  }

  public long episodesEnded() {
    return episodesEnded;
  }

  /** The result buffers, overwritten by every call. */
  public StepBatch batch() {
    return batch;
  }

  /**
   * Starts new episodes.
   *
   * @param newSeed  a new session seed, or null to continue the current seed stream
   * @param copyList copies to reset; null or empty: all
   */
  public StepBatch reset(Long newSeed, int[] copyList) {
    boolean[] selected = new boolean[copies];
    if (copyList == null || copyList.length == 0) {
      Arrays.fill(selected, true);
    } else {
      for (int c : copyList) {
        if (c < 0 || c >= copies) {
          throw EnvException.invalid("copies", "copy index " + c + " is out of range; expected 0 <= copy < " + copies);
        }
        if (selected[c]) {
          throw EnvException.invalid("copies", "copy index " + c + " is listed twice");
        }
        selected[c] = true;
      }
    }
    if (newSeed != null) {
      sessionSeed = newSeed;
      Arrays.fill(seedEpisode, 0);
    }
    clearStepOutputs();
    try {
      for (int c = 0; c < copies; c++) {
        if (selected[c]) {
          cancellation.check();
          startEpisode(c);
        }
      }
    } catch (RuntimeException | Error e) {
      abandon(selected);
      throw e;
    }
    batch.setSessionStep(sessionStep);
    return batch;
  }

  /**
   * Decodes little-endian int32 actions into the action buffer and validates them, then steps.
   * The byte length and every value are checked before any copy moves.
   */
  public StepBatch step(ByteBuffer actionsLittleEndian) {
    int expected = expectedActionBytes();
    int got = actionsLittleEndian.remaining();
    if (got != expected) {
      throw EnvException.invalid("actions", "got " + got + " bytes; expected " + expected
          + " = " + copies + " copies x " + agents + " agents x " + actionDims
          + " action dimensions x 4 bytes (little-endian int32)");
    }
    int[] a = buffers.actions();
    ByteBuffer in = actionsLittleEndian.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN);
    int base = in.position();
    for (int i = 0; i < a.length; i++) {
      a[i] = in.getInt(base + 4 * i);
    }
    return stepValidated();
  }

  /** Validates and steps with actions {@code [copies * agents * actionDims]}. */
  public StepBatch step(int[] actions) {
    int[] a = buffers.actions();
    if (actions.length != a.length) {
      throw EnvException.invalid("actions", "got " + actions.length + " values; expected " + a.length
          + " = " + copies + " copies x " + agents + " agents x " + actionDims + " action dimensions");
    }
    System.arraycopy(actions, 0, a, 0, a.length);
    return stepValidated();
  }

  /** Byte length of a packed action batch. */
  public int expectedActionBytes() {
    return Math.multiplyExact(buffers.actions().length, 4);
  }

  private StepBatch stepValidated() {
    checkActions(buffers.actions());
    for (int c = 0; c < copies; c++) {
      if (abandoned[c]) {
        throw EnvException.precondition("copy " + c + "'s episode was abandoned: an earlier call on this "
            + "session failed or was cancelled (deadline, client, shutdown) while the world was moving; call "
            + "Reset (for this copy or all) before stepping again");
      }
      if (!started[c]) {
        throw EnvException.precondition("copy " + c + " has not been reset; call Reset before the first Step");
      }
      if (ended[c]) {
        throw EnvException.precondition("copy " + c + "'s episode has ended and autoreset is disabled; "
            + "call Reset (for this copy or all) before stepping again");
      }
    }
    clearStepOutputs();
    try {
      stepAll();
    } catch (RuntimeException | Error e) {
      boolean[] all = new boolean[copies];
      Arrays.fill(all, true);
      abandon(all);
      throw e;
    }
    sessionStep++;
    batch.setSessionStep(sessionStep);
    return batch;
  }

  /**
   * A step whose copies took less than this much work last time (100 µs of one core) steps on the
   * calling thread alone even with a pool: waking another thread and waiting for it costs tens of
   * microseconds on a small VM, more than such a step gains from a second core.
   */
  static final long PARALLEL_MIN_NANOS = 100_000L;

  /** The world-moving part of a step: every copy steps (or autoresets) and is booked. */
  private void stepAll() {
    long t0 = System.nanoTime();
    boolean stepped = lastStepWorkNanos >= parallelMinNanos && stepInParallel();
    for (int c = 0; c < copies; c++) {
      if (pendingReset[c]) {
        cancellation.check();
        startEpisode(c);
        continue;
      }
      if (!stepped) {
        cancellation.check();
        world.step(c, buffers);
      }
      episodeLength[c]++;
      float[] r = batch.rewards();
      int off = c * agents;
      for (int a = 0; a < agents; a++) {
        returns[off + a] += r[off + a];
      }
      if (batch.done(c)) {
        endEpisode(c);
      }
    }
    if (!stepped) {
      lastStepWorkNanos = System.nanoTime() - t0;
    }
  }

  /**
   * Marks copies whose episodes a failed call may have left half-moved: they must be Reset
   * before they step again (a world's state mid-step is not an episode anyone can continue).
   */
  private void abandon(boolean[] which) {
    for (int c = 0; c < copies; c++) {
      if (which[c]) {
        abandoned[c] = true;
        started[c] = false;
        pendingReset[c] = false;
        ended[c] = false;
      }
    }
  }

  /**
   * Steps copies on several threads: the world moves each copy in its own slice of the
   * buffers (the World contract allows different copies to step concurrently); the episode
   * bookkeeping that follows stays on the calling thread, in copy order, so results are
   * identical to a sequential step.
   *
   * @param pool where the copies step (null: the calling thread only, the default)
   */
  public BatchedEnv stepCopiesOn(ForkJoinPool pool) {
    return stepCopiesOn(pool, PARALLEL_MIN_NANOS);
  }

  /**
   * As {@link #stepCopiesOn(ForkJoinPool)}, splitting a step over the pool only when the copies'
   * previous step took at least {@code minWorkNanos} of work in all (0: every step; the first
   * step of an environment is always split); a shorter one steps on the calling thread.
   */
  public BatchedEnv stepCopiesOn(ForkJoinPool pool, long minWorkNanos) {
    if (minWorkNanos < 0) {
      throw new IllegalArgumentException("minWorkNanos must not be negative, got " + minWorkNanos);
    }
    this.pool = pool;
    this.parallelMinNanos = minWorkNanos;
    return this;
  }

  /**
   * Seeds local copy {@code k} as global copy {@code firstCopy + k}: an environment that is one
   * shard of an environment spread over several hosts then plays exactly the episodes the same
   * copies play in one unsharded environment. Call before the first reset.
   *
   * @throws EnvException INVALID_ARGUMENT when negative or when the last copy's index passes 2^31 - 1
   */
  public BatchedEnv seedCopiesFrom(long firstCopy) {
    if (firstCopy < 0 || firstCopy + copies - 1 > Integer.MAX_VALUE) {
      throw EnvException.invalid("first_copy", firstCopy + " with " + copies
          + " copies passes the largest copy index (2^31 - 1); expected 0 <= first_copy <= " + (Integer.MAX_VALUE - copies + 1L));
    }
    this.firstCopy = (int) firstCopy;
    return this;
  }

  /**
   * Polls {@code cancellation} before every copy is reset or stepped, so that a cancelled call
   * stops within one copy's work (the world polls it too, within long resets and steps). A call
   * stopped this way abandons the episodes it touched, as any failure while the world moves does.
   */
  public BatchedEnv cancelOn(Cancellation cancellation) {
    this.cancellation = Objects.requireNonNull(cancellation, "cancellation");
    return this;
  }

  /**
   * Runs world.step for every copy that is not being reset, in parallel; false when not
   * parallel. A failure is rethrown only after every part has finished: the parts write into
   * the shared buffers, so none may still be running when the call returns.
   */
  private boolean stepInParallel() {
    ForkJoinPool p = pool;
    if (p == null || copies < 2 || p.getParallelism() < 2) {
      return false;
    }
    int parts = Math.min(copies, p.getParallelism());
    ForkJoinTask<?>[] tasks = new ForkJoinTask<?>[parts - 1];
    // What the step cost in all (the sum of the slices' times), for the next step's choice.
    for (int k = 1; k < parts; k++) {
      int from = k * copies / parts;
      int to = (k + 1) * copies / parts;
      tasks[k - 1] = p.submit(() -> timedStepRange(from, to));
    }
    Throwable failure = null;
    long work = 0;
    try {
      work += timedStepRange(0, copies / parts);
    } catch (RuntimeException | Error e) {
      failure = e;
    }
    for (ForkJoinTask<?> t : tasks) {
      try {
        work += (Long) t.join();
      } catch (RuntimeException | Error e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure instanceof RuntimeException e) {
      throw e;
    }
    if (failure != null) {
      throw (Error) failure;
    }
    lastStepWorkNanos = work;
    return true;
  }

  /** {@link #stepRange}, returning how long it took. */
  private long timedStepRange(int from, int to) {
    long t0 = System.nanoTime();
    stepRange(from, to);
    return System.nanoTime() - t0;
  }

  private void stepRange(int from, int to) {
    for (int c = from; c < to; c++) {
      if (!pendingReset[c]) {
        cancellation.check();
        world.step(c, buffers);
      }
    }
  }

  private void checkActions(int[] a) {
    final int[] limits = actionLimits;
    final int dims = actionDims;
    // The dimension index steps along with i (no division per value); one unsigned compare tests 0 <= value < limit.
    for (int i = 0, d = 0; i < a.length; i++) {
      if (Integer.compareUnsigned(a[i], limits[d]) >= 0) {
        int agentFlat = i / dims;
        ActionDimension dim = spec.actions().dimensions().get(d);
        throw EnvException.invalid("actions", "copy " + (agentFlat / agents) + ", agent " + (agentFlat % agents)
            + ", dimension '" + dim.name() + "' has value " + a[i] + "; expected 0 <= value < " + dim.numValues());
      }
      if (++d == dims) {
        d = 0;
      }
    }
  }

  private void clearStepOutputs() {
    batch.episodes().clear();
    Arrays.fill(batch.terminated(), (byte) 0);
    Arrays.fill(batch.truncated(), (byte) 0);
    Arrays.fill(batch.resetMask(), (byte) 0);
    if (batch.hasFinalObservations()) {
      for (int c = 0; c < copies; c++) {
        if (finalDirty[c]) {
          for (int i = 0; i < requested.size(); i++) {
            ByteBuffer f = batch.finalObservation(i);
            int len = requested.get(i).copyBytes(agents);
            Arrays.fill(f.array(), f.arrayOffset() + c * len, f.arrayOffset() + (c + 1) * len, (byte) 0);
          }
          finalDirty[c] = false;
        }
      }
    }
  }

  private void startEpisode(int c) {
    long seed = Seeds.episodeSeed(sessionSeed, firstCopy + c, seedEpisode[c]++);
    int off = c * agents;
    Arrays.fill(batch.rewards(), off, off + agents, 0f);
    Arrays.fill(batch.actionSuccess(), off, off + agents, (byte) 0);
    Arrays.fill(returns, off, off + agents, 0.0);
    episodeLength[c] = 0;
    if (started[c]) {
      episodeIndex[c]++;
    }
    world.reset(c, seed, buffers);
    batch.resetMask()[c] = 1;
    abandoned[c] = false;
    started[c] = true;
    pendingReset[c] = false;
    ended[c] = false;
  }

  private void endEpisode(int c) {
    episodesEnded++;
    batch.episodes().add(summarise(c));
    switch (autoreset) {
      case NEXT_STEP -> pendingReset[c] = true;
      case DISABLED -> ended[c] = true;
      case SAME_STEP -> {
        for (int i = 0; i < requested.size(); i++) {
          int len = requested.get(i).copyBytes(agents);
          System.arraycopy(batch.observation(i).array(), c * len, batch.finalObservation(i).array(), c * len, len);
        }
        finalDirty[c] = true;
        // Keep this step's rewards and end flags: startEpisode only clears rewards and success.
        int off = c * agents;
        float[] keepRewards = Arrays.copyOfRange(batch.rewards(), off, off + agents);
        byte[] keepSuccess = Arrays.copyOfRange(batch.actionSuccess(), off, off + agents);
        startEpisode(c);
        System.arraycopy(keepRewards, 0, batch.rewards(), off, agents);
        System.arraycopy(keepSuccess, 0, batch.actionSuccess(), off, agents);
      }
    }
  }

  private EpisodeSummary summarise(int c) {
    double[] agentStats = new double[agents * agentStatCount];
    double[] copyStats = new double[copyStatCount];
    world.episodeStats(c, agentStats, copyStats);
    List<StatSpec> agentSpecs = spec.agentStats();
    List<StatSpec> copySpecs = spec.copyStats();
    List<Map<String, Double>> perAgent = new ArrayList<>(agents);
    for (int a = 0; a < agents; a++) {
      Map<String, Double> m = new LinkedHashMap<>();
      for (int s = 0; s < agentStatCount; s++) {
        m.put(agentSpecs.get(s).name(), agentStats[a * agentStatCount + s]);
      }
      perAgent.add(m);
    }
    Map<String, Double> copyMap = new LinkedHashMap<>();
    for (int s = 0; s < copyStatCount; s++) {
      copyMap.put(copySpecs.get(s).name(), copyStats[s]);
    }
    int off = c * agents;
    return new EpisodeSummary(c, episodeIndex[c], episodeLength[c], batch.terminated()[c] != 0,
        batch.truncated()[c] != 0, Arrays.copyOfRange(returns, off, off + agents), perAgent, copyMap);
  }
}
