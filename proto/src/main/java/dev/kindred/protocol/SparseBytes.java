package dev.kindred.protocol;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
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

  /**
   * A reusable destination of encodings: a {@link dev.kindred.env.NonzeroList} whose arrays grow as
   * needed and are reused, so encoding into one allocates nothing once it is warm. What an
   * encoding wrote (the first {@link #count()} entries) stays valid until the next encoding into
   * the same output.
   */
  public static final class Output extends dev.kindred.env.NonzeroList {
    /** Outputs of the slices of a parallel encoding (created on first use). */
    private Output[] parts;

    private Output part(int k, int n) {
      if (parts == null || parts.length < n) {
        Output[] grown = new Output[n];
        for (int i = 0; i < n; i++) {
          grown[i] = parts != null && i < parts.length ? parts[i] : new Output();
        }
        parts = grown;
      }
      return parts[k];
    }
  }

  /** Per-thread output of the allocating {@link #encodeIfSmaller(byte[], int, int)}. */
  private static final ThreadLocal<Output> SCRATCH = ThreadLocal.withInitial(Output::new);

  /** Words sampled by {@link #tooDense}: 8 KiB, so the estimate is within about 1% of the density. */
  private static final int SAMPLE_WORDS = 1024;

  /**
   * Whether sparse encoding cannot pay, judged from the nonzero bytes of evenly spaced words
   * (all of them for a tensor of at most {@value #SAMPLE_WORDS} words): more than 1.1 times
   * the break-even density of one nonzero byte in {@link #BYTES_PER_ENTRY}. Trying would cost
   * a full scan and one entry per nonzero byte before giving up, which on a dense tensor (the
   * energy world's 38%-nonzero globals, its 27%-nonzero action mask, its tokens) is several
   * times the raw copy.
   */
  private static boolean tooDense(byte[] raw, int from, int length) {
    int words = length / 8;
    if (words == 0) {
      return false;
    }
    int sampled = Math.min(words, SAMPLE_WORDS);
    int stride = words / sampled;
    int nonzero = 0;
    for (int w = 0; w < sampled; w++) {
      long x = (long) LONGS.get(raw, from + 8 * w * stride);
      // One high bit per nonzero byte: (low 7 bits + 0x7F) carries into bit 7 unless they are 0.
      long marks = (((x & 0x7F7F7F7F7F7F7F7FL) + 0x7F7F7F7F7F7F7F7FL) | x) & 0x8080808080808080L;
      nonzero += Long.bitCount(marks);
    }
    // Sparse pays when nonzero / bytes < 1 / BYTES_PER_ENTRY; give up at 1.1 times that.
    return (long) nonzero * BYTES_PER_ENTRY * 10 > 11L * 8 * sampled;
  }

  /**
   * Encodes {@code raw[from, from + length)} when its sparse form ({@link #BYTES_PER_ENTRY}
   * bytes per nonzero byte) is smaller than the raw bytes; otherwise returns null. Allocates
   * the result; {@link #encodeIfSmaller(byte[], int, int, Output, ForkJoinPool)} reuses one.
   */
  public static Encoded encodeIfSmaller(byte[] raw, int from, int length) {
    return encodeIfSmaller(raw, from, length, (ForkJoinPool) null);
  }

  /**
   * As {@link #encodeIfSmaller(byte[], int, int)}, splitting a large tensor into one slice per
   * thread of {@code pool} (null: the calling thread only). The result is identical; a tensor is
   * sent sparse only when every slice is sparse enough on its own.
   */
  public static Encoded encodeIfSmaller(byte[] raw, int from, int length, ForkJoinPool pool) {
    Output out = SCRATCH.get();
    if (!encodeIfSmaller(raw, from, length, out, pool)) {
      return null;
    }
    return new Encoded(Arrays.copyOf(out.offsets(), 4 * out.count()), Arrays.copyOf(out.values(), out.count()));
  }

  /**
   * Below this many bytes (1 MiB) a tensor is encoded on the calling thread alone: handing a slice
   * to another thread and waiting for it costs tens of microseconds on a small VM, about what
   * scanning a quarter of a MiB does.
   */
  private static final int PARALLEL_MIN_BYTES = 1 << 20;

  /**
   * Encodes {@code raw[from, from + length)} into {@code out} when its sparse form is smaller
   * than the raw bytes and returns true; otherwise returns false ({@code out}'s content is then
   * unspecified). With a {@code pool} of several threads a large tensor is split into one slice
   * per thread, with the same result.
   */
  public static boolean encodeIfSmaller(byte[] raw, int from, int length, Output out, ForkJoinPool pool) {
    if (length == 0 || tooDense(raw, from, length)) {
      return false;
    }
    if (pool == null || pool.getParallelism() < 2 || length < PARALLEL_MIN_BYTES) {
      return encodeSlice(raw, from, length, out, (length - 1) / BYTES_PER_ENTRY);
    }
    int parts = pool.getParallelism();
    int capacity = (length - 1) / BYTES_PER_ENTRY;
    int[] starts = new int[parts + 1];
    for (int k = 0; k <= parts; k++) {
      starts[k] = k == parts ? length : (int) ((long) length * k / parts) & ~7;
    }
    @SuppressWarnings("unchecked")
    ForkJoinTask<Boolean>[] tasks = new ForkJoinTask[parts];
    for (int k = 1; k < parts; k++) {
      int start = starts[k];
      int len = starts[k + 1] - start;
      Output piece = out.part(k, parts);
      tasks[k] = pool.submit(() -> encodeSlice(raw, from + start, len, piece, capacity));
    }
    Output first = out.part(0, parts);
    boolean ok = encodeSlice(raw, from, starts[1], first, capacity);
    int total = first.count();
    for (int k = 1; k < parts; k++) {
      ok &= tasks[k].join();
      total += out.parts[k].count();
    }
    if (!ok || total > capacity) {
      return false;
    }
    out.ensureEmpty(total);
    byte[] offsets = out.offsets();
    int at = 0;
    for (int k = 0; k < parts; k++) {
      Output piece = out.parts[k];
      int n = piece.count();
      byte[] pieceOffsets = piece.offsets();
      for (int i = 0; i < n; i++) {
        INTS.set(offsets, 4 * (at + i), (int) INTS.get(pieceOffsets, 4 * i) + starts[k]);
      }
      System.arraycopy(piece.values(), 0, out.values(), at, n);
      at += n;
    }
    out.setCount(total);
    return true;
  }

  /** One pass over the slice, writing entries straight into {@code out}; false past {@code capacity} entries. */
  private static boolean encodeSlice(byte[] raw, int from, int length, Output out, int capacity) {
    out.ensureEmpty(Math.min(capacity, 64));
    byte[] offsets = out.offsets();
    byte[] values = out.values();
    // Entries that fit without a check: never more than capacity.
    int room = Math.min(values.length, capacity);
    int end = from + length;
    int k = 0;
    int i = from;
    // Eight bytes at a time: zero words (most of them) cost one load and one compare; the
    // nonzero bytes of a word are found by their trailing-zero count.
    for (; i + 8 <= end; i += 8) {
      long w = (long) LONGS.get(raw, i);
      if (w == 0) {
        continue;
      }
      if (k + 8 > room) {
        long marks = (((w & 0x7F7F7F7F7F7F7F7FL) + 0x7F7F7F7F7F7F7F7FL) | w) & 0x8080808080808080L;
        if (k + Long.bitCount(marks) > capacity) {
          return false;
        }
        out.grow(Math.min(capacity, Math.max(k + 8, 2 * room)));
        offsets = out.offsets();
        values = out.values();
        room = Math.min(values.length, capacity);
      }
      do {
        int shift = Long.numberOfTrailingZeros(w) & ~7;
        INTS.set(offsets, 4 * k, i + (shift >>> 3) - from);
        values[k++] = (byte) (w >>> shift);
        w &= ~(0xFFL << shift);
      } while (w != 0);
    }
    for (; i < end; i++) {
      if (raw[i] != 0) {
        if (k == capacity) {
          return false;
        }
        if (k == room) {
          out.grow(Math.min(capacity, k + 8));
          offsets = out.offsets();
          values = out.values();
          room = Math.min(values.length, capacity);
        }
        INTS.set(offsets, 4 * k, i - from);
        values[k++] = raw[i];
      }
    }
    out.setCount(k);
    return true;
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

  /**
   * As {@link #decode(byte[], byte[], byte[], int, int)}, reading the encoding from buffers (a
   * parsed message's bytes, without copying them out; offsets little-endian from
   * {@code offsets.position()}) and zeroing less when it can. {@code positions} holds, in its
   * first {@code zeroCount} entries, the offsets this caller's previous decode wrote into the same
   * range: with {@code zeroCount >= 0} the caller vouches that those are the only nonzero bytes
   * there, and only they are zeroed; with {@code zeroCount < 0} the whole range is. The offsets of
   * this decode are then written into {@code positions}, for the next one.
   *
   * @param positions at least {@code values.remaining()} entries
   * @return the number of offsets written into {@code positions}
   * @throws IllegalArgumentException when the encoding is malformed; the range's content and
   *                                  {@code positions} are then unspecified
   */
  public static int decode(ByteBuffer offsets, ByteBuffer values, byte[] dst, int from, int length, int[] positions,
      int zeroCount) {
    int n = values.remaining();
    if (offsets.remaining() != 4L * n) {
      throw new IllegalArgumentException(offsets.remaining() + " offset bytes for " + n
          + " values; expected 4 per value");
    }
    if (positions.length < n) {
      throw new IllegalArgumentException("room for " + positions.length + " positions; " + n + " needed");
    }
    if (zeroCount < 0) {
      Arrays.fill(dst, from, from + length, (byte) 0);
    } else {
      for (int k = 0; k < zeroCount; k++) {
        dst[from + positions[k]] = 0;
      }
    }
    ByteBuffer le = offsets.order() == ByteOrder.LITTLE_ENDIAN ? offsets
        : offsets.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    int o0 = offsets.position();
    int v0 = values.position();
    int previous = -1;
    for (int k = 0; k < n; k++) {
      int o = le.getInt(o0 + 4 * k);
      if (o <= previous || o >= length) {
        throw new IllegalArgumentException("offset " + Integer.toUnsignedString(o) + " at entry " + k
            + " is not increasing within [0, " + length + ")");
      }
      dst[from + o] = values.get(v0 + k);
      positions[k] = o;
      previous = o;
    }
    return n;
  }
}
