package dev.kindred.agents.ppo;

import dev.kindred.agents.nn.ActorCritic;
import dev.kindred.agents.nn.ObservationEncoder;
import dev.kindred.env.Autoreset;
import dev.kindred.env.EpisodeSummary;
import dev.kindred.env.StepBatch;
import dev.kindred.env.VectorEnv;
import java.io.IOException;
import java.util.SplittableRandom;

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
 * from the value of their final observation; terminated ones do not. Rewards are the world's
 * (kin-shared) rewards.
 *
 * <p>Deterministic for a seed: one generator serves the parts, drawn in a fixed order (opponents
 * during the rollout, then the surprise predictor's shuffle, then the update's). Native memory:
 * each step's NDArrays live in a sub-manager closed right after. Not thread-safe.
 */
public final class PpoTrainer implements AutoCloseable {
  /** The figures of one iteration. */
  public record Iteration(long steps, int updates, double seconds, int episodes, double meanReturn,
      double meanHearts, double rewardPerStep, double entropy, double policyLoss, double valueLoss,
      double approxKl, double clipFraction, double learningRate, double envSeconds, double inferenceSeconds,
      double updateSeconds, double intrinsicReward, double predictorLoss) {}

  private final VectorEnv env;
  private final TrainConfig cfg;
  private final ActorCritic policy;
  private final ObservationEncoder encoder;
  private final int copies;
  private final int agents;
  private final int rows;
  private final boolean hasHearts;
  private final RolloutBuffer buffer;
  private final ReturnNormaliser returnStats = new ReturnNormaliser();
  private final OpponentPool opponents;
  private final PpoUpdate ppo;
  /** Null when aux_surprise_weight is 0. */
  private final SurpriseBonus surprise;

  // Per-step scratch.
  private final float[] stepLogits;
  private final float[] stepValues;
  private final float[] stepLogp;
  private final int[] stepActions;
  private final byte[] prevDone;

  private StepBatch batch;
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
    this.encoder = policy.encoder();
    SplittableRandom random = new SplittableRandom(cfg.seed * 0x9E3779B97F4A7C15L + 17);
    this.copies = env.copies();
    this.agents = env.agents();
    this.rows = copies * agents;
    int[] actionSizes = policy.actionSizes();
    int logits = policy.logitCount();
    this.steps = steps;
    this.updates = updates;
    this.hasHearts = env.spec().world().episodeStats().stream().anyMatch(s -> s.name().equals("hearts"));
    this.buffer = new RolloutBuffer(cfg.horizon, rows, encoder.vectorSize(), encoder.gridSize(), actionSizes.length);
    this.opponents = new OpponentPool(cfg, env.spec(), copies, agents, actionSizes.length, logits, random);
    stepLogits = new float[rows * logits];
    stepValues = new float[rows];
    stepLogp = new float[rows];
    stepActions = new int[rows * actionSizes.length];
    prevDone = new byte[copies];
    this.ppo = new PpoUpdate(policy, cfg, buffer, progress(), random);
    // After the optimiser, as before the split: the predictor seeds the engine's generator.
    this.surprise = cfg.auxSurpriseWeight > 0 ? new SurpriseBonus(cfg, buffer, actionSizes, logits, random) : null;
    this.batch = env.reset();
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

  /** The last rollout's rewards as learned from (intrinsic reward included), {@code [t * rows + r]}. */
  float[] rolloutRewards() {
    return buffer.rewards.clone();
  }

  /** Whether step {@code i} of the last rollout was a reset step (no transition). */
  boolean ignoredStep(int i) {
    return buffer.ignored[i] != 0;
  }

  /**
   * A digest of the last rollout (network inputs, actions, their log-probabilities, rewards,
   * episode ends): equal digests mean equal trajectories, e.g. in process and over gRPC.
   */
  public long rolloutDigest() {
    return buffer.digest();
  }

  /**
   * NDArrays alive in native memory: {the learner's (parameters, gradients, optimizer state and
   * anything a step failed to free), the snapshot pool's}. Flat over a run once the pool is full.
   */
  public int[] liveArrays() {
    return new int[] {policy.manager().getManagedArrays().size(), opponents.liveArrays()};
  }

  /** The return normalisation {mean, variance, set}: part of a checkpoint. */
  public double[] returnStatistics() {
    return returnStats.state();
  }

  public void setReturnStatistics(double[] s) {
    returnStats.restore(s);
  }

