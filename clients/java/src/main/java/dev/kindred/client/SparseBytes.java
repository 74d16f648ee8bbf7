package dev.kindred.client;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

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
