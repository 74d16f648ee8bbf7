package dev.kindred.agents.ppo;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import dev.kindred.agents.nn.ActorCritic;
import dev.kindred.agents.nn.DirectFloats;
import dev.kindred.agents.nn.Djl;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The PPO update of a rollout: {@code epochs} passes of {@code minibatches} clipped-surrogate
 * steps with a value loss on normalised returns, an entropy bonus, normalised advantages, a
 * global gradient-norm clip and Adam with a linear (or constant) learning-rate schedule.
 *
 * <p>Native memory: each minibatch's NDArrays live in a sub-manager closed right after, their
 * data copied from reused direct buffers; one GradientCollector is open at a time.
 */
final class PpoUpdate {
  /** Means over the minibatches of one update; NaN when the rollout had no learning step. */
  record Losses(double policyLoss, double valueLoss, double entropy, double approxKl, double clipFraction) {
    static final Losses NONE = new Losses(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
  }

  private final ActorCritic policy;
  private final TrainConfig cfg;
  private final SplittableRandom random;
  private final Optimizer optimizer;
  private final ParameterList parameters;
  private final int[] actionSizes;
  private final int logits;
  /** Fraction of the run's steps taken, for the learning-rate schedule. */
  private double progress;

  // Reused across updates: the learning steps, their normalised advantages, one minibatch.
  private final int[] index;
  private final float[] normAdv;
  private final float[] bVec;
  private final float[] bGrid;
  private final float[] bOneHot;
  private final float[] bOldLogp;
  private final float[] bAdv;
  private final float[] bRet;
  private final NDArray[] grads;
  // Direct buffers the minibatch tensors are made from (no native allocation per minibatch).
  private final DirectFloats dOneHot = new DirectFloats();
  private final DirectFloats dOldLogp = new DirectFloats();
  private final DirectFloats dAdv = new DirectFloats();
  private final DirectFloats dRet = new DirectFloats();

  /** @param random the trainer's generator: draws interleave with the other parts' in a fixed order */
  PpoUpdate(ActorCritic policy, TrainConfig cfg, RolloutBuffer buffer, double progress, SplittableRandom random) {
    this.policy = policy;
    this.cfg = cfg;
    this.random = random;
    this.progress = progress;
    this.actionSizes = policy.actionSizes();
    this.logits = policy.logitCount();
    Tracker schedule = new Tracker() {
      @Override
      public float getNewValue(int numUpdate) {
        return (float) learningRate();
      }
    };
    this.optimizer = Adam.builder().optLearningRateTracker(schedule).build();
    this.parameters = policy.net().getParameters();
    int n = buffer.size();
    int mb = Math.max(1, n / cfg.minibatches);
    index = new int[n];
    normAdv = new float[n];
    bVec = new float[mb * buffer.vecSize];
    bGrid = new float[mb * buffer.gridSize];
    bOneHot = new float[mb * logits];
    bOldLogp = new float[mb];
    bAdv = new float[mb];
    bRet = new float[mb];
    grads = new NDArray[parameters.size()];
  }

  /** The learning rate at the current progress: linear decay to 0.1% of the initial, or constant. */
  double learningRate() {
    return cfg.learningRate * (cfg.lrSchedule.equals("linear") ? Math.max(1e-3, 1.0 - progress) : 1.0);
  }

