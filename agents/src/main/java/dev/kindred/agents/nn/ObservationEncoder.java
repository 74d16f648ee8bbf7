package dev.kindred.agents.nn;

import dev.kindred.agents.WindowImage;
import dev.kindred.env.DType;
import dev.kindred.env.Scope;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.StepBatch;
import dev.kindred.env.TensorSpec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a batch of observations into the network's inputs, one row per agent of every copy
 * ({@code rows = copies * agents}, copy-major as the batch is): an optional image
 * {@code [rows, C, H, W]} (the first selected per-agent UINT8 tensor of rank 3, e.g. the energy
 * world's {@code grid}, or of token triples {@code [slots, 3]}, e.g. its {@code tokens}, scattered
 * into the window they describe: {@link WindowImage}) and a feature vector {@code [rows, V]}
 * (every other selected tensor flattened; copy-scoped tensors repeated for each agent of their
 * copy). The energy world's {@code grid} and {@code tokens} give the same inputs. Encoding
 * tokens reuses one buffer: one thread at a time may call {@link #encode}.
 *
 * <p>Values are squashed so that counts, energies and precisions share one range: image bytes
 * through a 256-entry table {@code log2(1 + v)} (0, 1, 1.58, ..., 8), vector features through
 * {@code symlog(x) = sign(x) ln(1 + |x|)}. Both are monotone, so nothing is lost.
 *
 * <p>With {@code frontCell}, the image's channels at the cell in front of the agent (one step
 * from the window's centre in the direction of the centre's {@code agent_orientation} channel,
 * {@code 1 + orientation}: 1 up, 2 right, 3 down, 4 left) are appended to the feature vector,
 * through the image's table: the cell its use, swap and give act on, as a direct input.
 *
 * <p>With {@code oneHot} features ({@code "observation.feature"}, whole numbers with finite
 * bounds in the spec), each is also appended one-hot: one input per value from its low to its
 * high bound, 1 at the feature's value (all 0 for a value outside them).
 */
public final class ObservationEncoder {
  private static final float[] BYTE_TABLE = new float[256];

  static {
    for (int v = 0; v < 256; v++) {
      BYTE_TABLE[v] = (float) (Math.log1p(v) / Math.log(2));
    }
  }

  private final int agents;
  /** The image input, or null. */
  private final WindowImage image;
  private final int[] gridShape; // C, H, W
  private final List<String> vectorNames = new ArrayList<>();
  private final List<Integer> vectorSizes = new ArrayList<>();
  private final List<Boolean> vectorPerAgent = new ArrayList<>();
  private final List<DType> vectorTypes = new ArrayList<>();
  private final int vectorSize;
  /** Channel of the image that holds 1 + the agent's orientation; -1 without the front-cell input. */
  private final int orientationChannel;
  /** Where the front cell's channels start in the feature vector (the vector's tail). */
  private final int frontOffset;
  /** Per one-hot feature: its observation's index among the vector inputs, the element, the low bound, the width. */
  private final int[][] oneHot;
  /** Where the one-hot inputs start in the feature vector. */
  private final int oneHotOffset;
  private static final int[] DX = {0, 1, 0, -1};
  private static final int[] DY = {-1, 0, 1, 0};

  /**
   * @param inputs names of the observations to use; null or empty: every per-agent tensor
   */
  public ObservationEncoder(SessionSpec spec, List<String> inputs) {
    this(spec, inputs, null);
  }

  /**
   * @param inputs names of the observations to use; null or empty: every per-agent tensor but
   *               {@code mask} (the action mask, which the policy applies to its head instead)
   * @param mask   the action-mask observation's name, or null
   */
  public ObservationEncoder(SessionSpec spec, List<String> inputs, String mask) {
    this(spec, inputs, mask, false);
  }

  /**
   * @param frontCell append the image's channels at the cell the agent faces (needs an image with
   *                  an {@code agent_orientation} channel)
   */
  public ObservationEncoder(SessionSpec spec, List<String> inputs, String mask, boolean frontCell) {
    this(spec, inputs, mask, frontCell, List.of());
  }