  /**
   * Iterates until the configured steps are taken: after each iteration the listener hears of
   * it, and of a checkpoint when one is due (every {@code checkpoint_every} updates, and last).
   */
  public void train(TrainingListener listener) throws IOException {
    while (steps < cfg.steps) {
      Iteration it = iterate();
      listener.iteration(it);
      if (steps >= cfg.steps || updates % cfg.checkpointEvery == 0) {
        listener.checkpoint(this);
      }
    }
  }

  /** One rollout and its PPO update. */
  public Iteration iterate() {
    long start = System.nanoTime();
    long envNanos = 0;
    long inferNanos = 0;
    int episodes = 0;
    double returnSum = 0;
    double heartSum = 0;
    double rewardSum = 0;
    long rewardCount = 0;
    RolloutBuffer b = buffer;
    for (int t = 0; t < b.horizon; t++) {
      long t0 = System.nanoTime();
      int o = t * rows;
      encoder.encode(batch, b.vec, o * b.vecSize, b.grid, o * b.gridSize);
      policy.forward(b.vec, o * b.vecSize, b.grid, o * b.gridSize, rows, stepLogits, stepValues);
      returnStats.denormalise(stepValues, rows, b.values, o);
      policy.sample(stepLogits, rows, stepActions, stepLogp);
      System.arraycopy(stepLogp, 0, b.logp, o, rows);
      opponents.act(b.vec, o * b.vecSize, b.grid, o * b.gridSize, stepActions);
      System.arraycopy(stepActions, 0, b.actions, o * b.dims, rows * b.dims);
      for (int r = 0; r < rows; r++) {
        b.ignored[o + r] = prevDone[r / agents];
        b.learner[o + r] = (byte) (opponents.learns(r) ? 1 : 0);
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
        b.terminated[o + r] = terminated[c];
        b.ended[o + r] = (byte) (batch.done(c) ? 1 : 0);
        if (b.learns(o + r)) {
          rewardSum += rw[r];
          rewardCount++;
        }
      }
      for (EpisodeSummary e : batch.episodes()) {
        int learning = opponents.learningAgents(e.copy());
        for (int a = 0; a < learning; a++) {
          returnSum += e.returns()[a];
          if (hasHearts) {
            Double h = e.agentStats().get(a).get("hearts");
            heartSum += h == null ? 0 : h;
          }
          episodes++;
        }
      }
      for (int c = 0; c < copies; c++) {
        if (prevDone[c] != 0) {
          opponents.newEpisode(c); // this step reset the copy: a new episode, perhaps a new opponent
        }
        prevDone[c] = (byte) (batch.done(c) ? 1 : 0);
      }
      steps += copies;
    }
    long t0 = System.nanoTime();
    encoder.encode(batch, b.nextVec, 0, b.nextGrid, 0);
    policy.forward(b.nextVec, 0, b.nextGrid, 0, rows, stepLogits, stepValues);
    returnStats.denormalise(stepValues, rows, b.values, b.size());
    inferNanos += System.nanoTime() - t0;
    SurpriseBonus.Effect bonus = surprise == null ? SurpriseBonus.Effect.NONE : surprise.apply(b);
    b.computeAdvantages((float) cfg.gamma, (float) cfg.lambda);
    long u0 = System.nanoTime();
    PpoUpdate.Losses losses = ppo.update(b, returnStats, progress());
    updates++;
    long u1 = System.nanoTime();
    opponents.updated(policy, updates);
    return new Iteration(steps, updates, (System.nanoTime() - start) / 1e9, episodes,
        episodes == 0 ? Double.NaN : returnSum / episodes, hasHearts && episodes > 0 ? heartSum / episodes : Double.NaN,
        rewardCount == 0 ? Double.NaN : rewardSum / rewardCount, losses.entropy(), losses.policyLoss(),
        losses.valueLoss(), losses.approxKl(), losses.clipFraction(), ppo.learningRate(), envNanos / 1e9,
        inferNanos / 1e9, (u1 - u0) / 1e9, bonus.intrinsicReward(), bonus.predictorLoss());
  }

  /** Fraction of the configured steps taken: the learning-rate schedule's clock. */
  private double progress() {
    return Math.min(1.0, (double) steps / cfg.steps);
  }

  @Override
  public void close() {
    if (surprise != null) {
      surprise.close();
    }
    opponents.close();
  }
}
