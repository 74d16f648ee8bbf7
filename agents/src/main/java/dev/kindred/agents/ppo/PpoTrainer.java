package dev.kindred.agents.ppo;

import dev.kindred.agents.nn.ActionHead;
import dev.kindred.agents.nn.ActorCritic;
import dev.kindred.agents.nn.Djl;
import dev.kindred.agents.nn.ObservationEncoder;
import dev.kindred.agents.nn.SplitMix;
import dev.kindred.env.Autoreset;
import dev.kindred.env.EpisodeSummary;
import dev.kindred.env.StepBatch;
import dev.kindred.env.VectorEnv;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * Proximal policy optimisation over a {@link VectorEnv}, so the same trainer runs against a
 * world in process or behind a server. One {@link #iterate()} collects {@code horizon} steps of
 * every copy into a {@link RolloutBuffer} (one batched forward pass per step for all agents,
 * snapshots of the {@link OpponentPool} acting for their agents), adds the
 * {@link SurpriseBonus} when configured, computes GAE advantages, and runs the
 * {@link PpoUpdate}; {@link #train} repeats that to the configured steps, reporting to a
 * {@link TrainingListener}.
 *
 * <p>Autoreset NEXT_STEP: the step after an episode's end resets that copy and ignores its
 * actions; those steps carry no learning signal and are masked out. Truncated episodes bootstrap
 * from the value of their final observation (or, with {@code truncation: "end"}, end as
 * terminated ones do); terminated ones do not. Rewards are the world's
 * (kin-shared) rewards.
 *
 * <p>Actions come from the policy's masked joint {@link ActionHead}: the world's mask
 * observation (when it has one) rules out what cannot succeed, and the rollout keeps each row's
 * mask so that the update's probabilities are those the action was drawn from.
 *
 * <p>Deterministic for a seed: one {@link SplitMix} generator serves every draw (the learner's
 * and the snapshots' actions, opponents, the surprise predictor's shuffle, the update's), in a
 * fixed order. Checkpoints are episode boundaries: after each one every copy starts a new
 * episode from a seed derived from the run's seed and the update count, so that a run resumed
 * from a checkpoint ({@link #saveState}, {@link #restoreState}: the generator, Adam's moments,
 * the snapshot pool, the return statistics) continues exactly as the uninterrupted run does.
 * Native memory: each step's NDArrays live in a sub-manager closed right after. Not thread-safe.
 *
 * <p>With {@code overlap}, rollout k+1 is collected while the update on rollout k runs on a
 * second thread: the rollout acts with an acting copy of the policy (and of the return
 * statistics) refreshed after each update, so its data is one update old; the update thread
 * draws from a generator of its own, so a run is as deterministic as without overlap. An
 * update due for a checkpoint (or the last) is waited for before the checkpoint, so a resumed
 * run starts, like the uninterrupted one, with no update in flight.
 */
public final class PpoTrainer implements AutoCloseable {
  /** The figures of one iteration. */
  public record Iteration(long steps, int updates, double seconds, int episodes, double meanReturn,
      double meanHearts, double rewardPerStep, double entropy, double policyLoss, double valueLoss,
      double approxKl, double clipFraction, double learningRate, double envSeconds, double inferenceSeconds,
      double updateSeconds, double intrinsicReward, double predictorLoss, int skippedMinibatches,
      double shapingReward, double teacherLoss, double teacherAgreement) {}

  /** Version of the {@link #saveState} layout. */
  private static final int STATE_FORMAT = 1;

  private final VectorEnv env;
  private final TrainConfig cfg;
  private final ActorCritic policy;
  private final ObservationEncoder encoder;
  private final ActionHead head;
  private final SplitMix random;
  private final int copies;
  private final int agents;
  private final int rows;
  private final boolean hasHearts;
  /** truncation "end": an episode cut off by the step limit is learned from as terminated. */
  private final boolean endAtLimit;
  /** The buffer the next rollout fills (with overlap: one of two, swapped each iteration). */
  private RolloutBuffer buffer;
  /** With overlap, the buffer of the update in flight or last run; else null. */
  private RolloutBuffer spare;
  /** The buffer of the last rollout collected. */
  private RolloutBuffer last;
  private final ReturnNormaliser returnStats = new ReturnNormaliser();
  /** The policy that acts in rollouts: {@link #policy}, or with overlap its acting copy. */
  private final ActorCritic actor;
  /** The return statistics the acting policy's values are read with ({@link #returnStats} without overlap). */
  private final ReturnNormaliser actorStats;
  /** The update's (and the surprise predictor's) generator: {@link #random} without overlap. */
  private final SplitMix updateRandom;
  /** With overlap, the thread that runs updates; else null. */
  private final java.util.concurrent.ExecutorService updater;
  /** The update in flight (overlap), or null. */
  private java.util.concurrent.Future<UpdateResult> pending;
  private final OpponentPool opponents;
  private final PpoUpdate ppo;
  /** Null when aux_surprise_weight is 0. */
  private final SurpriseBonus surprise;
  /** Null without a potential. */
  private final PotentialShaping shaping;
  private final float[] shapingScratch;
  /** Null without a bonus. */
  private final ProgressBonus progressBonus;
  /** The kickstarting teacher (null without one); a new one at each episode boundary, seeded from it. */
  private dev.kindred.agents.BatchPolicy teacher;
  private final int[] teacherActions;

  // Per-step scratch.
  private final float[] stepLogits;
  private final float[] stepValues;
  private final float[] stepLogp;
  private final int[] stepActions;
  private final int[] stepCombos;
  private final byte[] prevDone;

  private StepBatch batch;
  /** Every copy starts a new episode before the next rollout (at the start, and after a checkpoint). */
  private boolean pendingReset = true;
  private long steps;
  private int updates;

  /**
   * @param env    the environment (reset here); autoreset must be NEXT_STEP
   * @param policy the policy to train (its parameters are updated in place)
   * @param steps  environment steps already taken (resuming), for the learning-rate schedule
   */
  public PpoTrainer(VectorEnv env, ActorCritic policy, TrainConfig cfg, long steps, int updates) {
    Autoreset mode = env.spec().autoreset();
    if (mode != Autoreset.NEXT_STEP) {
      throw new IllegalArgumentException("PPO needs autoreset NEXT_STEP; the session has " + mode);
    }
    this.env = env;
    this.cfg = cfg;
    this.policy = policy;
    Djl.setThreads(cfg.torchThreads);
    this.encoder = policy.encoder();
    this.head = policy.head();
    this.random = new SplitMix(cfg.seed * 0x9E3779B97F4A7C15L + 17);
    boolean overlap = cfg.overlap;
    this.updateRandom = overlap ? new SplitMix(cfg.seed * 0xD1B54A32D192ED03L + 29) : random;
    this.copies = env.copies();
    this.agents = env.agents();
    this.rows = copies * agents;
    int dims = head.dimensions();
    int logits = head.size();
    this.steps = steps;
    this.updates = updates;
    this.teacherActions = cfg.teacher.equals("none") ? null : new int[rows * dims];
    // Made first, so that a world the teacher cannot play is refused before anything is allocated; remade at each
    // episode boundary.
    this.teacher = teacherActions == null ? null : newTeacher();
    this.endAtLimit = cfg.truncation.equals("end");
    this.hasHearts = env.spec().world().episodeStats().stream().anyMatch(s -> s.name().equals("hearts"));
    this.buffer = new RolloutBuffer(cfg.horizon, rows, encoder.vectorSize(), encoder.gridSize(), dims, logits);
    this.spare = overlap ? new RolloutBuffer(cfg.horizon, rows, encoder.vectorSize(), encoder.gridSize(), dims, logits)
        : null;
    this.opponents = new OpponentPool(cfg, env.spec(), copies, agents, dims, logits, encoder.vectorSize(),
        encoder.gridSize());
    stepLogits = new float[rows * logits];
    stepValues = new float[rows];
    stepLogp = new float[rows];
    stepActions = new int[rows * dims];
    stepCombos = new int[rows];
    prevDone = new byte[copies];
    this.ppo = new PpoUpdate(policy, cfg, buffer, progress(), updateRandom);
    // After the optimiser, as before the split: the predictor seeds the engine's generator.
    this.surprise = cfg.auxSurpriseWeight > 0 ? new SurpriseBonus(cfg, buffer, logits, updateRandom) : null;
    if (overlap) {
      this.actor = policy.copy(env.spec(), cfg.inputs, cfg.seed);
      this.actor.copyParametersFrom(policy);
      this.actorStats = new ReturnNormaliser();
      this.updater = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "kindred-ppo-update");
        t.setDaemon(true);
        return t;
      });
    } else {
      this.actor = policy;
      this.actorStats = returnStats;
      this.updater = null;
    }
    this.shaping = cfg.potential.isEmpty() ? null : new PotentialShaping(env.spec(), cfg.potential, cfg.gamma);
    this.shapingScratch = new float[rows];
    this.progressBonus = cfg.bonus.isEmpty() ? null : new ProgressBonus(env.spec(), cfg.bonus);
  }

  /** The seed of the teacher for episodes that start from {@code episodeSeed}. */
  static long teacherSeed(long episodeSeed) {
    return episodeSeed ^ 0x7EAC4E5L;
  }

  /** A teacher for the episodes that start now: seeded from them, so a resumed run's labels are the same. */
  private dev.kindred.agents.BatchPolicy newTeacher() {
    return switch (cfg.teacher) {
      case "forager" -> new dev.kindred.agents.ScriptedForager(env.spec(), teacherSeed(episodeSeed()));
      default -> throw new IllegalArgumentException("unknown teacher '" + cfg.teacher + "'");
    };
  }

  /**
   * Labels the rows of step {@code o} with the teacher's action (as a combination of the head) where
   * the row learns and the mask allows it; -1 elsewhere. Returns the rows where the learner's drawn
   * action is the teacher's.
   */
  private int labelStep(RolloutBuffer b, int o, boolean on) {
    if (!on) {
      java.util.Arrays.fill(b.teacher, o, o + rows, -1);
      return 0;
    }
    teacher.act(batch, teacherActions);
    int agree = 0;
    for (int r = 0; r < rows; r++) {
      int k = head.encode(teacherActions, r * b.dims);
      boolean ok = k >= 0 && b.learns(o + r) && b.masks[(o + r) * b.heads + k] != 0;
      b.teacher[o + r] = ok ? k : -1;
      if (ok && k == b.combos[o + r]) {
        agree++;
      }
    }
    return agree;
  }

  /** The seed of the episodes that start after update {@code updates} (at the start: 0). */
  long episodeSeed() {
    long z = cfg.seed * 0xBF58476D1CE4E5B9L + updates * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  public long steps() {
    return steps;
  }

  public int updates() {
    return updates;
  }

  public int poolSize() {
    return opponents.size();
  }

  /**
   * Fills the self-play pool with snapshots of the current policy (for benchmarks that measure a
   * full pool from the first iteration).
   */
  public void fillPool() {
    opponents.fill(policy, updates);
  }

  /** The self-play pool (tests). */
  OpponentPool opponents() {
    return opponents;
  }

  /** The last rollout's rewards as learned from (intrinsic reward included), {@code [t * rows + r]}. */
  float[] rolloutRewards() {
    return (last == null ? buffer : last).rewards.clone();
  }

  /** The last rollout collected (tests). */
  RolloutBuffer lastRollout() {
    return last == null ? buffer : last;
  }

  /** The parameters the next rollout acts with (tests). */
  byte[] actingParameters() {
    return actor.saveParameters();
  }

  /** Whether step {@code i} of the last rollout was a reset step (no transition). */
  boolean ignoredStep(int i) {
    return (last == null ? buffer : last).ignored[i] != 0;
  }

  /**
   * A digest of the last rollout (network inputs, actions, their log-probabilities, rewards,
   * episode ends): equal digests mean equal trajectories, e.g. in process and over gRPC.
   */
  public long rolloutDigest() {
    return (last == null ? buffer : last).digest();
  }

  /**
   * NDArrays alive in native memory: {the learner's (parameters, gradients, optimizer state, with
   * overlap the acting copy's parameters, and anything a step failed to free), the snapshot pool's}. Flat over a run once the pool is full.
   */
  public int[] liveArrays() {
    int learner = policy.manager().getManagedArrays().size();
    if (actor != policy) {
      learner += actor.manager().getManagedArrays().size(); // the acting copy's parameters (overlap)
    }
    return new int[] {learner, opponents.liveArrays()};
  }

  /** The return normalisation {mean, variance, set}: part of a checkpoint. */
  public double[] returnStatistics() {
    return returnStats.state();
  }

  public void setReturnStatistics(double[] s) {
    returnStats.restore(s);
    actorStats.restore(s);
  }

  /**
   * Iterates until the configured steps are taken: after each iteration the listener hears of
   * it, and of a checkpoint when one is due (every {@code checkpoint_every} updates, and last).
   */
  public void train(TrainingListener listener) throws IOException {
    while (steps < cfg.steps) {
      // The update this iteration starts is number updates + 1 (+ 1 more while one is in flight).
      int number = updates + (pending == null ? 1 : 2);
      boolean due = steps + (long) cfg.horizon * copies >= cfg.steps || number % cfg.checkpointEvery == 0;
      Iteration it = iterate(due);
      listener.iteration(it);
      if (due) {
        listener.checkpoint(this);
        pendingReset = true; // a checkpoint is an episode boundary: a resumed run starts here too
      }
    }
  }

  /** One rollout and its PPO update (with overlap: the update runs on, see {@link #finishUpdate}). */
  public Iteration iterate() {
    return iterate(false);
  }

  /** Waits for the update in flight, if any (overlap), and lets the acting policy catch up. */
  public void finishUpdate() {
    if (pending != null) {
      join();
    }
  }

  /**
   * The result of one update, as the update thread hands it back; {@code progress} is the one it was
   * made at, so that its learning rate is reported without reading the update's state from the rollout
   * thread while another update runs (that read made the curve's learning rate depend on timing).
   */
  private record UpdateResult(PpoUpdate.Losses losses, double seconds, SurpriseBonus.Effect bonus, double progress) {}

  /** Surprise, advantages and the PPO update of one rollout. */
  private UpdateResult update(RolloutBuffer b, double progress) {
    long u0 = System.nanoTime();
    SurpriseBonus.Effect bonus = surprise == null ? SurpriseBonus.Effect.NONE : surprise.apply(b);
    b.computeAdvantages((float) cfg.gamma, (float) cfg.lambda);
    PpoUpdate.Losses losses = ppo.update(b, returnStats, progress);
    return new UpdateResult(losses, (System.nanoTime() - u0) / 1e9, bonus, progress);
  }

  /** Waits for the update in flight; the acting policy and its statistics then catch up. */
  private UpdateResult join() {
    UpdateResult r;
    try {
      r = pending.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the PPO update", e);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException re) {
        throw re;
      }
      if (c instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException("the PPO update failed: " + c, c);
    } finally {
      pending = null;
    }
    updates++;
    opponents.updated(policy, updates);
    actor.copyParametersFrom(policy);
    actorStats.restore(returnStats.state());
    return r;
  }

  /**
   * One rollout and its PPO update.
   *
   * @param drain with overlap: wait for this rollout's update too (a checkpoint is due)
   */
  private Iteration iterate(boolean drain) {
    long start = System.nanoTime();
    long envNanos = 0;
    long inferNanos = 0;
    int episodes = 0;
    double returnSum = 0;
    double heartSum = 0;
    double rewardSum = 0;
    long rewardCount = 0;
    double shapingSum = 0;
    RolloutBuffer b = buffer;
    last = b;
    if (pendingReset) {
      long t0 = System.nanoTime();
      batch = env.reset(episodeSeed());
      envNanos += System.nanoTime() - t0;
      if (shaping != null) {
        shaping.reset(batch);
      }
      if (progressBonus != null) {
        progressBonus.reset(batch);
      }
      java.util.Arrays.fill(prevDone, (byte) 0);
      for (int c = 0; c < copies; c++) {
        opponents.newEpisode(c, steps, random);
      }
      if (teacherActions != null) {
        teacher = newTeacher();
      }
      pendingReset = false;
    }
    boolean labelling = cfg.teacherWeightAt(progress()) > 0;
    long agreed = 0;
    long labelled = 0;
    for (int t = 0; t < b.horizon; t++) {
      long t0 = System.nanoTime();
      int o = t * rows;
      encoder.encode(batch, b.vec, o * b.vecSize, b.grid, o * b.gridSize);
      head.readMasks(batch, rows, b.masks, o * b.heads);
      actor.forward(b.vec, o * b.vecSize, b.grid, o * b.gridSize, rows, stepLogits, stepValues);
      actorStats.denormalise(stepValues, rows, b.values, o);
      actor.sample(stepLogits, b.masks, o * b.heads, rows, random, stepCombos, stepActions, stepLogp);
      System.arraycopy(stepLogp, 0, b.logp, o, rows);
      System.arraycopy(stepCombos, 0, b.combos, o, rows);
      opponents.act(b.vec, o * b.vecSize, b.grid, o * b.gridSize, b.masks, o * b.heads, stepActions, random);
      System.arraycopy(stepActions, 0, b.actions, o * b.dims, rows * b.dims);
      for (int r = 0; r < rows; r++) {
        b.ignored[o + r] = prevDone[r / agents];
        b.learner[o + r] = (byte) (opponents.learns(r) ? 1 : 0);
      }
      agreed += labelStep(b, o, labelling);
      if (labelling) {
        for (int r = 0; r < rows; r++) {
          labelled += b.teacher[o + r] >= 0 ? 1 : 0;
        }
      }
      long t1 = System.nanoTime();
      batch = env.step(stepActions);
      long t2 = System.nanoTime();
      inferNanos += t1 - t0;
      envNanos += t2 - t1;
      float[] rw = batch.rewards();
      byte[] terminated = batch.terminated();
      for (int r = 0; r < rows; r++) {
        int c = r / agents;
        b.rewards[o + r] = rw[r];
        b.terminated[o + r] = endAtLimit && batch.done(c) ? 1 : terminated[c];
        b.ended[o + r] = (byte) (batch.done(c) ? 1 : 0);
        if (b.learns(o + r)) {
          rewardSum += rw[r];
          rewardCount++;
        }
      }
      if (shaping != null) {
        shapingSum += shaping.apply(batch, b.rewards, b.ignored, o, shapingScratch);
      }
      if (progressBonus != null) {
        double scale = cfg.bonusAnneal <= 0 ? 0 : Math.max(0, 1 - progress() / cfg.bonusAnneal);
        shapingSum += progressBonus.apply(batch, b.rewards, b.ignored, o, scale);
      }
      for (EpisodeSummary e : batch.episodes()) {
        int c = e.copy();
        boolean alone = opponents.againstSnapshot(c);
        for (int a = 0; a < agents; a++) {
          if (alone && a != opponents.learnerSeat(c)) {
            continue; // a snapshot's agent
          }
          returnSum += e.returns()[a];
          if (hasHearts) {
            Double h = e.agentStats().get(a).get("hearts");
            heartSum += h == null ? 0 : h;
          }
          episodes++;
        }
        opponents.episodeEnded(c, e.returns());
      }
      for (int c = 0; c < copies; c++) {
        if (prevDone[c] != 0) {
          opponents.newEpisode(c, steps, random); // this step reset the copy: a new episode, perhaps a new opponent
        }
        prevDone[c] = (byte) (batch.done(c) ? 1 : 0);
      }
      steps += copies;
    }
    long t0 = System.nanoTime();
    encoder.encode(batch, b.nextVec, 0, b.nextGrid, 0);
    actor.forward(b.nextVec, 0, b.nextGrid, 0, rows, stepLogits, stepValues);
    actorStats.denormalise(stepValues, rows, b.values, b.size());
    inferNanos += System.nanoTime() - t0;
    UpdateResult result;
    double updateSeconds;
    if (updater == null) {
      result = update(b, progress());
      updates++;
      opponents.updated(policy, updates);
      updateSeconds = result.seconds();
    } else {
      // The previous rollout's update ran while this rollout was collected.
      UpdateResult previous = pending == null ? null : join();
      double p = progress();
      pending = updater.submit(() -> update(b, p));
      RolloutBuffer next = spare;
      spare = buffer;
      buffer = next;
      UpdateResult drained = drain ? join() : null;
      result = drained != null ? drained
          : previous != null ? previous : new UpdateResult(PpoUpdate.Losses.NONE, 0, SurpriseBonus.Effect.NONE, p);
      updateSeconds = (previous == null ? 0 : previous.seconds()) + (drained == null ? 0 : drained.seconds());
    }
    PpoUpdate.Losses losses = result.losses();
    SurpriseBonus.Effect bonus = result.bonus();
    return new Iteration(steps, updates, (System.nanoTime() - start) / 1e9, episodes,
        episodes == 0 ? Double.NaN : returnSum / episodes, hasHearts && episodes > 0 ? heartSum / episodes : Double.NaN,
        rewardCount == 0 ? Double.NaN : rewardSum / rewardCount, losses.entropy(), losses.policyLoss(),
        losses.valueLoss(), losses.approxKl(), losses.clipFraction(), ppo.learningRateAt(result.progress()), envNanos / 1e9,
        inferNanos / 1e9, updateSeconds, bonus.intrinsicReward(), bonus.predictorLoss(), losses.skipped(),
        rewardCount == 0 || (shaping == null && progressBonus == null) ? Double.NaN : shapingSum / b.size(),
        losses.teacherLoss(), labelled == 0 ? Double.NaN : (double) agreed / labelled);
  }

  /**
   * Writes what a resumed run needs besides the policy's parameters: the generator's state,
   * steps and updates, the return statistics, Adam's moments and the snapshot pool.
   */
  public void saveState(DataOutputStream out) throws IOException {
    if (pending != null) {
      throw new IllegalStateException("an update is in flight; call finishUpdate() before saving the trainer's state");
    }
    out.writeInt(STATE_FORMAT);
    out.writeLong(random.state());
    if (updateRandom != random) {
      out.writeLong(updateRandom.state());
    }
    out.writeLong(steps);
    out.writeInt(updates);
    for (double v : returnStats.state()) {
      out.writeDouble(v);
    }
    ppo.save(out);
    opponents.save(out);
  }

  /**
   * Restores a state written by {@link #saveState} (of a trainer with the same configuration and
   * policy architecture); the next rollout starts new episodes, as the saving run's did.
   *
   * @throws IOException when the state is truncated or does not fit this trainer
   */
  public void restoreState(DataInputStream in) throws IOException {
    int format = in.readInt();
    if (format != STATE_FORMAT) {
      throw new IOException("trainer state format " + format + "; this version reads " + STATE_FORMAT);
    }
    random.setState(in.readLong());
    if (updateRandom != random) {
      updateRandom.setState(in.readLong());
    }
    steps = in.readLong();
    updates = in.readInt();
    double[] s = new double[3];
    for (int i = 0; i < s.length; i++) {
      s[i] = in.readDouble();
    }
    returnStats.restore(s);
    ppo.restore(in);
    opponents.restore(in, policy);
    if (actor != policy) {
      actor.copyParametersFrom(policy);
      actorStats.restore(returnStats.state());
    }
    pendingReset = true;
  }

  /** Fraction of the configured steps taken: the learning-rate schedule's clock. */
  private double progress() {
    return Math.min(1.0, (double) steps / cfg.steps);
  }

  @Override
  public void close() {
    if (updater != null) {
      try {
        finishUpdate();
      } finally {
        updater.shutdownNow();
        actor.close();
      }
    }
    if (surprise != null) {
      surprise.close();
    }
    opponents.close();
  }
}
