package dev.kindred.env;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The nonzero bytes of an observation tensor as entries (offset from the tensor's start, value)
 * in increasing offset order, held the way the protocol's sparse tensors carry them: offsets as
 * uint32 little-endian, four bytes per entry, and values one byte per entry. What a world that
 * knows where its observations are nonzero fills instead of a scan of the whole tensor
 * ({@link World#nonzeros}); the protocol's encoder fills the same arrays from a scan.
 *
 * <p>The arrays grow as needed and are reused, so filling one again allocates nothing once it
 * is warm. {@link #add} appends one entry. A writer of many entries reserves room once
 * ({@link #reserve}), stores them straight into {@link #offsets()} and {@link #values()} past
 * {@link #count()}, and then sets the count ({@link #setCount}).
 */
public class NonzeroList {
  private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private byte[] offsets = new byte[0];
  private byte[] values = new byte[0];
  private int count;

  /** Entries in the list. */
  public final int count() {
    return count;
  }

  /** The offsets, 4 LE bytes per entry; valid up to {@code 4 * count()}. */
  public final byte[] offsets() {
    return offsets;
  }

  /** The values; valid up to {@code count()}. */
  public final byte[] values() {
    return values;
  }

  /** Entry {@code k}'s offset. */
  public final int offset(int k) {
    return (int) INTS.get(offsets, 4 * k);
  }

  /** Empties the list (its arrays are kept). */
  public final void clear() {
    count = 0;
  }

  /** Appends an entry; offsets must come in increasing order (the caller's promise). */
  public final void add(int offset, byte value) {
    if (count == values.length) {
      grow(Math.max(64, 2 * count));
    }
    INTS.set(offsets, 4 * count, offset);
    values[count++] = value;
  }

  /**
   * Room for {@code more} entries past {@link #count()}, keeping those written; the arrays may be
   * replaced, so read {@link #offsets()} and {@link #values()} after this call.
   */
  public final void reserve(int more) {
    long need = (long) count + more;
    if (need > values.length) {
      if (need > Integer.MAX_VALUE / 8) {
        throw new IllegalArgumentException("a list of " + need + " nonzero bytes is too long");
      }
      grow((int) Math.max(need, Math.min(Integer.MAX_VALUE / 8, 2L * values.length)));
    }
  }

  /**
   * Sets how many entries the list holds, after entries were stored straight into the arrays
   * ({@link #reserve} first).
   */
  public final void setCount(int n) {
    if (n < 0 || n > values.length) {
      throw new IllegalArgumentException("count " + n + " is outside the list's room (0.." + values.length + ")");
    }
    count = n;
  }

  /** Room for {@code entries} entries in all; what was written is not kept. */
  public final void ensureEmpty(int entries) {
    if (values.length < entries) {
      values = new byte[entries];
      offsets = new byte[4 * entries];
    }
    count = 0;
  }

  /** Room for {@code entries} entries in all, keeping those written. */
  public final void grow(int entries) {
    if (values.length < entries) {
      values = Arrays.copyOf(values, entries);
      offsets = Arrays.copyOf(offsets, 4 * entries);
    }
  }
}
