package dev.kindred.env.spin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.Rng;
import org.junit.jupiter.api.Test;

/** {@link Log1p} returns what {@link StrictMath#log1p} (and so this JDK's {@link Math#log1p}) returns, bit for bit. */
class Log1pTest {

  private static void check(double x) {
    long want = Double.doubleToRawLongBits(StrictMath.log1p(x));
    assertEquals(want, Double.doubleToRawLongBits(Log1p.log1p(x)), () -> "log1p(" + x + ") = " + StrictMath.log1p(x)
        + " (" + Double.toHexString(x) + "), got " + Log1p.log1p(x));
    assertEquals(want, Double.doubleToRawLongBits(Math.log1p(x)), "Math.log1p is not StrictMath.log1p here");
  }

  /** x and its neighbours a few ulps away on both sides. */
  private static void around(double x) {
    double lo = x;
    double hi = x;
    check(x);
    for (int i = 0; i < 4; i++) {
      lo = Math.nextDown(lo);
      hi = Math.nextUp(hi);
      check(lo);
      check(hi);
    }
  }

  @Test
  void specialValuesAndBranchBoundaries() {
    for (double x : new double[] {0.0, -0.0, -1.0, -1.5, -1e300, Double.NaN, Double.POSITIVE_INFINITY,
        Double.NEGATIVE_INFINITY, Double.MAX_VALUE, -Double.MAX_VALUE, Double.MIN_VALUE, -Double.MIN_VALUE,
        Double.MIN_NORMAL, -Double.MIN_NORMAL, 1.0, 0.5, -0.5, 1e-300, 2.0, 3.0, 1e16}) {
      check(x);
    }
    // The branch points of the method: |x| = 2^-54 and 2^-29, x = 0.41422, x = -0.2929, x = 2^53,
    // x = -1, the normalisation point of 1 + x (high word 0x6a09e) and |f| = 2^-20 around powers of two.
    for (double x : new double[] {0x1.0p-54, 0x1.0p-29, Double.longBitsToDouble(0x3fda827a00000000L),
        Double.longBitsToDouble(0xbfd2bec300000000L), Double.longBitsToDouble(0xbfd2bec400000000L), 0x1.0p53,
        -1.0, Math.sqrt(2) - 1, Math.sqrt(0.5) - 1, Double.longBitsToDouble(0x3ff6a09e00000000L) - 1}) {
      around(x);
      around(-x);
    }
    for (int k = -60; k <= 60; k++) {
      double p = Math.scalb(1.0, k);
      around(p - 1); // 1 + x a power of two: f = 0
      around(p);
      around(p * (1 + 0x1.0p-21) - 1); // |f| just above and below 2^-20
      around(p * (1 - 0x1.0p-21) - 1);
    }
  }

  @Test
  void randomArgumentsOverEveryRange() {
    Rng r = new Rng(41);
    for (int i = 0; i < 2_000_000; i++) {
      check(Double.longBitsToDouble(r.nextLong())); // every exponent, both signs, NaNs
      check(r.nextDouble() * 3 - 1.5); // around the branches near 0 and -1
      check(Math.scalb(r.nextDouble() * 2 - 1, r.nextInt(140) - 120)); // small magnitudes
      check(Math.exp(-2 * Math.abs(8 * r.nextGaussian()))); // what ln 2cosh asks for: (0, 1]
    }
  }

  @Test
  void theVectorKernelMatchesTheScalarMethodBitForBit() {
    assertTrue(SpinDenseColumns.VECTOR, "jdk.incubator.vector is not in the test JVM's module graph");
    Rng r = new Rng(43);
    int len = 4099; // not a multiple of the lanes: the scalar tail runs too
    double[] x = new double[len];
    double[] want = new double[len];
    double[] got = new double[len];
    double[] plain = new double[len];
    for (int round = 0; round < 400; round++) {
      for (int i = 0; i < len; i++) {
        x[i] = switch ((round + i) % 5) {
          case 0 -> Math.exp(-2 * Math.abs(3 * r.nextGaussian())); // what ln 2cosh asks for: (0, 1]
          case 1 -> r.nextDouble() * 2; // both reductions, and 1 + x around 2
          case 2 -> Math.sqrt(2) - 1 + (r.nextDouble() - 0.5) * 1e-6; // the reductions' border
          case 3 -> round % 2 == 0 ? r.nextDouble() : 1 - Math.scalb(r.nextDouble(), -18 - r.nextInt(30)); // |f| < 2^-20
          default -> round % 7 == 0 ? Double.longBitsToDouble(r.nextLong()) // anything, now and then: scalar lanes
              : Math.scalb(r.nextDouble(), -r.nextInt(40));
        };
        want[i] = StrictMath.log1p(x[i]);
      }
      Log1pVector.log1p(x, got, len);
      Log1p.log1pAll(x, plain, len);
      for (int i = 0; i < len; i++) {
        int at = i;
        assertEquals(Double.doubleToRawLongBits(want[i]), Double.doubleToRawLongBits(got[i]),
            () -> "log1p(" + x[at] + ") = " + want[at] + ", vector lanes gave " + got[at]);
        assertEquals(Double.doubleToRawLongBits(want[i]), Double.doubleToRawLongBits(plain[i]));
      }
    }
    double[] edges = {0.0, -0.0, 1.0, 2.0, Math.nextDown(2.0), 0x1.0p-29, Math.nextDown(0x1.0p-29), 0x1.0p-54,
        Double.longBitsToDouble(0x3fda827a00000000L), Math.nextDown(Double.longBitsToDouble(0x3fda827a00000000L)),
        Math.sqrt(2) - 1, Math.nextDown(1.0), 1 - 0x1.0p-20, 1 - 0x1.0p-21, Double.NaN, Double.POSITIVE_INFINITY,
        -0.5, -1.0, Double.MIN_VALUE, Double.MAX_VALUE};
    double[] out = new double[edges.length];
    Log1pVector.log1p(edges, out, edges.length);
    for (int i = 0; i < edges.length; i++) {
      assertEquals(Double.doubleToRawLongBits(StrictMath.log1p(edges[i])), Double.doubleToRawLongBits(out[i]),
          "log1p(" + edges[i] + ")");
    }
  }

  @Test
  void ln2coshIsTheFormulaWithTheLibraryLogarithm() {
    Rng r = new Rng(42);
    for (int i = 0; i < 200_000; i++) {
      double x = r.nextGaussian() * Math.pow(10, r.nextInt(7) - 3);
      double a = Math.abs(x);
      assertEquals(Double.doubleToRawLongBits(a + Math.log1p(Math.exp(-2 * a))),
          Double.doubleToRawLongBits(SpinSystem.ln2cosh(x)), "ln2cosh(" + x + ")");
    }
  }
}
