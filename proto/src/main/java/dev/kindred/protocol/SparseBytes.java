package dev.kindred.protocol;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * The protocol's TENSOR_ENCODING_SPARSE_BYTES: a mostly-zero byte array as the offsets
 * (uint32 little-endian) and values of its nonzero bytes. Encoding reads eight bytes at a
 * time; decoding is a fill and a scatter. Shared by the server (encode) and clients (decode).
 */
public final class SparseBytes {
  private SparseBytes() {}

  /** Bytes one nonzero byte costs when sparse: a 4-byte offset and the value. */
  public static final int BYTES_PER_ENTRY = 5;

  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  /** Offsets ({@code 4 * n} bytes, uint32 LE) and values ({@code n} bytes) of nonzero bytes. */
  public record Encoded(byte[] offsets, byte[] values) {}

  /** Per-thread scratch of the encoder, grown as needed: encoding allocates only its result. */
  private static final ThreadLocal<byte[][]> SCRATCH = ThreadLocal.withInitial(() -> new byte[][] {new byte[0], new byte[0]});

  /** Words sampled by {@link #clearlyDense}. */
  private static final int SAMPLE_WORDS = 256;

  /**
   * Whether a sample of evenly spaced words already shows more nonzero bytes than sparse
   * encoding can pay for (with a margin): then encoding is not tried. Trying would cost a full
   * scan and one entry per nonzero byte before giving up, which on a dense tensor (the energy
   * world's 38%-nonzero globals) is several times the raw copy.
   */
  private static boolean clearlyDense(byte[] raw, int from, int length) {
    int words = length / 8;
    if (words < 4 * SAMPLE_WORDS) {
      return false;
    }
    int stride = words / SAMPLE_WORDS;
    int nonzero = 0;
    for (int w = 0; w < SAMPLE_WORDS; w++) {
      long x = (long) LONGS.get(raw, from + 8 * w * stride);
      for (; x != 0; nonzero++) {
        x &= ~(0xFFL << (Long.numberOfTrailingZeros(x) & ~7));
      }
    }
    // Sparse pays when nonzero / length < 1 / BYTES_PER_ENTRY; give up at 1.5 times that.
    return nonzero * BYTES_PER_ENTRY * 2 > 3 * 8 * SAMPLE_WORDS;
  }

  /**
   * Encodes {@code raw[from, from + length)} when its sparse form ({@link #BYTES_PER_ENTRY}
   * bytes per nonzero byte) is smaller than the raw bytes; otherwise returns null.
   */
  public static Encoded encodeIfSmaller(byte[] raw, int from, int length) {
    if (length == 0) {
      return null;
    }
    int capacity = (length - 1) / BYTES_PER_ENTRY; // more entries than this is not smaller
    if (clearlyDense(raw, from, length)) {
      return null;
    }
    byte[][] scratch = SCRATCH.get();
    if (scratch[1].length < capacity) {
      scratch[0] = new byte[4 * capacity];
      scratch[1] = new byte[capacity];
    }
    byte[] offsets = scratch[0];
    byte[] values = scratch[1];
    int end = from + length;
    int k = 0;
    int i = from;
    // Eight bytes at a time: zero words (most of them) cost one load and one compare; the
    // nonzero bytes of a word are found by their trailing-zero count.
    for (; i + 8 <= end; i += 8) {
      long w = (long) LONGS.get(raw, i);
      while (w != 0) {
        if (k == capacity) {
          return null;
        }
        int shift = Long.numberOfTrailingZeros(w) & ~7;
        INTS.set(offsets, 4 * k, i + (shift >>> 3) - from);
        values[k++] = (byte) (w >>> shift);
        w &= ~(0xFFL << shift);
      }
    }
    for (; i < end; i++) {
      if (raw[i] != 0) {
        if (k == capacity) {
          return null;
        }
        INTS.set(offsets, 4 * k, i - from);
        values[k++] = raw[i];
      }
    }
    return new Encoded(Arrays.copyOf(offsets, 4 * k), Arrays.copyOf(values, k));
  }

  /** Below this many bytes a tensor is encoded on the calling thread alone. */
  private static final int PARALLEL_MIN_BYTES = 1 << 18;

  /**
   * As {@link #encodeIfSmaller(byte[], int, int)}, splitting a large tensor into one slice per
   * thread of {@code pool} (null: the calling thread only). The result is identical; a tensor is
   * sent sparse only when every slice is sparse enough on its own.
   */
  public static Encoded encodeIfSmaller(byte[] raw, int from, int length, ForkJoinPool pool) {
    if (pool == null || pool.getParallelism() < 2 || length < PARALLEL_MIN_BYTES) {
      return encodeIfSmaller(raw, from, length);
    }
    if (clearlyDense(raw, from, length)) {
      return null;
    }
    int parts = pool.getParallelism();
    int[] starts = new int[parts + 1];
    for (int k = 0; k <= parts; k++) {
      starts[k] = k == parts ? length : (int) ((long) length * k / parts) & ~7;
    }
    @SuppressWarnings("unchecked")
    ForkJoinTask<Encoded>[] tasks = new ForkJoinTask[parts];
    for (int k = 1; k < parts; k++) {
      int start = starts[k];
      int len = starts[k + 1] - start;
      tasks[k] = pool.submit(() -> encodeIfSmaller(raw, from + start, len));
    }
    Encoded[] pieces = new Encoded[parts];
    pieces[0] = encodeIfSmaller(raw, from, starts[1]);
    int total = pieces[0] == null ? -1 : pieces[0].values().length;
    for (int k = 1; k < parts; k++) {
      pieces[k] = tasks[k].join();
      total = pieces[k] == null || total < 0 ? -1 : total + pieces[k].values().length;
    }
    if (total < 0) {
      return null;
    }
    byte[] offsets = new byte[4 * total];
    byte[] values = new byte[total];
    int at = 0;
    for (int k = 0; k < parts; k++) {
      Encoded piece = pieces[k];
      int n = piece.values().length;
      for (int i = 0; i < n; i++) {
        INTS.set(offsets, 4 * (at + i), (int) INTS.get(piece.offsets(), 4 * i) + starts[k]);
      }
      System.arraycopy(piece.values(), 0, values, at, n);
      at += n;
    }
    return new Encoded(offsets, values);
  }

  /**
   * Writes the decoded bytes into {@code dst[from, from + length)}.
   *
   * @throws IllegalArgumentException when the encoding is malformed (lengths disagree, or an
   *                                  offset is out of range or not increasing)
   */
  public static void decode(byte[] offsets, byte[] values, byte[] dst, int from, int length) {
    if (offsets.length != 4 * values.length) {
      throw new IllegalArgumentException(offsets.length + " offset bytes for " + values.length
          + " values; expected 4 per value");
    }
    Arrays.fill(dst, from, from + length, (byte) 0);
    int previous = -1;
    for (int k = 0; k < values.length; k++) {
      int o = (int) INTS.get(offsets, 4 * k);
      if (o <= previous || o >= length) {
        throw new IllegalArgumentException("offset " + Integer.toUnsignedString(o) + " at entry " + k
            + " is not increasing within [0, " + length + ")");
      }
      dst[from + o] = values[k];
      previous = o;
    }
  }
}
