package dev.kindred.client;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The protocol's TENSOR_ENCODING_SPARSE_BYTES: a mostly-zero byte array as the offsets
 * (uint32 little-endian) and values of its nonzero bytes. Encoding jumps over zero runs with
 * a vectorised scan; decoding is a fill and a scatter. Shared by the server (encode) and clients (decode).
 */
public final class SparseBytes {
  private SparseBytes() {}

  /** Bytes one nonzero byte costs when sparse: a 4-byte offset and the value. */
  public static final int BYTES_PER_ENTRY = 5;

  private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  /** Offsets ({@code 4 * n} bytes, uint32 LE) and values ({@code n} bytes) of nonzero bytes. */
  public record Encoded(byte[] offsets, byte[] values) {}

  /** Zero bytes to compare against: {@link Arrays#mismatch} finds the next nonzero byte with SIMD. */
  private static final byte[] ZEROS = new byte[4096];

  /** After this many zero bytes in a row, jump to the next nonzero byte with a vector scan. */
  private static final int ZERO_RUN_TO_JUMP = 16;

  /** Per-thread scratch of the encoder, grown as needed: encoding allocates only its result. */
  private static final ThreadLocal<byte[][]> SCRATCH = ThreadLocal.withInitial(() -> new byte[][] {new byte[0], new byte[0]});

  private static int nextNonzero(byte[] a, int i, int end) {
    while (i < end) {
      int len = Math.min(ZEROS.length, end - i);
      int m = Arrays.mismatch(a, i, i + len, ZEROS, 0, len);
      if (m >= 0) {
        return i + m;
      }
      i += len;
    }
    return end;
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
    byte[][] scratch = SCRATCH.get();
    if (scratch[1].length < capacity) {
      scratch[0] = new byte[4 * capacity];
      scratch[1] = new byte[capacity];
    }
    byte[] offsets = scratch[0];
    byte[] values = scratch[1];
    int end = from + length;
    int k = 0;
    int i = nextNonzero(raw, from, end);
    while (i < end) {
      // Nonzero bytes cluster: walk linearly through a cluster, jump over long zero runs.
      int zeros = 0;
      while (i < end && zeros < ZERO_RUN_TO_JUMP) {
        byte v = raw[i];
        if (v != 0) {
          if (k == capacity) {
            return null;
          }
          INTS.set(offsets, 4 * k, i - from);
          values[k++] = v;
          zeros = 0;
        } else {
          zeros++;
        }
        i++;
      }
      i = nextNonzero(raw, i, end);
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
