package dev.kindred.agents.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;

/**
 * The actor-critic network: inputs {@code [vector]} or {@code [image, vector]}, outputs
 * {@code [logits (rows, action combinations), value (rows, 1)]}.
 *
 * <p>With an image (the energy world's egocentric channels, kinship among them): two 3x3
 * convolutions (one of them with stride 2, see {@link #ENCODERS}) and a linear layer, joined
 * with an encoding of the vector (the globals); without one (the spin worlds): an MLP. One
 * linear policy head (the joint {@link ActionHead}'s logits) and one value head.
 *
 * <p>Initialisation "orthogonal" (as CleanRL's PPO does): orthogonal weight matrices (a
 * convolution's flattened to {@code out x in*k*k}) with gain sqrt(2) in the hidden layers,
 * 0.01 in the policy head (a near-uniform first policy) and 1 in the value head; zero biases.
 */
public final class ActorCriticNet extends AbstractBlock {
  private final boolean image;
  private final int logits;
  private final Block imageEncoder;
  private final Block vectorEncoder;
  private final Block trunk;
  private final Block policyHead;
  private final Block valueHead;

  /**
   * @param image        whether the first input is an image
   * @param logits       sum of the action dimensions' sizes
   * @param hidden       width of the hidden layers
   * @param convChannels channels of the convolutions (with an image)
   */
  /** The image encoders: "conv" (3x3, then 3x3 stride 2) and "strided" (3x3 stride 2, then 3x3). */
  public static final java.util.List<String> ENCODERS = java.util.List.of("conv", "strided");

  /**
   * The smallest image side an encoder reads (no padding): "conv" 5 (3x3 leaves 3, stride 2 then
   * 1), "strided" 7 (3x3 stride 2 leaves 3, then 3x3 leaves 1).
   */
  public static int minimumSide(String encoder) {
    return encoder.equals("strided") ? 7 : 5;
  }

  public ActorCriticNet(boolean image, int logits, ActorCritic.NetShape shape) {
    super((byte) 1);
    this.image = image;
    this.logits = logits;
    int hidden = shape.hidden();
    int convChannels = shape.convChannels();
    if (!ENCODERS.contains(shape.imageEncoder())) {
      throw new IllegalArgumentException("unknown image encoder '" + shape.imageEncoder() + "'; expected one of " + ENCODERS);
    }
    boolean stridedFirst = shape.imageEncoder().equals("strided");
    if (image) {
      imageEncoder = addChildBlock("image", new SequentialBlock()
          .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optStride(stridedFirst ? new Shape(2, 2) : new Shape(1, 1))
              .setFilters(convChannels).build())
          .add(Activation::relu)
          .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optStride(stridedFirst ? new Shape(1, 1) : new Shape(2, 2))
              .setFilters(convChannels).build())
          .add(Activation::relu)
          .add(Blocks.batchFlattenBlock())
          .add(Linear.builder().setUnits(hidden).build())
          .add(Activation::relu));
    } else {
      imageEncoder = null;
    }
    vectorEncoder = addChildBlock("vector", new SequentialBlock()
        .add(Linear.builder().setUnits(hidden).build())
        .add(Activation::tanh));
    trunk = addChildBlock("trunk", new SequentialBlock()
        .add(Linear.builder().setUnits(hidden).build())
        .add(Activation::tanh));
    policyHead = addChildBlock("policy", Linear.builder().setUnits(logits).build());
    valueHead = addChildBlock("value", Linear.builder().setUnits(1).build());
    // Small initial logits: the untrained policy is close to uniform (also with init "default").
    policyHead.setInitializer(new NormalInitializer(0.01f), Parameter.Type.WEIGHT);
  }

  /**
   * Re-initialises the parameters ({@code "orthogonal"}; {@code "default"} keeps DJL's), drawing
   * from a generator seeded with {@code seed}.
   */
  void initializeOrthogonal(String init, long seed) {
    if (init.equals("default")) {
      return;
    }
    if (!init.equals("orthogonal")) {
      throw new IllegalArgumentException("unknown init '" + init + "'; expected orthogonal or default");
    }
    SplitMix random = new SplitMix(seed ^ 0x5DEECE66DL);
    double hiddenGain = Math.sqrt(2);
    for (Block b : image ? new Block[] {imageEncoder, vectorEncoder, trunk} : new Block[] {vectorEncoder, trunk}) {
      Orthogonal.initialize(b, hiddenGain, random);
    }
    Orthogonal.initialize(policyHead, 0.01, random);
    Orthogonal.initialize(valueHead, 1.0, random);
  }

  @Override
  protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
      PairList<String, Object> params) {
    NDArray h;
    if (image) {
      NDArray g = imageEncoder.forward(store, new NDList(inputs.get(0)), training).singletonOrThrow();
      NDArray v = vectorEncoder.forward(store, new NDList(inputs.get(1)), training).singletonOrThrow();
      h = NDArrays.concat(new NDList(g, v), 1);
    } else {
      h = vectorEncoder.forward(store, new NDList(inputs.get(0)), training).singletonOrThrow();
    }
    h = trunk.forward(store, new NDList(h), training).singletonOrThrow();
    NDArray l = policyHead.forward(store, new NDList(h), training).singletonOrThrow();
    NDArray v = valueHead.forward(store, new NDList(h), training).singletonOrThrow();
    return new NDList(l, v);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputs) {
    long rows = inputs[0].get(0);
    return new Shape[] {new Shape(rows, logits), new Shape(rows, 1)};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    long features;
    Shape vector;
    if (image) {
      imageEncoder.initialize(manager, dataType, inputShapes[0]);
      vector = inputShapes[1];
      vectorEncoder.initialize(manager, dataType, vector);
      features = imageEncoder.getOutputShapes(new Shape[] {inputShapes[0]})[0].get(1)
          + vectorEncoder.getOutputShapes(new Shape[] {vector})[0].get(1);
    } else {
      vector = inputShapes[0];
      vectorEncoder.initialize(manager, dataType, vector);
      features = vectorEncoder.getOutputShapes(new Shape[] {vector})[0].get(1);
    }
    Shape h = new Shape(inputShapes[0].get(0), features);
    trunk.initialize(manager, dataType, h);
    Shape t = trunk.getOutputShapes(new Shape[] {h})[0];
    policyHead.initialize(manager, dataType, t);
    valueHead.initialize(manager, dataType, t);
  }
}
