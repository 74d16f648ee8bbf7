package dev.kindred.env.spin;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Log1p#log1p} over an array with the incubating Vector API (loaded only when the module is
 * present: {@link Log1p#log1pAll}): the same operations, lane by lane, so the same bits. fdlibm's
 * two reductions (f = x where x < 0.41422, else 1 + x = 2^k (1 + f) with the correction c) are both
 * computed and blended; a step with any lane outside [2^-29, 2) or with |f| < 2^-20 (fdlibm's
 * branches for those) runs the scalar method for its lanes. The general final expression serves
 * k = 0 as well (see {@link Log1p}), with c cleared there as fdlibm leaves it out. The operations
 * avoid what AVX2 lacks (arithmetic right shifts and conversions of 64-bit lanes), so they compile
 * to vector instructions there too.
 */
final class Log1pVector {
  private Log1pVector() {}

  private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED;

  /** {@code out[i] = Log1p.log1p(x[i])} for 0 <= i < len. */
  static void log1p(double[] x, double[] out, int len) {
    int i = 0;
    for (int bound = D.loopBound(len); i < bound; i += D.length()) {
      DoubleVector xv = DoubleVector.fromArray(D, x, i);
      LongVector hx = xv.reinterpretAsLongs().lanewise(VectorOperators.LSHR, 32);
      // Lanes for the scalar method: x < 2^-29, x >= 2 or negative (sign bit set), inf, NaN.
      VectorMask<Long> scalar = hx.compare(VectorOperators.LT, 0x3e200000L)
          .or(hx.compare(VectorOperators.GE, 0x40000000L));
      DoubleVector u = xv.add(1.0);
      LongVector ub = u.reinterpretAsLongs();
      LongVector hu = ub.lanewise(VectorOperators.LSHR, 32);
      LongVector k = hu.lanewise(VectorOperators.LSHR, 20).sub(1023L); // 0 or 1 (u in [1, 3))
      // c = (k > 0 ? 1 - (u - x) : x - (u - 1)) / u, the rounding error of 1 + x
      DoubleVector cUp = DoubleVector.broadcast(D, 1.0).sub(u.sub(xv));
      DoubleVector cDown = xv.sub(u.sub(1.0));
      DoubleVector c = cDown.blend(cUp, k.compare(VectorOperators.GT, 0L).cast(D)).div(u);
      hu = hu.and(0x000fffffL);
      VectorMask<Long> big = hu.compare(VectorOperators.GE, 0x6a09eL); // normalise u / 2 into [√2/2, 1)
      k = k.blend(k.add(1L), big);
      LongVector high = hu.or(0x3ff00000L).blend(hu.or(0x3fe00000L), big);
      DoubleVector un = high.lanewise(VectorOperators.LSHL, 32).or(ub.and(0xffffffffL)).reinterpretAsDoubles();
      hu = hu.blend(LongVector.broadcast(L, 0x00100000L).sub(hu).lanewise(VectorOperators.LSHR, 2), big);
      DoubleVector f = un.sub(1.0);
      // x < 0.41422: f = x, k = 0, hu = 1 (no reduction)
      VectorMask<Long> small = hx.compare(VectorOperators.LT, 0x3fda827aL);
      f = f.blend(xv, small.cast(D));
      k = k.blend(0L, small);
      hu = hu.blend(1L, small);
      c = c.blend(0.0, k.compare(VectorOperators.EQ, 0L).cast(D));
      scalar = scalar.or(hu.compare(VectorOperators.EQ, 0L));
      if (scalar.anyTrue()) {
        for (int j = i; j < i + D.length(); j++) {
          out[j] = Log1p.log1p(x[j]);
        }
        continue;
      }
      DoubleVector hfsq = f.mul(0.5).mul(f);
      DoubleVector s = f.div(f.add(2.0));
      DoubleVector z = s.mul(s);
      DoubleVector r = z.mul(Log1p.LP7).add(Log1p.LP6);
      r = z.mul(r).add(Log1p.LP5);
      r = z.mul(r).add(Log1p.LP4);
      r = z.mul(r).add(Log1p.LP3);
      r = z.mul(r).add(Log1p.LP2);
      r = z.mul(r).add(Log1p.LP1);
      r = z.mul(r);
      // k as a double (0, 1 or 2) by blending constants: packed long-to-double conversion needs AVX-512.
      DoubleVector kd = DoubleVector.zero(D).blend(1.0, k.compare(VectorOperators.EQ, 1L).cast(D))
          .blend(2.0, k.compare(VectorOperators.EQ, 2L).cast(D));
      // k ln2_hi - ((hfsq - (s (hfsq + R) + (k ln2_lo + c))) - f)
      DoubleVector t = s.mul(hfsq.add(r)).add(kd.mul(Log1p.LN2_LO).add(c));
      kd.mul(Log1p.LN2_HI).sub(hfsq.sub(t).sub(f)).intoArray(out, i);
    }
    for (; i < len; i++) {
      out[i] = Log1p.log1p(x[i]);
    }
  }
}