  /**
   * Updates the policy on the rollout's learning steps, and the return statistics on their returns.
   *
   * @param progress fraction of the run's steps taken (the learning-rate schedule's clock)
   */
  Losses update(RolloutBuffer b, ReturnNormaliser returnStats, double progress) {
    this.progress = progress;
    int n = b.size();
    int count = 0;
    double mean = 0;
    for (int i = 0; i < n; i++) {
      if (b.learns(i)) {
        index[count++] = i;
        mean += b.advantages[i];
      }
    }
    if (count == 0) {
      return Losses.NONE;
    }
    mean /= count;
    double var = 0;
    for (int k = 0; k < count; k++) {
      double d = b.advantages[index[k]] - mean;
      var += d * d;
    }
    double std = Math.sqrt(var / Math.max(1, count - 1)) + 1e-8;
    returnStats.update(b.returns, index, count);
    float retMean = returnStats.mean();
    float retStd = returnStats.std();
    for (int k = 0; k < count; k++) {
      int i = index[k];
      normAdv[i] = (float) ((b.advantages[i] - mean) / std);
    }
    int mb = Math.max(1, count / cfg.minibatches);
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
        Arrays.fill(bOneHot, 0, mb * logits, 0f);
        for (int k = 0; k < mb; k++) {
          int i = index[start + k];
          System.arraycopy(b.vec, i * b.vecSize, bVec, k * b.vecSize, b.vecSize);
          System.arraycopy(b.grid, i * b.gridSize, bGrid, k * b.gridSize, b.gridSize);
          int off = 0;
          for (int d = 0; d < b.dims; d++) {
            bOneHot[k * logits + off + b.actions[i * b.dims + d]] = 1f;
            off += actionSizes[d];
          }
          bOldLogp[k] = b.logp[i];
          bAdv[k] = normAdv[i];
          bRet[k] = (b.returns[i] - retMean) / retStd;
        }
        try (NDManager m = base.newSubManager()) {
          minibatch(m, engine, mb, sums);
          step(m);
          batches++;
        }
      }
    }
    for (int k = 0; k < sums.length; k++) {
      sums[k] /= Math.max(1, batches);
    }
    return new Losses(sums[0], sums[1], sums[2], sums[3], sums[4]);
  }

  /** The loss of the minibatch staged in the b* arrays, its gradients, and its figures added to {@code sums}. */
  private void minibatch(NDManager m, Engine engine, int mb, double[] sums) {
    NDArray oneHot = dOneHot.array(m, bOneHot, 0, new Shape(mb, logits));
    NDArray oldLogp = dOldLogp.array(m, bOldLogp, 0, new Shape(mb));
    NDArray adv = dAdv.array(m, bAdv, 0, new Shape(mb));
    NDArray ret = dRet.array(m, bRet, 0, new Shape(mb));
    NDArray ratio;
    NDArray policyLoss;
    NDArray valueLoss;
    NDArray entropy;
    try (GradientCollector gc = engine.newGradientCollector()) {
      NDList out = policy.net().forward(new ParameterStore(m, false), policy.inputs(m, bVec, 0, bGrid, 0, mb), true);
      NDArray l = out.get(0);
      NDArray value = out.get(1).reshape(mb);
      NDArray newLogp = null;
      entropy = null;
      int off = 0;
      for (int d = 0; d < actionSizes.length; d++) {
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
    sums[4] += ratio.sub(1f).abs().gt((float) cfg.clip).toType(DataType.FLOAT32, false).mean().getFloat();
  }

  /** Clips the global gradient norm, applies Adam and zeroes the gradients. */
  private void step(NDManager m) {
    double sq = 0;
    for (int k = 0; k < grads.length; k++) {
      NDArray g = parameters.get(k).getValue().getArray().getGradient();
      g.attach(m); // the handle DJL makes for the gradient goes with this minibatch
      grads[k] = g;
      sq += g.square().sum().getFloat();
    }
    double norm = Math.sqrt(sq);
    float scale = norm > cfg.maxGradNorm ? (float) (cfg.maxGradNorm / (norm + 1e-6)) : 1f;
    for (int k = 0; k < grads.length; k++) {
      Pair<String, Parameter> p = parameters.get(k);
      NDArray g = grads[k];
      if (scale != 1f) {
        g.muli(scale);
      }
      optimizer.update(p.getKey(), p.getValue().getArray(), g);
      g.subi(g);
      grads[k] = null; // closed with the minibatch's manager
    }
  }
}
