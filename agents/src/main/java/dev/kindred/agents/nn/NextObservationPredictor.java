package dev.kindred.agents.nn;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import java.nio.FloatBuffer;

/**
 * The surprise-minimisation auxiliary: a small MLP that predicts an agent's next encoded
 * observation (image flattened, then the feature vector) from its current one and its action
 * (one-hot per head). Its squared prediction error per row is the agent's surprise; the trainer
 * adds {@code -weight * surprise} as a dense intrinsic reward and trains the predictor on each
 * rollout with its own Adam. Each call's NDArrays live in a sub-manager; one GradientCollector
 * at a time. Not thread-safe.
 */
public final class NextObservationPredictor implements AutoCloseable {
  private static final int CHUNK = 512;

  private final NDManager manager;
  private final SequentialBlock net;
  private final Optimizer optimizer;
  private final int obsSize;
  private final int actionSize;
  private final DirectFloats input = new DirectFloats();
  private final DirectFloats target = new DirectFloats();

  /**
   * @param obsSize    floats of an encoded observation (image and vector together)
   * @param actionSize sum of the action heads' sizes (the one-hot action)
   */
  public NextObservationPredictor(int obsSize, int actionSize, int hidden, double learningRate, long seed) {
    Djl.engine();
    this.manager = NDManager.newBaseManager("PyTorch");
    this.obsSize = obsSize;
    this.actionSize = actionSize;
    this.net = new SequentialBlock()
        .add(Linear.builder().setUnits(hidden).build())
        .add(Activation::tanh)
        .add(Linear.builder().setUnits(obsSize).build());
    Engine.getEngine("PyTorch").setRandomSeed((int) (seed ^ (seed >>> 32)) + 1);
    net.initialize(manager, DataType.FLOAT32, new Shape(1, obsSize + actionSize));
    this.optimizer = Adam.builder().optLearningRateTracker(Tracker.fixed((float) learningRate)).build();
  }

  public int inputSize() {
    return obsSize + actionSize;
  }

  public int obsSize() {
    return obsSize;
  }

  /**
   * Per-row squared prediction error, mean over the observation's floats.
   *
   * @param inputs  {@code [rows * inputSize]}: observation then one-hot action
   * @param targets {@code [rows * obsSize]}: the next observation
   * @param out     {@code [rows]}
   */
  public void surprise(float[] inputs, float[] targets, int rows, float[] out) {
    for (int start = 0; start < rows; start += CHUNK) {
      int n = Math.min(CHUNK, rows - start);
      try (NDManager m = manager.newSubManager()) {
        NDArray x = input.array(m, inputs, start * inputSize(), new Shape(n, inputSize()));
        NDArray y = target.array(m, targets, start * obsSize, new Shape(n, obsSize));
        NDArray p = net.forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow();
        FloatBuffer e = p.sub(y).square().mean(new int[] {1}).toByteBuffer().asFloatBuffer();
        e.get(out, start, n);
      }
    }
  }

  /**
   * One Adam step on the mean squared error of {@code rows} rows.
   *
   * @return the loss before the step
   */
  public double train(float[] inputs, float[] targets, int rows) {
    try (NDManager m = manager.newSubManager()) {
      NDArray x = input.array(m, inputs, 0, new Shape(rows, inputSize()));
      NDArray y = target.array(m, targets, 0, new Shape(rows, obsSize));
      NDArray loss;
      try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
        NDArray p = net.forward(new ParameterStore(m, false), new NDList(x), true).singletonOrThrow();
        loss = p.sub(y).square().mean();
        gc.backward(loss);
      }
      for (Pair<String, Parameter> w : net.getParameters()) {
        NDArray g = w.getValue().getArray().getGradient();
        g.attach(m);
        optimizer.update(w.getKey(), w.getValue().getArray(), g);
        g.subi(g);
      }
      return loss.getFloat();
    }
  }

  @Override
  public void close() {
    manager.close();
  }
}
