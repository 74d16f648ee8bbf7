package dev.kindred.env.spin;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link SpinDenseColumns#add} with the incubating Vector API: loaded only when the module is
 * present. Each step loads L floats of the column (half the preferred shape), widens them to L
 * doubles (exact), multiplies by d (exact: d = ±2), adds them to L fields (one rounding each, as
 * the scalar loop) and stores; the tail runs the scalar loop.
 */
final class SpinDenseVector {
  private SpinDenseVector() {}

  private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Float> FLOATS =
      VectorSpecies.of(float.class, VectorShape.forBitSize(DOUBLES.vectorBitSize() / 2));

  static void add(double[] f, int fOff, float[] m, int mOff, int n, double d) {
    int i = 0;
    for (int bound = DOUBLES.loopBound(n); i < bound; i += DOUBLES.length()) {
      DoubleVector column = (DoubleVector) FloatVector.fromArray(FLOATS, m, mOff + i)
          .convertShape(VectorOperators.F2D, DOUBLES, 0);
      DoubleVector.fromArray(DOUBLES, f, fOff + i).add(column.mul(d)).intoArray(f, fOff + i);
    }
    for (; i < n; i++) {
      f[fOff + i] += m[mOff + i] * d;
    }
  }
}
