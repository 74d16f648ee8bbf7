package dev.kindred.agents.nn;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.kindred.agents.BatchPolicy;
import dev.kindred.env.ActionDimension;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.StepBatch;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A neural policy with a value estimate for one world's spec: the {@link ObservationEncoder},
 * the {@link ActorCriticNet} and the sampling of multi-discrete actions. One forward pass
 * serves every agent of every copy. Each call's NDArrays live in a sub-manager closed at the
 * end of the call, so native memory stays flat; only the parameters live in the policy's
 * manager. Not thread-safe.
 */
public final class ActorCritic implements BatchPolicy, AutoCloseable {
  private final NDManager manager;
  private final ObservationEncoder encoder;
  private final ActorCriticNet net;
  private final int[] actionSizes;
  private final int logits;
  private final int hidden;
  private final int convChannels;
  private final SplittableRandom random;
  // Scratch for act(): sized on first use for the batch's row count.
  private float[] vector = new float[0];
  private float[] grid = new float[0];
  private float[] logp = new float[0];
  private float[] values = new float[0];
  private boolean greedy;

  public ActorCritic(SessionSpec spec, List<String> inputs, int hidden, int convChannels, long seed) {
    Djl.engine();
    this.manager = NDManager.newBaseManager("PyTorch");
    this.encoder = new ObservationEncoder(spec, inputs);
    this.actionSizes = spec.world().actions().dimensions().stream().mapToInt(ActionDimension::numValues).toArray();
    int sum = 0;
    for (int n : actionSizes) {
      sum += n;
    }
    this.logits = sum;
    this.hidden = hidden;
    this.convChannels = convChannels;
    this.random = new SplittableRandom(seed);
    this.net = new ActorCriticNet(encoder.hasGrid(), logits, hidden, convChannels);
    // DJL's initializers draw from the engine's global generator: seed it for reproducible nets.
    ai.djl.engine.Engine.getEngine("PyTorch").setRandomSeed((int) (seed ^ (seed >>> 32)));
    net.initialize(manager, DataType.FLOAT32, inputShapes(1));
  }

  /** A policy of the same architecture and spec with a copy of this one's parameters. */
  public ActorCritic copy(SessionSpec spec, List<String> inputs, long seed) {
    ActorCritic c = new ActorCritic(spec, inputs, hidden, convChannels, seed);
    c.loadParameters(saveParameters());
    return c;
  }

  private Shape[] inputShapes(long rows) {
    Shape v = new Shape(rows, encoder.vectorSize());
    if (encoder.hasGrid()) {
      int[] g = encoder.gridShape();
      return new Shape[] {new Shape(rows, g[0], g[1], g[2]), v};
    }
    return new Shape[] {v};
  }

  public ObservationEncoder encoder() {
    return encoder;
  }

  public ActorCriticNet net() {
    return net;
  }

  public NDManager manager() {
    return manager;
  }

  public int[] actionSizes() {
    return actionSizes.clone();
  }

  public int logitCount() {
    return logits;
  }

  /** Greedy: take each head's most probable value instead of sampling. */
  public ActorCritic greedy(boolean greedy) {
    this.greedy = greedy;
    return this;
  }

  private final DirectFloats vectorInput = new DirectFloats();
  private final DirectFloats gridInput = new DirectFloats();

  /**
   * The network's inputs for {@code rows} rows as NDArrays of {@code m}, made in place from this
   * policy's reusable direct buffers: close them (close {@code m}) before the next call.
   */
  public NDList inputs(NDManager m, float[] vectorData, int vectorOffset, float[] gridData, int gridOffset, int rows) {
    NDArray v = vectorInput.array(m, vectorData, vectorOffset, new Shape(rows, encoder.vectorSize()));
    if (!encoder.hasGrid()) {
      return new NDList(v);
    }
    int[] g = encoder.gridShape();
    NDArray img = gridInput.array(m, gridData, gridOffset, new Shape(rows, g[0], g[1], g[2]));
    return new NDList(img, v);
  }

