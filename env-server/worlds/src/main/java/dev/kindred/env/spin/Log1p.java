package dev.kindred.env.spin;

/**
 * ln(1 + x) in Java, returning exactly what {@link StrictMath#log1p} returns (fdlibm's
 * {@code s_log1p.c}, whose algorithm and constants this follows), without the native call: in
 * JDK 17 {@link Math#log1p} is {@link StrictMath#log1p}, a JNI call into the C fdlibm that costs
 * more than the arithmetic. The spin observables take ln 2cosh of every local field on every
 * step ({@link SpinSystem#ln2cosh}); {@code Log1pTest} checks this against {@link StrictMath#log1p}
 * bit for bit over every branch.
 *
 * <p>Method (fdlibm): write 1 + x = 2^k (1 + f) with √2/2 < 1 + f < √2, keeping the rounding
 * error of 1 + x as a correction c; then ln(1 + f) = f − s(f − R) with s = f / (2 + f) and R a
 * degree-14 minimax polynomial in s (coefficients Lp1..Lp7), and
 * ln(1 + x) = k ln2_hi + (f − (hf² − (s(hf² + R) + (k ln2_lo + c)))), hf² = f²/2.
 *
 * <p>fdlibm: Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved. Developed at
 * SunSoft, a Sun Microsystems, Inc. business. Permission to use, copy, modify, and distribute this
 * software is freely granted, provided that this notice is preserved.
 */
final class Log1p {
  private Log1p() {}

  static final double LN2_HI = Double.longBitsToDouble(0x3fe62e42fee00000L);
  static final double LN2_LO = Double.longBitsToDouble(0x3dea39ef35793c76L);
  private static final double TWO54 = 0x1.0p54;
  static final double LP1 = Double.longBitsToDouble(0x3fe5555555555593L);
  static final double LP2 = Double.longBitsToDouble(0x3fd999999997fa04L);
  static final double LP3 = Double.longBitsToDouble(0x3fd2492494229359L);
  static final double LP4 = Double.longBitsToDouble(0x3fcc71c51d8e78afL);
  static final double LP5 = Double.longBitsToDouble(0x3fc7466496cb03deL);
  static final double LP6 = Double.longBitsToDouble(0x3fc39a09d078c69fL);
  static final double LP7 = Double.longBitsToDouble(0x3fc2f112df3e5244L);

  /**
   * {@code out[i] = log1p(x[i])} for 0 <= i < len: through {@link Log1pVector} (several lanes at
   * once, the same bits) when the Vector API module is present, else one by one.
   */
  static void log1pAll(double[] x, double[] out, int len) {
    if (SpinDenseColumns.VECTOR) {
      Log1pVector.log1p(x, out, len);
    } else {
      for (int i = 0; i < len; i++) {
        out[i] = log1p(x[i]);
      }
    }
  }

  /** ln(1 + x), equal to {@link StrictMath#log1p}(x) for every x. */
  static double log1p(double x) {
    int hx = (int) (Double.doubleToRawLongBits(x) >>> 32);
    int ax = hx & 0x7fffffff;
    int k = 1;
    int hu = 0;
    double f = 0;
    double c = 0;
    if (hx < 0x3fda827a) { // x < 0.41422 (and every negative x)
      if (ax >= 0x3ff00000) { // x <= -1
        return x == -1.0 ? -TWO54 / 0.0 : (x - x) / (x - x); // -inf; NaN below -1
      }
      if (ax < 0x3e200000) { // |x| < 2^-29
        return ax < 0x3c900000 ? x : x - x * x * 0.5; // |x| < 2^-54: x itself
      }
      if (hx > 0 || hx <= 0xbfd2bec3) { // -0.2929 < x < 0.41422
        k = 0;
        f = x;
        hu = 1;
      }
    }
    if (hx >= 0x7ff00000) { // +inf or NaN
      return x + x;
    }
    if (k != 0) {
      double u;
      if (hx < 0x43400000) { // x < 2^53
        u = 1.0 + x;
        hu = (int) (Double.doubleToRawLongBits(u) >>> 32);
        k = (hu >> 20) - 1023;
        c = k > 0 ? 1.0 - (u - x) : x - (u - 1.0); // the rounding error of 1 + x
        c /= u;
      } else {
        u = x;
        hu = (int) (Double.doubleToRawLongBits(u) >>> 32);
        k = (hu >> 20) - 1023;
        c = 0;
      }
      hu &= 0x000fffff;
      long low = Double.doubleToRawLongBits(u) & 0xffffffffL;
      if (hu < 0x6a09e) { // normalise u into [1, √2)
        u = Double.longBitsToDouble(((long) (hu | 0x3ff00000) << 32) | low);
      } else { // or u / 2 into [√2/2, 1)
        k += 1;
        u = Double.longBitsToDouble(((long) (hu | 0x3fe00000) << 32) | low);
        hu = (0x00100000 - hu) >> 2;
      }
      f = u - 1.0;
    }
    double hfsq = 0.5 * f * f;
    if (hu == 0) { // |f| < 2^-20
      if (f == 0.0) {
        if (k == 0) {
          return 0.0;
        }
        c += k * LN2_LO;
        return k * LN2_HI + c;
      }
      double r = hfsq * (1.0 - 0.66666666666666666 * f);
      return k == 0 ? f - r : k * LN2_HI - ((r - (k * LN2_LO + c)) - f);
    }
    double s = f / (2.0 + f);
    double z = s * s;
    double r = z * (LP1 + z * (LP2 + z * (LP3 + z * (LP4 + z * (LP5 + z * (LP6 + z * LP7))))));
    return k == 0 ? f - (hfsq - s * (hfsq + r)) : k * LN2_HI - ((hfsq - (s * (hfsq + r) + (k * LN2_LO + c))) - f);
  }
}
