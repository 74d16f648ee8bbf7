package dev.kindred.client;

import dev.kindred.protocol.SparseBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SparseBytesTest {

  private static byte[] sparseArray(SplittableRandom r, int n, double density) {
    byte[] a = new byte[n];
    for (int i = 0; i < n; i++) {
      if (r.nextDouble() < density) {
        a[i] = (byte) (1 + r.nextInt(255)); // any nonzero value, including negative bytes
      }
    }
    return a;
  }

  private static int naiveCount(byte[] a, int from, int length) {
    int c = 0;
    for (int i = from; i < from + length; i++) {
      c += a[i] != 0 ? 1 : 0;
    }
    return c;
  }

  @Test
  void roundTripsArraysOfEveryDensityLengthAndOffset() {
    SplittableRandom r = new SplittableRandom(42);
    for (double density : new double[] {0, 0.01, 0.05, 0.2, 0.9, 1}) {
      for (int n : new int[] {0, 1, 7, 8, 9, 63, 1000, 20_000}) {
        byte[] a = sparseArray(r, n + 5, density);
        int from = r.nextInt(6);
        int length = n + 5 - from;
        int nonzero = naiveCount(a, from, length);
        SparseBytes.Encoded e = SparseBytes.encodeIfSmaller(a, from, length);
        if (nonzero * SparseBytes.BYTES_PER_ENTRY >= length) {
          assertNull(e, "sparse is not smaller, so the encoder must decline (density " + density + ", n " + n + ")");
          continue;
        }
        assertEquals(nonzero, e.values().length, "density " + density + " n " + n);
        assertEquals(4 * nonzero, e.offsets().length);
        byte[] out = new byte[length + 3];
        java.util.Arrays.fill(out, (byte) 7); // decode must zero what it does not set
        SparseBytes.decode(e.offsets(), e.values(), out, 3, length);
        byte[] expected = new byte[length];
        System.arraycopy(a, from, expected, 0, length);
        assertArrayEquals(expected, java.util.Arrays.copyOfRange(out, 3, 3 + length));
        assertArrayEquals(new byte[] {7, 7, 7}, java.util.Arrays.copyOfRange(out, 0, 3));
      }
    }
  }

  @Test
  void slicesEncodedInParallelGiveTheSequentialEncoding() {
    java.util.concurrent.ForkJoinPool pool = new java.util.concurrent.ForkJoinPool(3);
    try {
      SplittableRandom r = new SplittableRandom(7);
      for (double density : new double[] {0.0, 0.01, 0.05, 0.18}) {
        byte[] a = sparseArray(r, (1 << 20) + 13, density);
        SparseBytes.Encoded one = SparseBytes.encodeIfSmaller(a, 5, a.length - 5);
        SparseBytes.Encoded many = SparseBytes.encodeIfSmaller(a, 5, a.length - 5, pool);
        assertArrayEquals(one.offsets(), many.offsets(), "density " + density);
        assertArrayEquals(one.values(), many.values(), "density " + density);
      }
      byte[] dense = sparseArray(r, 1 << 20, 0.5);
      assertNull(SparseBytes.encodeIfSmaller(dense, 0, dense.length, pool));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void rejectsMalformedEncodings() {
    byte[] dst = new byte[10];
    byte[] twoOffsets = {1, 0, 0, 0, 1, 0, 0, 0}; // 1, 1: not increasing
    assertThrows(IllegalArgumentException.class, () -> SparseBytes.decode(twoOffsets, new byte[] {5, 6}, dst, 0, 10));
    byte[] outOfRange = {10, 0, 0, 0};
    assertThrows(IllegalArgumentException.class, () -> SparseBytes.decode(outOfRange, new byte[] {5}, dst, 0, 10));
    assertThrows(IllegalArgumentException.class, () -> SparseBytes.decode(new byte[3], new byte[1], dst, 0, 10));
  }

  @Test
  void rejectsMalformedEncodingsReadFromBuffers() {
    byte[] dst = new byte[10];
    int[] positions = new int[4];
    java.nio.ByteBuffer notIncreasing = java.nio.ByteBuffer.wrap(new byte[] {1, 0, 0, 0, 1, 0, 0, 0});
    assertThrows(IllegalArgumentException.class, () -> SparseBytes.decode(notIncreasing,
        java.nio.ByteBuffer.wrap(new byte[] {5, 6}), dst, 0, 10, positions, -1));
    assertThrows(IllegalArgumentException.class, () -> SparseBytes.decode(java.nio.ByteBuffer.wrap(new byte[] {10, 0, 0, 0}),
        java.nio.ByteBuffer.wrap(new byte[] {5}), dst, 0, 10, positions, -1));
    assertThrows(IllegalArgumentException.class, () -> SparseBytes.decode(java.nio.ByteBuffer.wrap(new byte[3]),
        java.nio.ByteBuffer.wrap(new byte[1]), dst, 0, 10, positions, -1));
  }

  /** The reusable output gives the allocating encoder's bytes, whatever it held before (larger or smaller tensors). */
  @Test
  void encodingIntoAReusedOutputGivesTheSameBytes() {
    SplittableRandom r = new SplittableRandom(11);
    SparseBytes.Output out = new SparseBytes.Output();
    java.util.concurrent.ForkJoinPool pool = new java.util.concurrent.ForkJoinPool(2);
    try {
      for (int round = 0; round < 40; round++) {
        int n = r.nextBoolean() ? r.nextInt(2000) : 1_100_000 + r.nextInt(100_000); // large ones in parallel slices
        double density = new double[] {0, 0.01, 0.1, 0.19, 0.3}[r.nextInt(5)];
        byte[] a = sparseArray(r, n + 3, density);
        SparseBytes.Encoded expected = SparseBytes.encodeIfSmaller(a, 3, n);
        boolean ok = SparseBytes.encodeIfSmaller(a, 3, n, out, round % 2 == 0 ? pool : null);
        assertEquals(expected != null, ok, "round " + round + ": n " + n + ", density " + density);
        if (ok) {
          assertArrayEquals(expected.offsets(), java.util.Arrays.copyOf(out.offsets(), 4 * out.count()));
          assertArrayEquals(expected.values(), java.util.Arrays.copyOf(out.values(), out.count()));
          int nonzero = naiveCount(a, 3, n);
          assertEquals(nonzero, out.count());
          assertTrue(nonzero * SparseBytes.BYTES_PER_ENTRY < n, "sparse only when smaller");
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** The readable encoding: every nonzero byte, in order; null when it is not smaller than the raw bytes. */
  private static SparseBytes.Encoded referenceEncoding(byte[] a, int from, int length) {
    java.io.ByteArrayOutputStream offsets = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream values = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < length; i++) {
      if (a[from + i] != 0) {
        offsets.writeBytes(java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(i).array());
        values.write(a[from + i]);
      }
    }
    return (long) values.size() * SparseBytes.BYTES_PER_ENTRY < length
        ? new SparseBytes.Encoded(offsets.toByteArray(), values.toByteArray()) : null;
  }

  /**
   * Nonzero bytes in runs (as an observation's planes are: a window's walls, a row of agents),
   * with runs that straddle the encoder's 64-byte blocks, a tail shorter than a block, and totals
   * on both sides of break-even (where the encoder must give up in the middle of a block): the
   * encoder's bytes are the readable reference's, into fresh and reused outputs.
   */
  @Test
  void encodesClusteredBytesAsTheReferenceDoes() {
    SplittableRandom r = new SplittableRandom(77);
    SparseBytes.Output out = new SparseBytes.Output();
    int declined = 0;
    int encoded = 0;
    for (int round = 0; round < 300; round++) {
      int length = 1 + r.nextInt(r.nextBoolean() ? 300 : 20_000);
      int from = r.nextInt(9);
      byte[] a = new byte[from + length + r.nextInt(9)];
      double fill = new double[] {0.01, 0.1, 0.18, 0.2, 0.22, 0.5}[r.nextInt(6)];
      int at = from;
      while (at < from + length) {
        int gap = r.nextInt(1 + (int) (2 * 64 * (1 - fill) / Math.max(fill, 0.01)));
        int run = 1 + r.nextInt(130);
        at += gap;
        for (int i = at; i < Math.min(at + run, from + length); i++) {
          a[i] = (byte) (1 + r.nextInt(255));
        }
        at += run;
      }
      SparseBytes.Encoded expected = referenceEncoding(a, from, length);
      SparseBytes.Encoded got = SparseBytes.encodeIfSmaller(a, from, length);
      boolean ok = SparseBytes.encodeIfSmaller(a, from, length, out, null);
      if (expected == null) {
        declined++;
        assertNull(got, "round " + round + ": not smaller, so declined");
        assertTrue(!ok, "round " + round);
        continue;
      }
      encoded++;
      if (got == null) {
        // Only the density sample may decline a tensor that would be a little smaller sparse.
        assertTrue((long) expected.values().length * SparseBytes.BYTES_PER_ENTRY * 10 > 7L * length,
            "round " + round + ": declined at " + expected.values().length + " nonzero of " + length);
        continue;
      }
      assertArrayEquals(expected.offsets(), got.offsets(), "round " + round);
      assertArrayEquals(expected.values(), got.values(), "round " + round);
      assertTrue(ok, "round " + round);
      assertArrayEquals(expected.offsets(), java.util.Arrays.copyOf(out.offsets(), 4 * out.count()));
      assertArrayEquals(expected.values(), java.util.Arrays.copyOf(out.values(), out.count()));
    }
    assertTrue(declined > 20 && encoded > 100, declined + " declined, " + encoded + " encoded: both sides of break-even");
  }

  /**
   * Tensors whose sample is clearly denser than break-even are declined without a scan (the energy
   * world's 27%-nonzero action mask); those clearly below it are encoded.
   */
  @Test
  void declinesTensorsDenserThanBreakEven() {
    SplittableRandom r = new SplittableRandom(5);
    byte[] mask = sparseArray(r, 46_080, 0.27);
    assertNull(SparseBytes.encodeIfSmaller(mask, 0, mask.length));
    byte[] below = sparseArray(r, 46_080, 0.15);
    SparseBytes.Encoded e = SparseBytes.encodeIfSmaller(below, 0, below.length);
    assertEquals(naiveCount(below, 0, below.length), e.values().length);
  }

  /**
   * Decoding over the previous decode zeroes only the bytes that one set: a run of responses
   * decoded into one buffer gives each response's bytes, as the full decode (fill and scatter) does.
   */
  @Test
  void decodingOverThePreviousDecodeGivesEachArray() {
    SplittableRandom r = new SplittableRandom(21);
    int length = 5_000;
    byte[] dst = new byte[length + 4];
    java.util.Arrays.fill(dst, (byte) 9);
    int[] positions = new int[length];
    int count = -1; // the first decode knows nothing: it zeroes the whole range
    for (int round = 0; round < 30; round++) {
      byte[] a = sparseArray(r, length, new double[] {0, 0.01, 0.05, 0.15}[round % 4]);
      SparseBytes.Encoded e = SparseBytes.encodeIfSmaller(a, 0, length);
      count = SparseBytes.decode(java.nio.ByteBuffer.wrap(e.offsets()), java.nio.ByteBuffer.wrap(e.values()), dst, 2,
          length, positions, count);
      assertEquals(e.values().length, count);
      assertArrayEquals(a, java.util.Arrays.copyOfRange(dst, 2, 2 + length), "round " + round);
      assertArrayEquals(new byte[] {9, 9}, java.util.Arrays.copyOfRange(dst, 0, 2), "bytes before the range untouched");
      assertArrayEquals(new byte[] {9, 9}, java.util.Arrays.copyOfRange(dst, 2 + length, 4 + length), "nor after");
    }
  }
}