  /**
   * One inference pass over encoded rows.
   *
   * @param logitsOut out: {@code [rows * logitCount]}
   * @param valuesOut out: {@code [rows]}
   */
  public void forward(float[] vectorData, int vectorOffset, float[] gridData, int gridOffset, int rows,
      float[] logitsOut, float[] valuesOut) {
    try (NDManager m = manager.newSubManager()) {
      NDList out = net.forward(new ParameterStore(m, false),
          inputs(m, vectorData, vectorOffset, gridData, gridOffset, rows), false);
      FloatBuffer l = out.get(0).toByteBuffer().asFloatBuffer();
      l.get(logitsOut, 0, rows * logits);
      FloatBuffer v = out.get(1).toByteBuffer().asFloatBuffer();
      v.get(valuesOut, 0, rows);
    }
  }

  /**
   * Samples (or, greedy, picks) every head's value from the logits of each row and writes the
   * joint log-probability.
   */
  public void sample(float[] logitsIn, int rows, int[] actions, float[] logpOut) {
    int dims = actionSizes.length;
    for (int r = 0; r < rows; r++) {
      double lp = 0;
      int base = r * logits;
      for (int d = 0; d < dims; d++) {
        int n = actionSizes[d];
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < n; k++) {
          max = Math.max(max, logitsIn[base + k]);
        }
        double z = 0;
        for (int k = 0; k < n; k++) {
          z += Math.exp(logitsIn[base + k] - max);
        }
        int pick = n - 1;
        if (greedy) {
          for (int k = 0; k < n; k++) {
            if (logitsIn[base + k] == max) {
              pick = k;
              break;
            }
          }
        } else {
          double u = random.nextDouble() * z;
          for (int k = 0; k < n; k++) {
            u -= Math.exp(logitsIn[base + k] - max);
            if (u < 0) {
              pick = k;
              break;
            }
          }
        }
        actions[r * dims + d] = pick;
        lp += logitsIn[base + pick] - max - Math.log(z);
        base += n;
      }
      if (logpOut != null) {
        logpOut[r] = (float) lp;
      }
    }
  }

  @Override
  public void act(StepBatch observation, int[] actions) {
    int rows = observation.copies() * observation.agents();
    ensureScratch(rows);
    encoder.encode(observation, vector, 0, grid, 0);
    forward(vector, 0, grid, 0, rows, logp, values);
    sample(logp, rows, actions, null);
  }

  private void ensureScratch(int rows) {
    if (vector.length != rows * encoder.vectorSize()) {
      vector = new float[rows * encoder.vectorSize()];
      grid = new float[rows * encoder.gridSize()];
      logp = new float[rows * logits];
      values = new float[rows];
    }
  }

  /** The parameters in DJL's block format. */
  public byte[] saveParameters() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      net.saveParameters(out);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * Replaces the parameters with ones saved by {@link #saveParameters}.
   *
   * @throws IllegalArgumentException when they are not parameters of this architecture
   */
  public void loadParameters(byte[] data) {
    // DJL's Parameter.load replaces each parameter's array with a freshly decoded one that does
    // not require gradients: a resumed run then failed on its first backward pass ("element 0
    // of tensors does not require grad"). Mark the new arrays trainable and free the old ones.
    List<NDArray> old = new java.util.ArrayList<>();
    for (ai.djl.util.Pair<String, ai.djl.nn.Parameter> p : net.getParameters()) {
      if (p.getValue().isInitialized()) {
        old.add(p.getValue().getArray());
      }
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
      net.loadParameters(manager, in);
      if (in.read() != -1) {
        throw new MalformedModelException("trailing bytes after the parameters");
      }
    } catch (IOException | MalformedModelException | RuntimeException e) {
      throw new IllegalArgumentException("the parameters do not fit this network ("
          + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")", e);
    }
    java.util.Set<NDArray> current = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (ai.djl.util.Pair<String, ai.djl.nn.Parameter> p : net.getParameters()) {
      NDArray a = p.getValue().getArray();
      if (p.getValue().requiresGradient()) {
        a.setRequiresGradient(true);
      }
      current.add(a);
    }
    for (NDArray a : old) {
      if (!current.contains(a)) {
        a.close();
      }
    }
  }

  @Override
  public void close() {
    manager.close();
  }
}
