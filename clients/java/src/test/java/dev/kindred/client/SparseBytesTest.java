package dev.kindred.client;

import dev.kindred.protocol.SparseBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
}