  /**
   * @param oneHot features also fed one-hot, {@code "observation.feature"}: the observation must be
   *               one of the vector inputs, the feature whole-numbered with finite bounds
   */
  public ObservationEncoder(SessionSpec spec, List<String> inputs, String mask, boolean frontCell,
      List<String> oneHot) {
    this.agents = spec.agents();
    if (agents == 0) {
      throw new IllegalArgumentException(spec.worldId() + " has no agents for a policy to control"
          + (spec.worldId().startsWith("spin.") ? "; list spins in the world config's 'controlled'" : ""));
    }
    WindowImage window = null;
    int[] shape = null;
    int v = 0;
    for (String name : inputs == null ? List.<String>of() : inputs) {
      if (!spec.hasObservation(name)) {
        throw new IllegalArgumentException("input '" + name + "' is not an observation of " + spec.worldId()
            + "; it has " + spec.observations().stream().map(TensorSpec::name).toList());
      }
    }
    for (int i = 0; i < spec.observations().size(); i++) {
      TensorSpec t = spec.observations().get(i);
      boolean selected = inputs == null || inputs.isEmpty() ? t.scope() == Scope.AGENT && !t.name().equals(mask)
          : inputs.contains(t.name());
      if (!selected) {
        continue;
      }
      if (window == null && (WindowImage.isImage(t) || WindowImage.isTokens(t))) {
        window = WindowImage.of(spec, t);
        shape = window.shape();
        continue;
      }
      int n = t.blockElements();
      vectorNames.add(t.name());
      vectorSizes.add(n);
      vectorPerAgent.add(t.scope() == Scope.AGENT);
      vectorTypes.add(t.dtype());
      v += n;
    }
    if (window == null && v == 0) {
      throw new IllegalArgumentException("no observation of " + spec.worldId() + " selected as network input");
    }
    this.image = window;
    this.gridShape = shape;
    int orientation = -1;
    if (frontCell) {
      if (window == null) {
        throw new IllegalArgumentException("front_cell needs an image observation; " + spec.worldId() + " gives the "
            + "network none");
      }
      TensorSpec image = spec.observation(window.observation());
      orientation = image.features().stream().filter(f -> f.name().equals("agent_orientation"))
          .mapToInt(dev.kindred.env.FeatureSpec::index).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("front_cell needs an 'agent_orientation' channel in '"
              + image.name() + "'; it has " + image.features().stream().map(dev.kindred.env.FeatureSpec::name).toList()));
      if (shape[1] % 2 == 0 || shape[1] != shape[2] || shape[1] < 3) {
        throw new IllegalArgumentException("front_cell needs a square window of odd side >= 3 centred on the agent; '"
            + image.name() + "' is " + shape[1] + "x" + shape[2]);
      }
    }
    this.orientationChannel = orientation;
    this.frontOffset = v;
    this.oneHotOffset = v + (frontCell ? shape[0] : 0);
    this.oneHot = new int[oneHot.size()][];
    int width = 0;
    for (int k = 0; k < oneHot.size(); k++) {
      this.oneHot[k] = oneHotFeature(spec, oneHot.get(k));
      width += this.oneHot[k][3];
    }
    this.vectorSize = oneHotOffset + width;
  }

  /** {vector input index, element, low, width} of a one-hot feature, or an error naming what is wrong. */
  private int[] oneHotFeature(SessionSpec spec, String name) {
    int dot = name.indexOf('.');
    if (dot <= 0 || dot == name.length() - 1) {
      throw new IllegalArgumentException("one_hot entry '" + name + "' is not observation.feature, e.g. "
          + "globals.orientation");
    }
    String obs = name.substring(0, dot);
    String feature = name.substring(dot + 1);
    int input = vectorNames.indexOf(obs);
    if (input < 0) {
      throw new IllegalArgumentException("one_hot entry '" + name + "': '" + obs + "' is not a vector input of the "
          + "network; they are " + vectorNames);
    }
    TensorSpec t = spec.observation(obs);
    dev.kindred.env.FeatureSpec f = t.features().stream().filter(x -> x.name().equals(feature)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("one_hot entry '" + name + "': " + obs + " has no feature '"
            + feature + "'; it has " + t.features().stream().map(dev.kindred.env.FeatureSpec::name).limit(40).toList()));
    Double low = f.low() != null ? f.low() : t.low();
    Double high = f.high() != null ? f.high() : t.high();
    if (low == null || high == null || !Double.isFinite(low) || !Double.isFinite(high) || low != Math.rint(low)
        || high != Math.rint(high) || high - low + 1 > 64) {
      throw new IllegalArgumentException("one_hot entry '" + name + "' needs whole-numbered finite bounds spanning at "
          + "most 64 values; the spec gives [" + low + ", " + high + "]");
    }
    return new int[] {input, f.index(), (int) (double) low, (int) (high - low) + 1};
  }

  public boolean hasGrid() {
    return image != null;
  }

  /** {C, H, W} of the image input, or null. */
  public int[] gridShape() {
    return gridShape == null ? null : gridShape.clone();
  }

  /** Floats per row of the image input (0 without one). */
  public int gridSize() {
    return gridShape == null ? 0 : gridShape[0] * gridShape[1] * gridShape[2];
  }

  /** Floats per row of the feature vector. */
  public int vectorSize() {
    return vectorSize;
  }

  /** Names of the observations fed to the network. */
  public List<String> inputNames() {
    List<String> out = new ArrayList<>();
    if (image != null) {
      out.add(image.observation());
    }
    out.addAll(vectorNames);
    return out;
  }

  /**
   * Writes every row of the batch.
   *
   * @param vector out: {@code [rows * vectorSize]} from {@code vectorOffset}
   * @param grid   out: {@code [rows * gridSize]} from {@code gridOffset}; ignored without an image
   */
  public void encode(StepBatch batch, float[] vector, int vectorOffset, float[] grid, int gridOffset) {
    int rows = batch.copies() * agents;
    ByteBuffer img = image == null ? null : image.image(batch);
    if (img != null) {
      int n = rows * gridSize();
      if (img.hasArray()) {
        byte[] a = img.array();
        int o = img.arrayOffset();
        for (int k = 0; k < n; k++) {
          grid[gridOffset + k] = BYTE_TABLE[a[o + k] & 0xFF];
        }
      } else {
        for (int k = 0; k < n; k++) {
          grid[gridOffset + k] = BYTE_TABLE[img.get(k) & 0xFF];
        }
      }
    }
    int off = 0;
    for (int t = 0; t < vectorNames.size(); t++) {
      ByteBuffer b = batch.observation(vectorNames.get(t));
      DType type = vectorTypes.get(t);
      int size = vectorSizes.get(t);
      boolean perAgent = vectorPerAgent.get(t);
      for (int r = 0; r < rows; r++) {
        int src = (perAgent ? r : r / agents) * size;
        int dst = vectorOffset + r * vectorSize + off;
        for (int i = 0; i < size; i++) {
          vector[dst + i] = symlog(read(b, type, src + i));
        }
      }
      off += size;
    }
    if (orientationChannel >= 0) {
      encodeFront(img, rows, vector, vectorOffset);
    }
    int dst = oneHotOffset;
    for (int[] h : oneHot) {
      ByteBuffer b = batch.observation(vectorNames.get(h[0]));
      DType type = vectorTypes.get(h[0]);
      int size = vectorSizes.get(h[0]);
      boolean perAgent = vectorPerAgent.get(h[0]);
      for (int r = 0; r < rows; r++) {
        int at = vectorOffset + r * vectorSize + dst;
        java.util.Arrays.fill(vector, at, at + h[3], 0f);
        double x = read(b, type, (perAgent ? r : r / agents) * size + h[1]);
        long k = Math.round(x) - h[2];
        if (x == Math.rint(x) && k >= 0 && k < h[3]) {
          vector[at + (int) k] = 1f;
        }
      }
      dst += h[3];
    }
  }

  /** Appends each row's front-cell channels (all zero when the orientation is unknown or the cell is off the window). */
  private void encodeFront(ByteBuffer b, int rows, float[] vector, int vectorOffset) {
    int channels = gridShape[0];
    int side = gridShape[1];
    int plane = side * side;
    int centre = side / 2;
    int block = channels * plane;
    for (int r = 0; r < rows; r++) {
      int base = r * block;
      int dst = vectorOffset + r * vectorSize + frontOffset;
      int o = (b.get(base + orientationChannel * plane + centre * side + centre) & 0xFF) - 1;
      if (o < 0 || o > 3) {
        java.util.Arrays.fill(vector, dst, dst + channels, 0f);
        continue;
      }
      int cell = (centre + DY[o]) * side + centre + DX[o];
      for (int c = 0; c < channels; c++) {
        vector[dst + c] = BYTE_TABLE[b.get(base + c * plane + cell) & 0xFF];
      }
    }
  }

  static float symlog(double x) {
    return (float) (x >= 0 ? Math.log1p(x) : -Math.log1p(-x));
  }

  private static double read(ByteBuffer b, DType t, int k) {
    return switch (t) {
      case UINT8 -> b.get(k) & 0xFF;
      case INT8 -> b.get(k);
      case INT32 -> b.getInt(4 * k);
      case FLOAT32 -> b.getFloat(4 * k);
      case FLOAT64 -> b.getDouble(8 * k);
      case INT64 -> b.getLong(8 * k);
      default -> throw new IllegalStateException("unsupported dtype " + t);
    };
  }
}
