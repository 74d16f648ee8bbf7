package dev.kindred.env;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One batch of results over every copy of a session: what {@link VectorEnv#reset} and
 * {@link VectorEnv#step} return. The buffers are allocated once and overwritten by every call,
 * so a training loop reads them without allocating; copy what must outlive the next call.
 *
 * <p>Observations are little-endian byte buffers laid out as the session's spec says
 * (per-agent tensors {@code [copies, agents, *shape]}, per-copy tensors {@code [copies, *shape]}),
 * in the order of the spec's observations. Absolute reads ({@code getFloat(i * 4)}) never
 * move their positions.
 *
 * <p>The observation buffers belong to the environment that fills them: callers read them and
 * do not write them. A world may write only what changed in a copy's block since it last wrote
 * that block ({@link #claimObservationBlock}); code that writes into the buffers all the same
 * (a test, a caller reusing them as scratch) calls {@link #forgetObservationWriters} before the
 * next reset or step, so that every block is written in full again.
 */
public final class StepBatch {
  private final int copies;
  private final int agents;
  private final String[] observationNames;
  private final ByteBuffer[] observations;
  private final ByteBuffer[] finalObservations;
  private final float[] rewards;
  private final byte[] terminated;
  private final byte[] truncated;
  private final byte[] actionSuccess;
  private final byte[] resetMask;
  private final List<EpisodeSummary> episodes = new ArrayList<>();
  private long sessionStep;
  private final DType[] dtypes;
  /** Per observation and copy, the last writer that claimed the block (null: none, or forgotten). */
  private final Object[][] blockWriters;

  /**
   * A batch for {@code observations} (in this order), each laid out per copy as its spec says.
   *
   * @param copies                number of copies in the session
   * @param agents                number of agents per copy
   * @param observations          the observations the batch holds
   * @param withFinalObservations whether to hold final observations (same-step autoreset)
   */
  public StepBatch(int copies, int agents, List<TensorSpec> observations, boolean withFinalObservations) {
    int n = observations.size();
    this.copies = copies;
    this.agents = agents;
    this.observationNames = new String[n];
    this.dtypes = new DType[n];
    this.observations = new ByteBuffer[n];
    this.finalObservations = withFinalObservations ? new ByteBuffer[n] : null;
    for (int i = 0; i < n; i++) {
      TensorSpec t = observations.get(i);
      observationNames[i] = t.name();
      dtypes[i] = t.dtype();
      int bytes = Math.multiplyExact(copies, t.copyBytes(agents));
      this.observations[i] = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
      if (finalObservations != null) {
        finalObservations[i] = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
      }
    }
    this.rewards = new float[copies * agents];
    this.terminated = new byte[copies];
    this.truncated = new byte[copies];
    this.actionSuccess = new byte[copies * agents];
    this.resetMask = new byte[copies];
    this.blockWriters = new Object[n][copies];
  }

  /**
   * A batch shaped for a session's spec: one buffer per observation of the spec, with final
   * observations when its autoreset mode is {@code SAME_STEP}.
   */
  public static StepBatch forSpec(SessionSpec spec) {
    return new StepBatch(spec.copies(), spec.agents(), spec.observations(),
        spec.autoreset() == Autoreset.SAME_STEP);
  }

  public int copies() {
    return copies;
  }

  public int agents() {
    return agents;
  }

  public int observationCount() {
    return observations.length;
  }

  public String observationName(int index) {
    return observationNames[index];
  }

  /** Index of the named observation, or -1 when the session did not request it. */
  public int observationIndex(String name) {
    for (int i = 0; i < observationNames.length; i++) {
      if (observationNames[i].equals(name)) {
        return i;
      }
    }
    return -1;
  }

  /** The observation buffer at {@code index} (spec order). */
  public ByteBuffer observation(int index) {
    return observations[index];
  }

  /** The named observation buffer. */
  public ByteBuffer observation(String name) {
    int index = observationIndex(name);
    if (index < 0) {
      throw new IllegalArgumentException("no observation named '" + name + "'; this batch has "
          + Arrays.toString(observationNames));
    }
    return observations[index];
  }

  /**
   * Final observations of episodes that ended in the last step (same-step autoreset only;
   * blocks of copies that did not end are zero), or null when the session does not keep them.
   */
  public ByteBuffer finalObservation(int index) {
    return finalObservations == null ? null : finalObservations[index];
  }

  public boolean hasFinalObservations() {
    return finalObservations != null;
  }

  /** Rewards, {@code [copies * agents]}. */
  public float[] rewards() {
    return rewards;
  }

  /** 1 where the copy's episode ended by termination in the last step, {@code [copies]}. */
  public byte[] terminated() {
    return terminated;
  }

  /** 1 where the copy's episode ended by truncation in the last step, {@code [copies]}. */
  public byte[] truncated() {
    return truncated;
  }

  /** 1 where the agent's action had its effect, {@code [copies * agents]}. */
  public byte[] actionSuccess() {
    return actionSuccess;
  }

  /** 1 where the observation is the first of a new episode, {@code [copies]}. */
  public byte[] resetMask() {
    return resetMask;
  }

  /** Whether copy {@code c}'s episode ended (by termination or truncation) in the last step. */
  public boolean done(int c) {
    return terminated[c] != 0 || truncated[c] != 0;
  }

  /** Episodes that ended in the last step (cleared by every call). */
  public List<EpisodeSummary> episodes() {
    return episodes;
  }

  /** Number of steps the session has taken. */
  public long sessionStep() {
    return sessionStep;
  }

  public void setSessionStep(long sessionStep) {
    this.sessionStep = sessionStep;
  }
  /**
   * Records {@code writer} as the last to write {@code copy}'s block of observation
   * {@code index} and says whether it already was: true when {@code writer} made the previous
   * claim on this block and {@link #forgetObservationWriters} has not been called since, so the
   * block still holds what that writer left there. A writer that writes only what changed
   * claims first and writes the whole block when this returns false. Claims of different
   * copies may be made concurrently.
   */
  public boolean claimObservationBlock(int index, int copy, Object writer) {
    Object[] w = blockWriters[index];
    boolean same = w[copy] == writer;
    w[copy] = writer;
    return same;
  }

  /**
   * Forgets every block's writer: the next write of each block is a whole one. Call after
   * writing into the observation buffers by other means than the environment that fills them.
   */
  public void forgetObservationWriters() {
    for (Object[] w : blockWriters) {
      Arrays.fill(w, null);
    }
  }

  /** Element type of the observation at {@code index}. */
  public DType observationDType(int index) {
    return dtypes[index];
  }

  /**
   * The named observation converted to floats, whatever its element type (unsigned bytes read
   * as 0..255; int64 and float64 rounded to the nearest float).
   *
   * @param dst a destination of the element count, or null to allocate one
   * @return {@code dst}, filled
   */
  public float[] observationAsFloats(String name, float[] dst) {
    int i = indexOrThrow(name);
    return toFloats(observations[i], dtypes[i], dst);
  }

  /** The named observation converted to doubles, whatever its element type. */
  public double[] observationAsDoubles(String name, double[] dst) {
    int i = indexOrThrow(name);
    ByteBuffer b = observations[i];
    DType t = dtypes[i];
    int n = b.capacity() / t.bytes();
    dst = dst == null ? new double[n] : checkDestination(dst, dst.length, n, "'" + name + "'");
    for (int k = 0; k < n; k++) {
      dst[k] = switch (t) {
        case UINT8 -> b.get(k) & 0xFF;
        case INT8 -> b.get(k);
        case INT32 -> b.getInt(4 * k);
        case FLOAT32 -> b.getFloat(4 * k);
        case FLOAT64 -> b.getDouble(8 * k);
        case INT64 -> (double) b.getLong(8 * k);
        default -> throw new IllegalStateException("unsupported dtype " + t);
      };
    }
    return dst;
  }

  /** The named observation as ints; only for integer element types. */
  public int[] observationAsInts(String name, int[] dst) {
    int i = indexOrThrow(name);
    ByteBuffer b = observations[i];
    DType t = dtypes[i];
    int n = b.capacity() / t.bytes();
    dst = dst == null ? new int[n] : checkDestination(dst, dst.length, n, "'" + name + "'");
    for (int k = 0; k < n; k++) {
      dst[k] = switch (t) {
        case UINT8 -> b.get(k) & 0xFF;
        case INT8 -> b.get(k);
        case INT32 -> b.getInt(4 * k);
        case INT64 -> Math.toIntExact(b.getLong(8 * k));
        default -> throw new IllegalArgumentException("'" + name + "' is " + t + ", not an integer type");
      };
    }
    return dst;
  }

  /** Returns {@code dst} when it holds {@code need} values; otherwise says what does not fit. */
  private static <T> T checkDestination(T dst, int have, int need, String what) {
    if (have != need) {
      throw new IllegalArgumentException("destination holds " + have + " values; " + what + " has " + need);
    }
    return dst;
  }

  /** Converts little-endian elements of {@code dtype} in {@code data} (whole capacity) to floats. */
  public static float[] toFloats(ByteBuffer data, DType dtype, float[] dst) {
    ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    int n = b.capacity() / dtype.bytes();
    dst = dst == null ? new float[n] : checkDestination(dst, dst.length, n, "data");
    switch (dtype) {
      case UINT8 -> {
        for (int k = 0; k < n; k++) {
          dst[k] = b.get(k) & 0xFF;
        }
      }
      case INT8 -> {
        for (int k = 0; k < n; k++) {
          dst[k] = b.get(k);
        }
      }
      case INT32 -> {
        for (int k = 0; k < n; k++) {
          dst[k] = b.getInt(4 * k);
        }
      }
      case FLOAT32 -> {
        b.clear();
        b.asFloatBuffer().get(dst);
      }
      case FLOAT64 -> {
        for (int k = 0; k < n; k++) {
          dst[k] = (float) b.getDouble(8 * k);
        }
      }
      case INT64 -> {
        for (int k = 0; k < n; k++) {
          dst[k] = b.getLong(8 * k);
        }
      }
      default -> throw new IllegalArgumentException("unsupported dtype " + dtype);
    }
    return dst;
  }

  private int indexOrThrow(String name) {
    int i = observationIndex(name);
    if (i < 0) {
      throw new IllegalArgumentException("no observation named '" + name + "'; this batch has "
          + Arrays.toString(observationNames));
    }
    return i;
  }
}
