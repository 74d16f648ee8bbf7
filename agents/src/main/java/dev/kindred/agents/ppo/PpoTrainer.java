package dev.kindred.agents.ppo;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import dev.kindred.agents.nn.ActorCritic;
import dev.kindred.agents.nn.DirectFloats;
import dev.kindred.agents.nn.Djl;
import dev.kindred.agents.nn.NextObservationPredictor;
import dev.kindred.agents.nn.ObservationEncoder;
import dev.kindred.env.Autoreset;
import dev.kindred.env.EpisodeSummary;
import dev.kindred.env.StepBatch;
import dev.kindred.env.VectorEnv;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Proximal policy optimisation over a {@link VectorEnv}, so the same trainer runs against a
 * world in process or behind a server. One {@link #iterate()} collects {@code horizon} steps of
 * every copy (one batched forward pass per step for all agents), computes GAE advantages, and
 * runs {@code epochs} passes of {@code minibatches} clipped-surrogate updates with a value loss,
 * an entropy bonus, normalised advantages, a global gradient-norm clip and Adam with a linear
 * (or constant) learning-rate schedule.
 *
 * <p>Autoreset NEXT_STEP: the step after an episode's end resets that copy and ignores its
 * actions; those steps carry no learning signal and are masked out. Truncated episodes bootstrap
 * from the value of their final observation; terminated ones do not.
 *
 * <p>Self-play: with {@code selfplay_fraction > 0}, a snapshot of the policy joins a pool every
 * {@code snapshot_every} updates, and at each episode start a copy is, with that probability,
 * given a snapshot (uniform over the pool) that plays its agents 1..n-1; only agent 0 of such
 * copies learns. Rewards are the world's (kin-shared) rewards.
 *
 * <p>Native memory: each step's and each minibatch's NDArrays live in a sub-manager closed
 * right after; one GradientCollector is open at a time. Not thread-safe.
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
  private final Optimizer optimizer;
  private final SplittableRandom random;
  private final int copies;
  private final int agents;
  private final int rows;
  private final int dims;
  private final int logits;
  private final int[] actionSizes;
  private final int vecSize;
  private final int gridSize;
  private final int horizon;
  private final boolean hasHearts;

  // Rollout storage, [t * rows + r] (vectors and images row-major inside).
  private final float[] vec;
  private final float[] grid;
  private final int[] actions;
  private final float[] logp;
  private final float[] values;
  private final float[] rewards;
  private final byte[] terminated;
  private final byte[] ended;
  private final byte[] ignored;
  private final byte[] learner;
  private final float[] advantages;
  private final float[] returns;
  // Per-step scratch.
  private final float[] stepLogits;
  private final float[] stepLogp;
  private final int[] stepActions;
  private final int[] opponentActions;
  private final byte[] prevDone;
  private final int[] opponentOf;
  private final List<ActorCritic> pool = new ArrayList<>();
  // Surprise minimisation (null when aux_surprise_weight is 0).
  private final NextObservationPredictor predictor;
  private final float[] auxIn;
  private final float[] auxTarget;
  private final float[] auxSurprise;

  // Reusable direct buffers for the minibatch tensors (no native allocation per minibatch).
  private final DirectFloats dOneHot = new DirectFloats();
  private final DirectFloats dOldLogp = new DirectFloats();
  private final DirectFloats dAdv = new DirectFloats();
  private final DirectFloats dRet = new DirectFloats();

  private StepBatch batch;
  private long steps;
  private int updates;
  private double progress;

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
    this.random = new SplittableRandom(cfg.seed * 0x9E3779B97F4A7C15L + 17);
    this.copies = env.copies();
    this.agents = env.agents();
    this.rows = copies * agents;
    this.actionSizes = policy.actionSizes();
    this.dims = actionSizes.length;
    this.logits = policy.logitCount();
    this.vecSize = encoder.vectorSize();
    this.gridSize = encoder.gridSize();
    this.horizon = cfg.horizon;
    this.steps = steps;
    this.updates = updates;
    this.hasHearts = env.spec().world().episodeStats().stream().anyMatch(s -> s.name().equals("hearts"));
    int n = horizon * rows;
    vec = new float[n * vecSize];
    grid = new float[n * gridSize];
    actions = new int[n * dims];
    logp = new float[n];
    values = new float[n + rows];
    rewards = new float[n];
    terminated = new byte[n];
    ended = new byte[n];
    ignored = new byte[n];
    learner = new byte[n];
    advantages = new float[n];
    returns = new float[n];
    stepLogits = new float[rows * logits];
    stepLogp = new float[rows];
    stepActions = new int[rows * dims];
    opponentActions = new int[rows * dims];
    prevDone = new byte[copies];
    opponentOf = new int[copies];
    java.util.Arrays.fill(opponentOf, -1);
    progress = Math.min(1.0, (double) steps / cfg.steps);
    Tracker schedule = new Tracker() {
      @Override
      public float getNewValue(int numUpdate) {
        double f = cfg.lrSchedule.equals("linear") ? Math.max(0.0, 1.0 - progress) : 1.0;
        return (float) (cfg.learningRate * Math.max(f, 1e-3));
      }
    };
    this.optimizer = Adam.builder().optLearningRateTracker(schedule).build();
    if (cfg.auxSurpriseWeight > 0) {
      predictor = new NextObservationPredictor(gridSize + vecSize, logits, cfg.auxHidden, cfg.auxLearningRate, cfg.seed);
      auxIn = new float[n * predictor.inputSize()];
      auxTarget = new float[n * predictor.obsSize()];
      auxSurprise = new float[n];
    } else {
      predictor = null;
      auxIn = null;
      auxTarget = null;
      auxSurprise = null;
    }
    this.batch = env.reset();
  }

  public long steps() {
    return steps;
  }

  public int updates() {
    return updates;
  }

  public int poolSize() {
    return pool.size();
  }

  /** The last rollout's rewards as learned from (intrinsic reward included), {@code [t * rows + r]}. */
  float[] rolloutRewards() {
    return rewards.clone();
  }

  /** Whether step {@code i} of the last rollout was a reset step (no transition). */
  boolean ignoredStep(int i) {
    return ignored[i] != 0;
  }

  /**
   * A digest of the last rollout (network inputs, actions, their log-probabilities, rewards,
   * episode ends): equal digests mean equal trajectories, e.g. in process and over gRPC.
   */
  public long rolloutDigest() {
    long h = 1125899906842597L;
    int n = horizon * rows;
    for (int i = 0; i < n * vecSize; i++) {
      h = 31 * h + Float.floatToIntBits(vec[i]);
    }
    for (int i = 0; i < n * gridSize; i++) {
      h = 31 * h + Float.floatToIntBits(grid[i]);
    }
    for (int i = 0; i < n * dims; i++) {
      h = 31 * h + actions[i];
    }
    for (int i = 0; i < n; i++) {
      h = 31 * h + Float.floatToIntBits(rewards[i]);
      h = 31 * h + Float.floatToIntBits(logp[i]);
      h = 31 * h + ended[i] + 2 * terminated[i] + 4 * ignored[i];
    }
    return h;
  }

  /**
   * NDArrays alive in native memory: {the learner's (parameters, gradients, optimizer state and
   * anything a step failed to free), the snapshot pool's}. Flat over a run once the pool is full.
   */
  public int[] liveArrays() {
    int snapshots = 0;
    for (ActorCritic p : pool) {
      snapshots += p.manager().getManagedArrays().size();
    }
    return new int[] {policy.manager().getManagedArrays().size(), snapshots};
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
    for (int t = 0; t < horizon; t++) {
      long t0 = System.nanoTime();
      int o = t * rows;
      encoder.encode(batch, vec, o * vecSize, grid, o * gridSize);
      policy.forward(vec, o * vecSize, grid, o * gridSize, rows, stepLogits, stepLogp);
      storeValues(o);
      policy.sample(stepLogits, rows, stepActions, stepLogp);
      System.arraycopy(stepLogp, 0, logp, o, rows);
      actOpponents(o);
      System.arraycopy(stepActions, 0, actions, o * dims, rows * dims);
      for (int r = 0; r < rows; r++) {
        int c = r / agents;
        ignored[o + r] = prevDone[c];
        learner[o + r] = (byte) (opponentOf[c] < 0 || r % agents == 0 ? 1 : 0);
      }
      long t1 = System.nanoTime();
      batch = env.step(stepActions);
      long t2 = System.nanoTime();
      inferNanos += t1 - t0;
      envNanos += t2 - t1;
      float[] rw = batch.rewards();
      for (int r = 0; r < rows; r++) {
        int c = r / agents;
        rewards[o + r] = rw[r];
        terminated[o + r] = batch.terminated()[c];
        ended[o + r] = (byte) (batch.done(c) ? 1 : 0);
        if (ignored[o + r] == 0 && learner[o + r] != 0) {
          rewardSum += rw[r];
          rewardCount++;
        }
      }
      for (EpisodeSummary e : batch.episodes()) {
        int c = e.copy();
        int first = 0;
        int last = opponentOf[c] < 0 ? agents : 1;
        for (int a = first; a < last; a++) {
          returnSum += e.returns()[a];
          if (hasHearts) {
            Double h = e.agentStats().get(a).get("hearts");
            heartSum += h == null ? 0 : h;
          }
          episodes++;
        }
      }
      for (int c = 0; c < copies; c++) {
        boolean done = batch.done(c);
        if (prevDone[c] != 0) {
          assignOpponent(c); // this step reset the copy: a new episode, perhaps a new opponent
        }
        prevDone[c] = (byte) (done ? 1 : 0);
      }
      steps += copies;
    }
    long t0 = System.nanoTime();
    int o = horizon * rows;
    encoder.encode(batch, stepVec(), 0, stepGrid(), 0);
    policy.forward(bootVec, 0, bootGrid, 0, rows, stepLogits, stepLogp);
    storeValues(o);
    inferNanos += System.nanoTime() - t0;
    double[] aux = predictor == null ? new double[] {Double.NaN, Double.NaN} : applySurprise();
    computeAdvantages();
    long u0 = System.nanoTime();
    progress = Math.min(1.0, (double) steps / cfg.steps);
    double[] losses = update();
    updates++;
    long u1 = System.nanoTime();
    if (cfg.selfplayFraction > 0 && updates % cfg.snapshotEvery == 0) {
      pool.add(policy.copy(env.spec(), cfg.inputs, cfg.seed + updates));
      if (pool.size() > cfg.poolSize) {
        pool.remove(0).close();
        for (int c = 0; c < copies; c++) {
          opponentOf[c] = opponentOf[c] >= pool.size() ? -1 : Math.max(-1, opponentOf[c] - 1);
        }
      }
    }
    double lr = cfg.learningRate * (cfg.lrSchedule.equals("linear") ? Math.max(1e-3, 1.0 - progress) : 1.0);
    return new Iteration(steps, updates, (System.nanoTime() - start) / 1e9, episodes,
        episodes == 0 ? Double.NaN : returnSum / episodes, hasHearts && episodes > 0 ? heartSum / episodes : Double.NaN,
        rewardCount == 0 ? Double.NaN : rewardSum / rewardCount, losses[2], losses[0], losses[1], losses[3], losses[4], lr,
        envNanos / 1e9, inferNanos / 1e9, (u1 - u0) / 1e9, aux[0], aux[1]);
  }

  /**
   * Surprise minimisation: the predictor's squared error on each step's next observation,
   * times {@code -aux_surprise_weight}, is added to the step's reward (before GAE); then the
   * predictor trains on the rollout (one pass of {@code minibatches} minibatches).
   *
   * @return {mean intrinsic reward per learner step, mean predictor loss}
   */
  private double[] applySurprise() {
    int n = horizon * rows;
    int obs = predictor.obsSize();
    int in = predictor.inputSize();
    for (int i = 0; i < n; i++) {
      int t = i / rows;
      int r = i % rows;
      int a = i * in;
      System.arraycopy(grid, i * gridSize, auxIn, a, gridSize);
      System.arraycopy(vec, i * vecSize, auxIn, a + gridSize, vecSize);
      java.util.Arrays.fill(auxIn, a + obs, a + in, 0f);
      int off = 0;
      for (int d = 0; d < dims; d++) {
        auxIn[a + obs + off + actions[i * dims + d]] = 1f;
        off += actionSizes[d];
      }
      boolean last = t == horizon - 1;
      System.arraycopy(last ? bootGrid : grid, (last ? r : i + rows) * gridSize, auxTarget, i * obs, gridSize);
      System.arraycopy(last ? bootVec : vec, (last ? r : i + rows) * vecSize, auxTarget, i * obs + gridSize, vecSize);
    }
    predictor.surprise(auxIn, auxTarget, n, auxSurprise);
    double sum = 0;
    int count = 0;
    int[] valid = new int[n];
    float w = (float) cfg.auxSurpriseWeight;
    for (int i = 0; i < n; i++) {
      if (ignored[i] != 0) {
        continue; // a reset step: its "next observation" starts another episode
      }
      valid[count++] = i;
      rewards[i] -= w * auxSurprise[i];
      sum -= w * auxSurprise[i];
    }
    if (count == 0) {
      return new double[] {Double.NaN, Double.NaN};
    }
    for (int k = count - 1; k > 0; k--) {
      int j = random.nextInt(k + 1);
      int tmp = valid[k];
      valid[k] = valid[j];
      valid[j] = tmp;
    }
    int mb = Math.max(1, count / cfg.minibatches);
    float[] bIn = new float[mb * in];
    float[] bTarget = new float[mb * obs];
    double loss = 0;
    int batches = 0;
    for (int start = 0; start + mb <= count; start += mb) {
      for (int b = 0; b < mb; b++) {
        int i = valid[start + b];
        System.arraycopy(auxIn, i * in, bIn, b * in, in);
        System.arraycopy(auxTarget, i * obs, bTarget, b * obs, obs);
      }
      loss += predictor.train(bIn, bTarget, mb);
      batches++;
    }
    return new double[] {sum / count, loss / batches};
  }

  /** The value head predicts normalised returns: stores {@code v * std + mean} at {@code o}. */
  private void storeValues(int o) {
    float std = (float) Math.sqrt(returnVar);
    for (int r = 0; r < rows; r++) {
      values[o + r] = stepLogp[r] * std + (float) returnMean;
    }
  }

  /** Running mean and variance of the returns (exponential, weight 0.1 per rollout). */
  private void updateReturnStatistics(int[] index, int count) {
    double m = 0;
    for (int k = 0; k < count; k++) {
      m += returns[index[k]];
    }
    m /= count;
    double v = 0;
    for (int k = 0; k < count; k++) {
      double d = returns[index[k]] - m;
      v += d * d;
    }
    v = Math.max(v / count, 1e-4);
    if (!returnStatsSet) {
      returnMean = m;
      returnVar = v;
      returnStatsSet = true;
    } else {
      returnMean = 0.9 * returnMean + 0.1 * m;
      returnVar = 0.9 * returnVar + 0.1 * v;
    }
  }

  /** The return normalisation {mean, variance, set}: part of a checkpoint. */
  public double[] returnStatistics() {
    return new double[] {returnMean, returnVar, returnStatsSet ? 1 : 0};
  }

  public void setReturnStatistics(double[] s) {
    returnMean = s[0];
    returnVar = s[1];
    returnStatsSet = s[2] != 0;
  }

  private double returnMean = 0;
  private double returnVar = 1;
  private boolean returnStatsSet;
  private float[] bootVec;
  private float[] bootGrid;

  private float[] stepVec() {
    if (bootVec == null) {
      bootVec = new float[rows * vecSize];
      bootGrid = new float[rows * gridSize];
    }
    return bootVec;
  }

  private float[] stepGrid() {
    stepVec();
    return bootGrid;
  }

  private void assignOpponent(int c) {
    opponentOf[c] = !pool.isEmpty() && agents > 1 && random.nextDouble() < cfg.selfplayFraction
        ? random.nextInt(pool.size()) : -1;
  }

  /** Overwrites the actions of agents played by snapshots (one batched pass per snapshot in use). */
  private void actOpponents(int o) {
    for (int p = 0; p < pool.size(); p++) {
      boolean used = false;
      for (int c = 0; c < copies && !used; c++) {
        used = opponentOf[c] == p;
      }
      if (!used) {
        continue;
      }
      ActorCritic snapshot = pool.get(p);
      snapshot.forward(vec, o * vecSize, grid, o * gridSize, rows, stepLogits, stepLogp);
      snapshot.sample(stepLogits, rows, opponentActions, null);
      for (int c = 0; c < copies; c++) {
        if (opponentOf[c] == p) {
          int from = (c * agents + 1) * dims;
          System.arraycopy(opponentActions, from, stepActions, from, (agents - 1) * dims);
        }
      }
    }
  }

  /** GAE(γ, λ) over the rollout; ignored (reset) steps get no advantage and cut the trace. */
  void computeAdvantages() {
    float gamma = (float) cfg.gamma;
    float lambda = (float) cfg.lambda;
    for (int r = 0; r < rows; r++) {
      float gae = 0;
      for (int t = horizon - 1; t >= 0; t--) {
        int i = t * rows + r;
        if (ignored[i] != 0) {
          gae = 0;
          advantages[i] = 0;
          returns[i] = values[i];
          continue;
        }
        float next = values[i + rows];
        float delta = rewards[i] + gamma * next * (1 - terminated[i]) - values[i];
        gae = delta + gamma * lambda * (1 - ended[i]) * gae;
        advantages[i] = gae;
        returns[i] = gae + values[i];
      }
    }
  }

  /** @return {policy loss, value loss, entropy, approx KL, clip fraction}, means over minibatches */
  private double[] update() {
    int n = horizon * rows;
    int[] index = new int[n];
    int count = 0;
    double mean = 0;
    for (int i = 0; i < n; i++) {
      if (ignored[i] == 0 && learner[i] != 0) {
        index[count++] = i;
        mean += advantages[i];
      }
    }
    if (count == 0) {
      return new double[] {Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN};
    }
    mean /= count;
    double var = 0;
    for (int k = 0; k < count; k++) {
      double d = advantages[index[k]] - mean;
      var += d * d;
    }
    double std = Math.sqrt(var / Math.max(1, count - 1)) + 1e-8;
    updateReturnStatistics(index, count);
    float retStd = (float) Math.sqrt(returnVar);
    float[] normAdv = new float[n];
    for (int k = 0; k < count; k++) {
      int i = index[k];
      normAdv[i] = (float) ((advantages[i] - mean) / std);
    }
    int mb = Math.max(1, count / cfg.minibatches);
    float[] bVec = new float[mb * vecSize];
    float[] bGrid = new float[mb * gridSize];
    float[] bOneHot = new float[mb * logits];
    float[] bOldLogp = new float[mb];
    float[] bAdv = new float[mb];
    float[] bRet = new float[mb];
    double[] sums = new double[5];
    int batches = 0;
    Engine engine = Djl.engine();
    NDManager base = policy.manager();
    for (int epoch = 0; epoch < cfg.epochs; epoch++) {
      for (int k = count - 1; k > 0; k--) {
        int j = random.nextInt(k + 1);
        int tmp = index[k];
        index[k] = index[j];
        index[j] = tmp;
      }
      for (int start = 0; start + mb <= count; start += mb) {
        java.util.Arrays.fill(bOneHot, 0f);
        for (int b = 0; b < mb; b++) {
          int i = index[start + b];
          System.arraycopy(vec, i * vecSize, bVec, b * vecSize, vecSize);
          if (gridSize > 0) {
            System.arraycopy(grid, i * gridSize, bGrid, b * gridSize, gridSize);
          }
          int off = 0;
          for (int d = 0; d < dims; d++) {
            bOneHot[b * logits + off + actions[i * dims + d]] = 1f;
            off += actionSizes[d];
          }
          bOldLogp[b] = logp[i];
          bAdv[b] = normAdv[i];
          bRet[b] = (returns[i] - (float) returnMean) / retStd;
        }
        try (NDManager m = base.newSubManager()) {
          NDArray oneHot = dOneHot.array(m, bOneHot, 0, new Shape(mb, logits));
          NDArray oldLogp = dOldLogp.array(m, bOldLogp, 0, new Shape(mb));
          NDArray adv = dAdv.array(m, bAdv, 0, new Shape(mb));
          NDArray ret = dRet.array(m, bRet, 0, new Shape(mb));
          NDArray ratio;
          NDArray policyLoss;
          NDArray valueLoss;
          NDArray entropy;
          try (GradientCollector gc = engine.newGradientCollector()) {
            NDList out = policy.net().forward(new ParameterStore(m, false),
                policy.inputs(m, bVec, 0, bGrid, 0, mb), true);
            NDArray l = out.get(0);
            NDArray value = out.get(1).reshape(mb);
            NDArray newLogp = null;
            entropy = null;
            int off = 0;
            for (int d = 0; d < dims; d++) {
              String range = ":, " + off + ":" + (off + actionSizes[d]);
              NDArray ls = l.get(new NDIndex(range)).logSoftmax(1);
              NDArray picked = ls.mul(oneHot.get(new NDIndex(range))).sum(new int[] {1});
              NDArray ent = ls.exp().mul(ls).sum(new int[] {1}).neg();
              newLogp = newLogp == null ? picked : newLogp.add(picked);
              entropy = entropy == null ? ent : entropy.add(ent);
              off += actionSizes[d];
            }
            entropy = entropy.mean();
            ratio = newLogp.sub(oldLogp).exp();
            NDArray surr1 = ratio.mul(adv);
            NDArray surr2 = ratio.clip((float) (1 - cfg.clip), (float) (1 + cfg.clip)).mul(adv);
            policyLoss = surr1.minimum(surr2).mean().neg();
            valueLoss = value.sub(ret).square().mean().mul(0.5f);
            NDArray loss = policyLoss.add(valueLoss.mul((float) cfg.valueCoef)).sub(entropy.mul((float) cfg.entropyCoef));
            gc.backward(loss);
          }
          sums[0] += policyLoss.getFloat();
          sums[1] += valueLoss.getFloat();
          sums[2] += entropy.getFloat();
          NDArray logRatio = ratio.log();
          sums[3] += ratio.sub(1f).sub(logRatio).mean().getFloat();
          sums[4] += ratio.sub(1f).abs().gt((float) cfg.clip).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).mean().getFloat();
          step(m);
          batches++;
        }
      }
    }
    for (int k = 0; k < sums.length; k++) {
      sums[k] /= Math.max(1, batches);
    }
    return sums;
  }

  /** Clips the global gradient norm, applies Adam and zeroes the gradients. */
  private void step(NDManager m) {
    List<Pair<String, NDArray>> grads = new ArrayList<>();
    double sq = 0;
    for (Pair<String, Parameter> p : policy.net().getParameters()) {
      NDArray w = p.getValue().getArray();
      NDArray g = w.getGradient();
      g.attach(m); // the handle DJL makes for the gradient goes with this minibatch
      grads.add(new Pair<>(p.getKey(), g));
      sq += g.square().sum().getFloat();
    }
    double norm = Math.sqrt(sq);
    float scale = norm > cfg.maxGradNorm ? (float) (cfg.maxGradNorm / (norm + 1e-6)) : 1f;
    int k = 0;
    for (Pair<String, Parameter> p : policy.net().getParameters()) {
      NDArray g = grads.get(k++).getValue();
      if (scale != 1f) {
        g.muli(scale);
      }
      optimizer.update(p.getKey(), p.getValue().getArray(), g);
      g.subi(g);
    }
  }

  @Override
  public void close() {
    if (predictor != null) {
      predictor.close();
    }
    for (ActorCritic p : pool) {
      p.close();
    }
    pool.clear();
  }
}
