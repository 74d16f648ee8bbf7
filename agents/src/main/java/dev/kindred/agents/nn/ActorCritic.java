package dev.kindred.agents.nn;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.kindred.agents.BatchPolicy;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.StepBatch;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * A neural policy with a value estimate for one world's spec: the {@link ObservationEncoder},
 * the {@link ActorCriticNet} and the {@link ActionHead} (one categorical over the valid
 * combinations of the action's values, masked by the world's mask observation). One forward
 * pass serves every agent of every copy. Each call's NDArrays live in a sub-manager closed at
 * the end of the call, so native memory stays flat; only the parameters live in the policy's
 * manager. Not thread-safe.
 */
public final class ActorCritic implements BatchPolicy, AutoCloseable {
  private final NDManager manager;
  private final ObservationEncoder encoder;
  private final ActionHead head;
  private final ActorCriticNet net;
  private final NetShape shape;
  private final SplitMix random;
  // Scratch for act(): sized on first use for the batch's row count.
  private float[] vector = new float[0];
  private float[] grid = new float[0];
  private float[] logits = new float[0];
  private float[] values = new float[0];
  private byte[] masks = new byte[0];
  private boolean greedy;

  /**
   * The network's size and layout: what a checkpoint must record to rebuild it.
   *
   * @param imageEncoder {@link ActorCriticNet#ENCODERS}: "conv" (3x3, then 3x3 with stride 2) or
   *                     "strided" (3x3 with stride 2, then 3x3: a quarter of the first layer's work)
   * @param init         "orthogonal" (orthogonal weights, zero biases) or "default" (DJL's)
   * @param frontCell    whether the image's channels at the cell the agent faces are also fed
   *                     to the network as features (see {@link ObservationEncoder})
   * @param oneHot       features also fed one-hot, {@code "observation.feature"} (see {@link ObservationEncoder})
   */
  public record NetShape(int hidden, int convChannels, String imageEncoder, String init, boolean frontCell,
      List<String> oneHot) {
    public static final String DEFAULT_ENCODER = "strided";
    public static final String DEFAULT_INIT = "orthogonal";

    public NetShape(int hidden, int convChannels) {
      this(hidden, convChannels, DEFAULT_ENCODER, DEFAULT_INIT, false, List.of());
    }
  }

  /** A policy with the default encoder and initialisation. */
  public ActorCritic(SessionSpec spec, List<String> inputs, int hidden, int convChannels, long seed) {
    this(spec, inputs, new NetShape(hidden, convChannels), seed);
  }

  public ActorCritic(SessionSpec spec, List<String> inputs, NetShape shape, long seed) {
    Djl.engine();
    this.head = new ActionHead(spec.world().actions());
    this.encoder = new ObservationEncoder(spec, inputs, head.maskObservation(), shape.frontCell(), shape.oneHot());
    this.shape = shape;
    this.random = new SplitMix(seed);
    if (encoder.hasGrid() && ActorCriticNet.ENCODERS.contains(shape.imageEncoder())) {
      int[] g = encoder.gridShape();
      int min = ActorCriticNet.minimumSide(shape.imageEncoder());
      if (Math.min(g[1], g[2]) < min) {
        throw new IllegalArgumentException("image_encoder '" + shape.imageEncoder() + "' reads windows of at least "
            + min + " x " + min + " (two 3x3 convolutions without padding, one of stride 2); the window '"
            + encoder.inputNames().get(0) + "' of " + spec.worldId() + " is " + g[1] + " x " + g[2] + ": use a larger "
            + "view_size" + (min > ActorCriticNet.minimumSide("conv") && Math.min(g[1], g[2])
                >= ActorCriticNet.minimumSide("conv") ? ", or image_encoder 'conv' (at least 5 x 5)" : ""));
      }
    }
    this.manager = NDManager.newBaseManager("PyTorch");
    this.net = new ActorCriticNet(encoder.hasGrid(), head.size(), shape);
    // DJL's initializers draw from the engine's global generator: seed it for reproducible nets.
    ai.djl.engine.Engine.getEngine("PyTorch").setRandomSeed((int) (seed ^ (seed >>> 32)));
    net.initialize(manager, DataType.FLOAT32, inputShapes(1));
    net.initializeOrthogonal(shape.init(), seed);
  }

  /** A policy of the same architecture and spec with a copy of this one's parameters. */
  public ActorCritic copy(SessionSpec spec, List<String> inputs, long seed) {
    ActorCritic c = new ActorCritic(spec, inputs, shape, seed);
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

  public ActionHead head() {
    return head;
  }

  public ActorCriticNet net() {
    return net;
  }

  public NetShape shape() {
    return shape;
  }

  public NDManager manager() {
    return manager;
  }

  /** The generator {@link #act} samples with (its state is part of a training checkpoint). */
  public SplitMix random() {
    return random;
  }

  /** The number of logits per row: one per valid combination of the action's values. */
  public int logitCount() {
    return head.size();
  }

  /** Greedy: take the most probable allowed combination instead of sampling. */
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
      l.get(logitsOut, 0, rows * head.size());
      FloatBuffer v = out.get(1).toByteBuffer().asFloatBuffer();
      v.get(valuesOut, 0, rows);
    }
  }

  /**
   * Samples each row's action among the combinations its mask allows, with {@code random}
   * (greedy: the most probable), writing the combination, the action values and the
   * log-probability; see {@link ActionHead#sample}.
   */
  public void sample(float[] logitsIn, byte[] masksIn, int maskOffset, int rows, SplitMix random, int[] combosOut,
      int[] actions, float[] logpOut) {
    head.sample(logitsIn, masksIn, maskOffset, rows, random, greedy, combosOut, actions, logpOut);
  }

  @Override
  public void act(StepBatch observation, int[] actions) {
    int rows = observation.copies() * observation.agents();
    ensureScratch(rows);
    encoder.encode(observation, vector, 0, grid, 0);
    head.readMasks(observation, rows, masks, 0);
    forward(vector, 0, grid, 0, rows, logits, values);
    sample(logits, masks, 0, rows, random, null, actions, null);
  }

  private void ensureScratch(int rows) {
    if (vector.length != rows * encoder.vectorSize()) {
      vector = new float[rows * encoder.vectorSize()];
      grid = new float[rows * encoder.gridSize()];
      logits = new float[rows * head.size()];
      values = new float[rows];
      masks = new byte[rows * head.size()];
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
    loadParameters(data, true);
  }

  /**
   * Makes this policy act as {@code source} does now: a copy of its parameters, kept out of
   * autograd (an acting copy is never trained; see {@code overlap} in the trainer).
   */
  public void copyParametersFrom(ActorCritic source) {
    if (!copiedOnce) {
      // The first copy gives this policy arrays of its own outside autograd; later ones copy into them in place.
      loadParameters(source.saveParameters(), false);
      copiedOnce = true;
      return;
    }
    var mine = net.getParameters();
    var theirs = source.net.getParameters();
    for (int k = 0; k < mine.size(); k++) {
      theirs.get(k).getValue().getArray().copyTo(mine.get(k).getValue().getArray());
    }
  }

  /** Whether {@link #copyParametersFrom} has given this policy its own non-trainable arrays. */
  private boolean copiedOnce;

  private void loadParameters(byte[] data, boolean trainable) {
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
      if (trainable && p.getValue().requiresGradient()) {
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
