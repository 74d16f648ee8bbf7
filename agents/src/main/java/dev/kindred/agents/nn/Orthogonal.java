package dev.kindred.agents.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Orthogonal initialisation (Saxe, McClelland and Ganguli 2014): a weight of shape
 * {@code [out, in, ...]} viewed as an {@code out x fanIn} matrix is set to {@code gain} times a
 * matrix with orthonormal rows (when {@code out <= fanIn}) or columns, obtained by
 * Gram-Schmidt from a Gaussian one; biases are set to 0.
 */
final class Orthogonal {
  private Orthogonal() {}

  /** Initialises every parameter of {@code block} (and its children). */
  static void initialize(Block block, double gain, SplitMix random) {
    for (Pair<String, Parameter> p : block.getParameters()) {
      Parameter param = p.getValue();
      NDArray a = param.getArray();
      long[] shape = a.getShape().getShape();
      float[] values;
      if (param.getType() == Parameter.Type.WEIGHT && shape.length >= 2) {
        int rows = (int) shape[0];
        int cols = (int) (a.size() / rows);
        values = matrix(rows, cols, gain, random);
      } else {
        values = new float[(int) a.size()];
      }
      ByteBuffer b = ByteBuffer.allocateDirect(4 * values.length).order(ByteOrder.nativeOrder());
      b.asFloatBuffer().put(values);
      a.set(b);
    }
  }

  /** A {@code rows x cols} matrix, row-major, {@code gain} times orthonormal rows or columns. */
  static float[] matrix(int rows, int cols, double gain, SplitMix random) {
    int n = Math.max(rows, cols);
    int k = Math.min(rows, cols);
    // k orthonormal vectors of length n, by modified Gram-Schmidt over Gaussian draws.
    double[][] v = new double[k][n];
    for (int i = 0; i < k; i++) {
      while (true) {
        for (int j = 0; j < n; j++) {
          v[i][j] = gaussian(random);
        }
        for (int p = 0; p < i; p++) {
          double dot = 0;
          for (int j = 0; j < n; j++) {
            dot += v[i][j] * v[p][j];
          }
          for (int j = 0; j < n; j++) {
            v[i][j] -= dot * v[p][j];
          }
        }
        double norm = 0;
        for (int j = 0; j < n; j++) {
          norm += v[i][j] * v[i][j];
        }
        norm = Math.sqrt(norm);
        if (norm > 1e-6) {
          for (int j = 0; j < n; j++) {
            v[i][j] /= norm;
          }
          break;
        }
      }
    }
    float[] out = new float[rows * cols];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        double x = rows <= cols ? v[r][c] : v[c][r];
        out[r * cols + c] = (float) (gain * x);
      }
    }
    return out;
  }

  private static double gaussian(SplitMix random) {
    double u = random.nextDouble();
    double w = random.nextDouble();
    return Math.sqrt(-2 * Math.log1p(-u)) * Math.cos(2 * Math.PI * w);
  }
}
