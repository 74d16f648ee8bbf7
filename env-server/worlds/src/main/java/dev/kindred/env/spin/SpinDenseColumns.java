package dev.kindred.env.spin;

/**
 * The dense kernels' hot path: adding one column of the coupling matrix, times ±2, to a copy's
 * local fields when a spin flips ({@code f[fOff + i] += (double) m[mOff + i] * d} for i below n).
 *
 * <p>The couplings are single precision (half the memory traffic of doubles: an n = 1024 matrix
 * is 4 MB) and the fields double precision, so every term is exact ({@code (double) γ · ±2}) and
 * the only rounding is that of each field's own addition, as in a plain double loop.
 *
 * <p>C2 (JDK 17) does not vectorise this loop where the kernels inline it, so when the JDK's
 * incubating Vector API is on the module graph ({@code --add-modules jdk.incubator.vector}, as
 * the launchers and tests run it) the column goes through {@link SpinDenseVector}: the same
 * lanewise convert, multiply and add (no fused multiply-add, no reduction), so the result is the
 * same bit for bit as {@link #scalar}, which runs when the module is absent.
 */
final class SpinDenseColumns {
  private SpinDenseColumns() {}

  /** Whether the Vector API kernel is used (the module is in the boot layer). */
  static final boolean VECTOR = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

  /** {@code f[fOff + i] += (double) m[mOff + i] * d} for 0 <= i < n. */
  static void add(double[] f, int fOff, float[] m, int mOff, int n, double d) {
    if (VECTOR) {
      SpinDenseVector.add(f, fOff, m, mOff, n, d);
    } else {
      scalar(f, fOff, m, mOff, n, d);
    }
  }

  /** The plain loop: the reference the vector kernel must match bit for bit. */
  static void scalar(double[] f, int fOff, float[] m, int mOff, int n, double d) {
    for (int i = 0; i < n; i++) {
      f[fOff + i] += m[mOff + i] * d;
    }
  }
}
