package dev.kindred.agents.ppo;

import dev.kindred.agents.nn.NextObservationPredictor;
import dev.kindred.agents.nn.SplitMix;
import java.util.Arrays;

/**
 * Surprise minimisation ({@code aux_surprise_weight > 0}): a next-observation predictor's squared
 * error on each step, times {@code -aux_surprise_weight}, is added to the step's reward before
 * GAE; then the predictor trains on the rollout (one pass of {@code minibatches} minibatches).
 */
final class SurpriseBonus implements AutoCloseable {
  /** What one rollout's bonus came to. */
  record Effect(double intrinsicReward, double predictorLoss) {
    static final Effect NONE = new Effect(Double.NaN, Double.NaN);
  }

  private final NextObservationPredictor predictor;
  private final float weight;
  private final int minibatches;
  private final SplitMix random;
  // Inputs (observation, one-hot joint action) and targets (next observation) of every step, and scratch.
  private final float[] in;
  private final float[] target;
  private final float[] surprise;
  private final int[] valid;
  private final float[] batchIn;
  private final float[] batchTarget;

  /** @param random the trainer's generator: draws interleave with the other parts' in a fixed order */
  SurpriseBonus(TrainConfig cfg, RolloutBuffer buffer, int logitCount, SplitMix random) {
    this.predictor = new NextObservationPredictor(buffer.gridSize + buffer.vecSize, logitCount, cfg.auxHidden,
        cfg.auxLearningRate, cfg.seed);
    this.weight = (float) cfg.auxSurpriseWeight;
    this.minibatches = cfg.minibatches;
    this.random = random;
    int n = buffer.size();
    in = new float[n * predictor.inputSize()];
    target = new float[n * predictor.obsSize()];
    surprise = new float[n];
    valid = new int[n];
    int mb = Math.max(1, n / minibatches);
    batchIn = new float[mb * predictor.inputSize()];
    batchTarget = new float[mb * predictor.obsSize()];
  }

  /** Adds the bonus to the rollout's rewards, then trains the predictor on the rollout. */
  Effect apply(RolloutBuffer b) {
    int n = b.size();
    int obs = predictor.obsSize();
    int inSize = predictor.inputSize();
    for (int i = 0; i < n; i++) {
      int t = i / b.rows;
      int r = i % b.rows;
      int a = i * inSize;
      System.arraycopy(b.grid, i * b.gridSize, in, a, b.gridSize);
      System.arraycopy(b.vec, i * b.vecSize, in, a + b.gridSize, b.vecSize);
      Arrays.fill(in, a + obs, a + inSize, 0f);
      in[a + obs + b.combos[i]] = 1f; // the action, one-hot over the head's combinations
      boolean last = t == b.horizon - 1;
      int next = last ? r : i + b.rows;
      System.arraycopy(last ? b.nextGrid : b.grid, next * b.gridSize, target, i * obs, b.gridSize);
      System.arraycopy(last ? b.nextVec : b.vec, next * b.vecSize, target, i * obs + b.gridSize, b.vecSize);
    }
    predictor.surprise(in, target, n, surprise);
    double sum = 0;
    int count = 0;
    for (int i = 0; i < n; i++) {
      if (b.ignored[i] != 0) {
        continue; // a reset step: its "next observation" starts another episode
      }
      valid[count++] = i;
      b.rewards[i] -= weight * surprise[i];
      sum -= weight * surprise[i];
    }
    if (count == 0) {
      return Effect.NONE;
    }
    for (int k = count - 1; k > 0; k--) {
      int j = random.nextInt(k + 1);
      int tmp = valid[k];
      valid[k] = valid[j];
      valid[j] = tmp;
    }
    int mb = Math.max(1, count / minibatches);
    double loss = 0;
    int batches = 0;
    for (int start = 0; start + mb <= count; start += mb) {
      for (int k = 0; k < mb; k++) {
        int i = valid[start + k];
        System.arraycopy(in, i * inSize, batchIn, k * inSize, inSize);
        System.arraycopy(target, i * obs, batchTarget, k * obs, obs);
      }
      loss += predictor.train(batchIn, batchTarget, mb);
      batches++;
    }
    return new Effect(sum / count, loss / batches);
  }

  @Override
  public void close() {
    predictor.close();
  }
}
