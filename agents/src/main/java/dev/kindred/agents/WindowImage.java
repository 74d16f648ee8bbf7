package dev.kindred.agents;

import dev.kindred.env.DType;
import dev.kindred.env.FeatureSpec;
import dev.kindred.env.Scope;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.StepBatch;
import dev.kindred.env.TensorSpec;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * An agent's egocentric window as an image of bytes {@code [channel, row, column]}, one block per
 * agent of every copy (copy-major, as a batch is), whichever form the world observes it in:
 * <ul>
 *   <li>an image observation (a per-agent UINT8 tensor of rank 3, e.g. the energy world's
 *       {@code grid}): the observation as it is;</li>
 *   <li>a token observation (a per-agent UINT8 tensor {@code [slots, 3]} of (location, feature,
 *       value) triples, e.g. the energy world's {@code tokens} with {@code observation = tokens}):
 *       scattered back, {@code image[feature][location >> 4][location & 15] = value} for every used
 *       slot, into a zeroed image whose channels are the tensor's features and whose side is the
 *       world's {@code view_size} property. Slots {@code (255, 255, 255)} are unused.</li>
 * </ul>
 * The energy world's tokens decode this way to its {@code grid} byte for byte while a window holds
 * no more tokens than the budget (the world's {@code tokens_dropped} statistic counts any left
 * out), so a policy reads the same image from either observation.
 *
 * <p>Decoding reuses one buffer, grown to the largest batch seen: an image returned for one batch
 * is overwritten by the next call. Not thread-safe.
 */
public final class WindowImage {
  /** The world property that gives a token observation's window side. */
  public static final String VIEW_PROPERTY = "view_size";
  /** The highest window side a location byte can address ({@code row << 4 | column}). */
  static final int MAX_TOKEN_SIDE = 16;
  private static final int UNUSED = 0xFF;

  private final String name;
  private final boolean tokens;
  private final int channels;
  private final int side;
  private final int slots;
  private byte[] decoded = new byte[0];

  private WindowImage(String name, boolean tokens, int channels, int side, int slots) {
    this.name = name;
    this.tokens = tokens;
    this.channels = channels;
    this.side = side;
    this.slots = slots;
  }

  /** Whether {@code t} is an image observation: per agent, UINT8, rank 3. */
  public static boolean isImage(TensorSpec t) {
    return t.scope() == Scope.AGENT && t.dtype() == DType.UINT8 && t.shape().length == 3;
  }

  /** Whether {@code t} is a token observation: per agent, UINT8, {@code [slots, 3]}, with features. */
  public static boolean isTokens(TensorSpec t) {
    return t.scope() == Scope.AGENT && t.dtype() == DType.UINT8 && t.shape().length == 2 && t.shape()[1] == 3
        && !t.features().isEmpty();
  }

  /** The first observation of {@code spec} that is a window (an image or tokens), or null. */
  public static TensorSpec find(SessionSpec spec) {
    for (TensorSpec t : spec.observations()) {
      if (isImage(t) || isTokens(t)) {
        return t;
      }
    }
    return null;
  }

  /**
   * The window image read from observation {@code t} of {@code spec}.
   *
   * @throws IllegalArgumentException when {@code t} is neither an image nor a token observation, or
   *     a token observation's world gives no usable {@value #VIEW_PROPERTY}
   */
  public static WindowImage of(SessionSpec spec, TensorSpec t) {
    if (isImage(t)) {
      return new WindowImage(t.name(), false, t.shape()[0], t.shape()[1], 0);
    }
    if (!isTokens(t)) {
      throw new IllegalArgumentException("'" + t.name() + "' of " + spec.worldId() + " is neither an image (per-agent "
          + "UINT8 [channel, row, column]) nor tokens (per-agent UINT8 [slot, 3] with features); it is " + t.dtype()
          + " " + Arrays.toString(t.shape()) + " per " + t.scope().name().toLowerCase(java.util.Locale.ROOT));
    }
    String view = spec.world().properties().get(VIEW_PROPERTY);
    int side;
    try {
      side = view == null ? -1 : Integer.parseInt(view);
    } catch (NumberFormatException e) {
      side = -1;
    }
    if (side < 1 || side > MAX_TOKEN_SIDE) {
      throw new IllegalArgumentException("the token observation '" + t.name() + "' of " + spec.worldId() + " needs the "
          + "world property " + VIEW_PROPERTY + " (the window's side, 1 to " + MAX_TOKEN_SIDE + ") to be read as an "
          + "image; the world gives " + (view == null ? "none" : "'" + excerpt(view) + "'"));
    }
    int channels = 0;
    for (FeatureSpec f : t.features()) {
      channels = Math.max(channels, f.index() + 1);
    }
    if (channels > UNUSED) {
      throw new IllegalArgumentException("the token observation '" + t.name() + "' of " + spec.worldId() + " has a "
          + "feature index of " + (channels - 1) + "; a token's feature byte holds at most 254");
    }
    return new WindowImage(t.name(), true, channels, side, t.shape()[0]);
  }

  private static String excerpt(String s) {
    return s.length() <= 20 ? s : s.substring(0, 20) + "...";
  }

  /** The observation it is read from. */
  public String observation() {
    return name;
  }

  /** Whether it is decoded from tokens. */
  public boolean fromTokens() {
    return tokens;
  }

  /** {C, H, W} of one agent's image. */
  public int[] shape() {
    return new int[] {channels, side, side};
  }

  /** Bytes of one agent's image. */
  public int blockBytes() {
    return channels * side * side;
  }

  /**
   * Every agent's image in {@code batch}, {@code copies * agents} blocks of {@link #blockBytes}:
   * the observation itself, or the tokens decoded into this object's buffer.
   *
   * @throws IllegalStateException for a used token whose location or feature lies outside the image
   */
  public ByteBuffer image(StepBatch batch) {
    ByteBuffer obs = batch.observation(name);
    if (!tokens) {
      return obs;
    }
    int rows = batch.copies() * batch.agents();
    int block = blockBytes();
    int need = rows * block;
    if (decoded.length < need) {
      decoded = new byte[need];
    } else {
      Arrays.fill(decoded, 0, need, (byte) 0);
    }
    decode(obs, rows, decoded);
    return ByteBuffer.wrap(decoded, 0, need).slice();
  }

  /** Scatters {@code rows} agents' tokens into {@code out} (zeroed). */
  private void decode(ByteBuffer obs, int rows, byte[] out) {
    final int plane = side * side;
    final int block = channels * plane;
    for (int r = 0; r < rows; r++) {
      int in = r * slots * 3;
      int base = r * block;
      for (int s = 0; s < slots; s++) {
        int at = in + 3 * s;
        int location = obs.get(at) & 0xFF;
        int feature = obs.get(at + 1) & 0xFF;
        if (location == UNUSED && feature == UNUSED) {
          continue;
        }
        int row = location >>> 4;
        int column = location & 15;
        if (row >= side || column >= side || feature >= channels) {
          throw new IllegalStateException("token " + s + " of row " + r + " of '" + name + "' is (location " + location
              + ", feature " + feature + "): outside the " + channels + " x " + side + " x " + side + " window image");
        }
        out[base + feature * plane + row * side + column] = obs.get(at + 2);
      }
    }
  }
}
