package dev.kindred.agents.ppo;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.ParameterList;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.kindred.agents.nn.ActorCritic;
import dev.kindred.agents.nn.DirectFloats;
import dev.kindred.agents.nn.Djl;
import dev.kindred.agents.nn.SplitMix;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The PPO update of a rollout: {@code epochs} passes of {@code minibatches} clipped-surrogate
 * steps with a value loss on normalised returns (optionally clipped around the rollout's values,
 * {@code value_clip}), an entropy bonus, normalised advantages, a global gradient-norm clip and
 * Adam ({@code adam_epsilon}) with a linear (or constant) learning-rate schedule. The policy's
 * distribution is the masked joint categorical of its {@link dev.kindred.agents.nn.ActionHead}:
 * combinations the mask ruled out when the action was sampled get a logit of -1e9, so they
 * carry no probability, no log-probability and no entropy.
 *
 * <p>With a kickstarting teacher ({@code teacher}), the loss adds {@code w(progress)} times the
 * mean cross-entropy of the policy against the teacher's action over the minibatch's labelled
 * rows (see {@link TrainConfig#teacherWeightAt}); unlabelled rows add nothing.
 *
 * <p>A minibatch whose loss or gradient norm is not finite is skipped (no parameter changes; its
 * gradients are cleared) and counted in {@link Losses#skipped}. Adam's moments and step count
 * are this class's own ({@link #save}, {@link #restore}), so a resumed run continues them.
 *
 * <p>One host sync per minibatch: the figures and the squared gradient norm come back together.
 * Native memory: each minibatch's NDArrays live in a sub-manager closed right after, their data
 * copied from reused direct buffers; one GradientCollector is open at a time.
 */
final class PpoUpdate {
  /** Means over the minibatches of one update; NaN when the rollout had no learning step. */
  record Losses(double policyLoss, double valueLoss, double entropy, double approxKl, double clipFraction,
      int skipped, double teacherLoss) {
    static final Losses NONE = new Losses(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0, Double.NaN);
  }

  private static final float MASKED = -1e9f;
  private static final float BETA1 = 0.9f;
  private static final float BETA2 = 0.999f;

  private final ActorCritic policy;
  private final TrainConfig cfg;
  private final SplitMix random;
  private final ParameterList parameters;
  private final int logits;
  /** Fraction of the run's steps taken, for the learning-rate schedule. */
  private double progress;

  // Adam: first and second moments per parameter, and the step count.
  private final NDArray[] means;
  private final NDArray[] variances;
  private long adamSteps;

  // Reused across updates: the learning steps, their normalised advantages, one minibatch.
  private final int[] index;
  private final float[] normAdv;
  private final float[] bVec;
  private final float[] bGrid;
  private final float[] bOneHot;
  /** The teacher's action one-hot (zero rows where there is no label). */
  private final float[] bTeacher;
  private final float[] bMask;
  private final float[] bOldLogp;
  private final float[] bAdv;
  private final float[] bRet;
  private final float[] bOldValue;
  private final NDArray[] grads;
  // Direct buffers the minibatch tensors are made from (no native allocation per minibatch).
  private final DirectFloats dOneHot = new DirectFloats();
  private final DirectFloats dTeacher = new DirectFloats();
  private final DirectFloats dMask = new DirectFloats();
  private final DirectFloats dOldLogp = new DirectFloats();
  private final DirectFloats dAdv = new DirectFloats();
  private final DirectFloats dRet = new DirectFloats();
  private final DirectFloats dOldValue = new DirectFloats();

  /** @param random the trainer's generator: draws interleave with the other parts' in a fixed order */
  PpoUpdate(ActorCritic policy, TrainConfig cfg, RolloutBuffer buffer, double progress, SplitMix random) {
    this.policy = policy;
    this.cfg = cfg;
    this.random = random;
    this.progress = progress;
    this.logits = policy.logitCount();
    this.parameters = policy.net().getParameters();
    int n = buffer.size();
    int mb = Math.max(1, n / cfg.minibatches);
    index = new int[n];
    normAdv = new float[n];
    bVec = new float[mb * buffer.vecSize];
    bGrid = new float[mb * buffer.gridSize];
    bOneHot = new float[mb * logits];
    bTeacher = new float[mb * logits];
    bMask = new float[mb * logits];
    bOldLogp = new float[mb];
    bAdv = new float[mb];
    bRet = new float[mb];
    bOldValue = new float[mb];
    grads = new NDArray[parameters.size()];
    means = new NDArray[parameters.size()];
    variances = new NDArray[parameters.size()];
    for (int k = 0; k < parameters.size(); k++) {
      NDArray w = parameters.get(k).getValue().getArray();
      means[k] = policy.manager().zeros(w.getShape());
      variances[k] = policy.manager().zeros(w.getShape());
    }
  }

  /** The learning rate at the current progress: linear decay to 0.1% of the initial, or constant. */
  double learningRate() {
    return learningRateAt(progress);
  }

  /** The learning rate of an update made at {@code progress} (a pure function of it: safe from any thread). */
  double learningRateAt(double progress) {
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
    float teacherWeight = (float) cfg.teacherWeightAt(progress);
    double[] sums = new double[6];
    int batches = 0;
    int skipped = 0;
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
        int labels = 0;
        if (teacherWeight > 0) {
          Arrays.fill(bTeacher, 0, mb * logits, 0f);
        }
        for (int k = 0; k < mb; k++) {
          int i = index[start + k];
          if (teacherWeight > 0 && b.teacher[i] >= 0) {
            bTeacher[k * logits + b.teacher[i]] = 1f;
            labels++;
          }
          System.arraycopy(b.vec, i * b.vecSize, bVec, k * b.vecSize, b.vecSize);
          System.arraycopy(b.grid, i * b.gridSize, bGrid, k * b.gridSize, b.gridSize);
          bOneHot[k * logits + b.combos[i]] = 1f;
          for (int l = 0; l < logits; l++) {
            bMask[k * logits + l] = b.masks[i * logits + l] != 0 ? 0f : MASKED;
          }
          bOldLogp[k] = b.logp[i];
          bAdv[k] = normAdv[i];
          bRet[k] = (b.returns[i] - retMean) / retStd;
          // The value the head gave then, in today's normalisation (for value clipping).
          bOldValue[k] = (b.values[i] - retMean) / retStd;
        }
        try (NDManager m = base.newSubManager()) {
          float[] figures = minibatch(m, engine, mb, labels == 0 ? 0f : teacherWeight, labels);
          double sq = figures[6];
          boolean finite = Double.isFinite(sq);
          for (int f = 0; f < 6; f++) {
            finite &= Float.isFinite(figures[f]);
          }
          if (finite) {
            step(m, sq);
            for (int f = 0; f < 6; f++) {
              sums[f] += figures[f];
            }
            batches++;
          } else {
            skipped++;
          }
          clearGradients(m);
        }
      }
    }
    for (int k = 0; k < sums.length; k++) {
      sums[k] = batches == 0 ? Double.NaN : sums[k] / batches;
    }
    return new Losses(sums[0], sums[1], sums[2], sums[3], sums[4], skipped, teacherWeight > 0 ? sums[5] : Double.NaN);
  }

  /**
   * The loss of the minibatch staged in the b* arrays and its gradients; returns, in one host
   * sync, {policy loss, value loss, entropy, approximate KL, clip fraction, teacher cross-entropy
   * (0 without labels), squared gradient norm}.
   *
   * @param teacherWeight the teacher term's weight (0: none)
   * @param labels        rows of the minibatch with a teacher label
   */
  private float[] minibatch(NDManager m, Engine engine, int mb, float teacherWeight, int labels) {
    NDArray oneHot = dOneHot.array(m, bOneHot, 0, new Shape(mb, logits));
    NDArray mask = dMask.array(m, bMask, 0, new Shape(mb, logits));
    NDArray oldLogp = dOldLogp.array(m, bOldLogp, 0, new Shape(mb));
    NDArray adv = dAdv.array(m, bAdv, 0, new Shape(mb));
    NDArray ret = dRet.array(m, bRet, 0, new Shape(mb));
    NDArray ratio;
    NDArray policyLoss;
    NDArray valueLoss;
    NDArray entropy;
    NDArray teacherLoss = null;
    try (GradientCollector gc = engine.newGradientCollector()) {
      NDList out = policy.net().forward(new ParameterStore(m, false), policy.inputs(m, bVec, 0, bGrid, 0, mb), true);
      NDArray ls = out.get(0).add(mask).logSoftmax(1);
      NDArray value = out.get(1).reshape(mb);
      NDArray newLogp = ls.mul(oneHot).sum(new int[] {1});
      entropy = ls.exp().mul(ls).sum(new int[] {1}).neg().mean();
      ratio = newLogp.sub(oldLogp).exp();
      NDArray surr1 = ratio.mul(adv);
      NDArray surr2 = ratio.clip((float) (1 - cfg.clip), (float) (1 + cfg.clip)).mul(adv);
      policyLoss = surr1.minimum(surr2).mean().neg();
      NDArray err = value.sub(ret).square();
      if (cfg.valueClip > 0) {
        NDArray old = dOldValue.array(m, bOldValue, 0, new Shape(mb));
        NDArray clipped = old.add(value.sub(old).clip((float) -cfg.valueClip, (float) cfg.valueClip));
        err = err.maximum(clipped.sub(ret).square());
      }
      valueLoss = err.mean().mul(0.5f);
      NDArray loss = policyLoss.add(valueLoss.mul((float) cfg.valueCoef)).sub(entropy.mul((float) cfg.entropyCoef));
      if (teacherWeight > 0) {
        // A label is never masked (the trainer labels only what the mask allowed): no -1e9 term.
        NDArray labelled = dTeacher.array(m, bTeacher, 0, new Shape(mb, logits));
        teacherLoss = ls.mul(labelled).sum().div((float) labels).neg();
        loss = loss.add(teacherLoss.mul(teacherWeight));
      }
      gc.backward(loss);
    }
    NDArray sq = null;
    for (int k = 0; k < grads.length; k++) {
      NDArray g = parameters.get(k).getValue().getArray().getGradient();
      g.attach(m); // the handle DJL makes for the gradient goes with this minibatch
      grads[k] = g;
      NDArray s = g.square().sum();
      sq = sq == null ? s : sq.add(s);
    }
    NDArray logRatio = ratio.log();
    NDArray kl = ratio.sub(1f).sub(logRatio).mean();
    NDArray clipFraction = ratio.sub(1f).abs().gt((float) cfg.clip).toType(DataType.FLOAT32, false).mean();
    NDArray teacher = teacherLoss != null ? teacherLoss : kl.zerosLike();
    return NDArrays.stack(new NDList(policyLoss, valueLoss, entropy, kl, clipFraction, teacher, sq)).toFloatArray();
  }

  /** Clips the global gradient norm (from its square {@code sq}) and applies Adam. */
  private void step(NDManager m, double sq) {
    double norm = Math.sqrt(sq);
    float scale = norm > cfg.maxGradNorm ? (float) (cfg.maxGradNorm / (norm + 1e-6)) : 1f;
    adamSteps++;
    float lr = (float) learningRate();
    float corrected = (float) (lr * Math.sqrt(1 - Math.pow(BETA2, adamSteps)) / (1 - Math.pow(BETA1, adamSteps)));
    for (int k = 0; k < grads.length; k++) {
      NDArray w = parameters.get(k).getValue().getArray();
      // DJL's fused Adam kernel on our own moments: grad * scale, then the moment and weight updates.
      w.getNDArrayInternal().adamUpdate(new NDList(w, grads[k], means[k], variances[k]), new NDList(w), lr, corrected,
          0f, scale, -1f, BETA1, BETA2, (float) cfg.adamEpsilon, true, false);
    }
  }

  /**
   * Zeroes every gradient with PyTorch's {@code grad.zero_()}: a NaN or an infinity included
   * (subtracting a gradient from itself, as before, kept a NaN forever).
   */
  private void clearGradients(NDManager m) {
    for (int k = 0; k < grads.length; k++) {
      JniUtils.zeroGrad((PtNDArray) parameters.get(k).getValue().getArray());
      grads[k] = null; // closed with the minibatch's manager
    }
  }

  /** Adam's step count and moments. */
  void save(DataOutputStream out) throws IOException {
    out.writeLong(adamSteps);
    for (int k = 0; k < means.length; k++) {
      writeFloats(out, means[k].toFloatArray());
      writeFloats(out, variances[k].toFloatArray());
    }
  }

  void restore(DataInputStream in) throws IOException {
    adamSteps = in.readLong();
    for (int k = 0; k < means.length; k++) {
      readInto(in, means[k]);
      readInto(in, variances[k]);
    }
  }

  private static void writeFloats(DataOutputStream out, float[] v) throws IOException {
    out.writeInt(v.length);
    for (float f : v) {
      out.writeFloat(f);
    }
  }

  private static void readInto(DataInputStream in, NDArray a) throws IOException {
    int n = in.readInt();
    if (n != a.size()) {
      throw new IOException("the saved optimizer state has " + n + " values for a parameter of " + a.size());
    }
    ByteBuffer b = ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder());
    for (int i = 0; i < n; i++) {
      b.putFloat(in.readFloat());
    }
    b.flip();
    a.set(b);
  }
}
