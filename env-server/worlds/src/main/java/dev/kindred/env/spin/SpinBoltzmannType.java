package dev.kindred.env.spin;

import dev.kindred.env.Config;
import dev.kindred.env.EnvException;
import dev.kindred.env.Parameter;
import dev.kindred.env.ParameterType;
import dev.kindred.env.Rng;
import dev.kindred.env.World;
import dev.kindred.env.WorldContext;
import java.util.Arrays;
import java.util.List;

/** {@code spin.boltzmann}: explicit couplings and fields (a Boltzmann machine). */
public final class SpinBoltzmannType extends SpinWorldType {
  public static final String ID = "spin.boltzmann";

  public SpinBoltzmannType() {
    super(ID, "Spin agents with explicit couplings (Boltzmann machine)",
        "Couplings gamma_ij = gamma * couplings[i][j], the precision agent i assigns to neighbour j (zero "
            + "diagonal; zero entries mean no edge; asymmetric matrices are allowed and run out of equilibrium); "
            + "fields are added to the prior precisions zeta_i. In Boltzmann-machine terms W_ij = 2*gamma_ij and "
            + "theta_i = 2*zeta_i; clamp visible units with clamped/clamped_values to sample the hidden units' "
            + "posterior.");
  }

  @Override
  protected List<Parameter> ownParameters() {
    return List.of(
        Parameter.optional("couplings", ParameterType.FLOAT_MATRIX, null, null,
            "n x n coupling matrix (rows: the observing agent i, columns: neighbour j); exactly one of couplings "
                + "and couplings_file"),
        Parameter.optional("fields", ParameterType.FLOAT_LIST, null, null,
            "per-spin fields (length n) added to zeta / zetas; default zeros"),
        Parameter.optional("couplings_file", ParameterType.STRING, null, null,
            "name of a text file in the server's data directory (relative to it; a server without one reads no "
                + "files) holding the n x n matrix: numbers separated by whitespace or commas, one row per line, "
                + "'#' starts a comment"));
  }

  private static final String INLINE = "config.couplings";
  private static final String FILE = "config.couplings_file";
  private static final String SEND_INLINE = "send the n x n matrix inline with 'couplings' instead";

  /**
   * Reads the matrix once (declaring the world's cost as soon as n is known, before the n x n
   * arrays are allocated), then builds the graph and the world from it.
   */
  @Override
  public World create(Config config, int copies, WorldContext context) {
    double[][] m = matrix(config, context);
    return build(config, graphOf(m, config, context), copies, context);
  }

  @Override
  SpinGraph graph(Config c, WorldContext context) {
    return graphOf(matrix(c, context), c, context);
  }

  private static SpinGraph graphOf(double[][] m, Config c, WorldContext context) {
    int n = m.length;
    double gamma = c.getDouble("gamma");
    double std = c.getDouble("gamma_std");
    boolean sym = c.getBool("symmetric");
    Rng noise = SpinGraph.precisionNoise(c.getLong("graph_seed"));
    double[][] g = new double[n][n];
    for (int i = 0; i < n; i++) {
      context.cancellation().check();
      for (int j = i + 1; j < n; j++) {
        if (m[i][j] == 0 && m[j][i] == 0) {
          continue;
        }
        double e1 = std == 0 ? 0 : noise.nextGaussian();
        double e2 = sym || std == 0 ? e1 : noise.nextGaussian();
        g[i][j] = m[i][j] == 0 ? 0 : gamma * m[i][j] + std * e1;
        g[j][i] = m[j][i] == 0 ? 0 : gamma * m[j][i] + std * e2;
      }
    }
    return SpinGraph.fromMatrix(g, false, context.cancellation(), c.has("couplings") ? INLINE : FILE);
  }

  @Override
  String graphDescription(Config c, SpinGraph g) {
    return "explicit " + g.n + " x " + g.n + " coupling matrix" + (c.has("couplings_file")
        ? " from " + c.getString("couplings_file") : "");
  }

  /** Adds 'fields' to the prior precisions (zeta or zetas) the shared options parsed. */
  @Override
  SpinOptions options(Config c, SpinGraph g) {
    SpinOptions o = super.options(c, g);
    if (!c.has("fields")) {
      return o;
    }
    double[] f = c.getDoubleList("fields");
    int n = g.n;
    if (f.length != n) {
      throw EnvException.invalid("config.fields", "has " + f.length + " entries; expected one per spin, n = " + n);
    }
    double[] z = new double[n];
    for (int i = 0; i < n; i++) {
      z[i] = (o.zetas() != null ? o.zetas()[i] : o.zeta()) + f[i];
      if (!Double.isFinite(z[i]) || Math.abs(z[i]) > 1e6) {
        throw EnvException.invalid("config.fields[" + i + "]", "the prior precision zeta + field = " + z[i]
            + " is out of range; expected -1e6 <= zeta + field <= 1e6");
      }
    }
    return o.withZetas(z);
  }

  /** The matrix, inline or from the data directory, validated: n x n, finite, zero diagonal. */
  static double[][] matrix(Config c, WorldContext context) {
    boolean inline = c.has("couplings");
    boolean file = c.has("couplings_file");
    if (inline == file) {
      throw EnvException.invalid(inline ? FILE : INLINE,
          "give exactly one of couplings (an n x n matrix) and couplings_file (a file in the data directory)");
    }
    double[][] m;
    if (inline) {
      m = c.getMatrix("couplings");
      if (m.length >= 1) {
        admit(context, c, m.length);
      }
    } else {
      m = readFile(context, c, c.getString("couplings_file"));
    }
    String field = inline ? INLINE : FILE;
    int n = m.length;
    if (n < 1) {
      throw EnvException.invalid(field, "the matrix is empty; expected n x n with n >= 1");
    }
    for (int i = 0; i < n; i++) {
      if (m[i].length != n) {
        throw EnvException.invalid(field, "row " + i + " has " + m[i].length + " entries but there are " + n
            + " rows; the matrix must be square (n x n)");
      }
      for (int j = 0; j < n; j++) {
        if (!Double.isFinite(m[i][j])) {
          // A file's contents are never quoted back; the client's own inline values may be.
          throw EnvException.invalid(field, "entry [" + i + "][" + j + "] is " + (inline ? m[i][j] : "not finite")
              + "; expected a finite number");
        }
      }
      if (m[i][i] != 0) {
        throw EnvException.invalid(field, "diagonal entry [" + i + "][" + i + "] is " + (inline ? m[i][i] : "nonzero")
            + "; an agent does not observe itself, so the diagonal must be zero");
      }
    }
    return m;
  }

  /**
   * Checks n against the dense limit and declares the cost of an n-spin world: the matrix as
   * given, the graph built from it and the stored couplings.
   */
  private static void admit(WorldContext context, Config c, int n) {
    checkDense(c.has("couplings") ? "couplings" : "couplings_file", n);
    SpinCost.admit(context, c, SpinGraph.Kind.DENSE, n, 0, n - 1, 8L * n * n, 0, "an explicit coupling matrix (dense)");
  }

  /**
   * Parses the matrix from a file in the data directory. The first row gives n: the world's cost
   * is declared before the rows are allocated. Errors name lines and entries, never quote them.
   */
  private static double[][] readFile(WorldContext context, Config c, String name) {
    String text = context.dataFiles().readString(FILE, name, SEND_INLINE);
    double[][] rows = null;
    int count = 0;
    int line = 0;
    for (int from = 0; from < text.length(); line++) {
      int end = text.indexOf('\n', from);
      if (end < 0) {
        end = text.length();
      }
      String row = text.substring(from, end);
      from = end + 1;
      int hash = row.indexOf('#');
      if (hash >= 0) {
        row = row.substring(0, hash);
      }
      row = row.trim();
      if (row.isEmpty()) {
        continue;
      }
      String[] tok = row.split("[\\s,]+");
      if (rows == null) {
        if (tok.length > SpinGraph.MAX_DENSE) {
          throw EnvException.invalid(FILE, "line " + (line + 1) + " has " + tok.length + " entries; a dense "
              + "matrix has at most " + SpinGraph.MAX_DENSE + " columns");
        }
        admit(context, c, tok.length);
        rows = new double[tok.length][];
      }
      if (count == rows.length) {
        throw EnvException.invalid(FILE, "line " + (line + 1) + " is row " + (count + 1) + " but the first row has "
            + rows.length + " entries; the matrix must be square (n x n)");
      }
      double[] values = new double[tok.length];
      for (int k = 0; k < tok.length; k++) {
        try {
          values[k] = Double.parseDouble(tok[k]);
        } catch (NumberFormatException e) {
          throw EnvException.invalid(FILE, "line " + (line + 1) + ", entry " + (k + 1) + " is not a number");
        }
      }
      rows[count++] = values;
    }
    return rows == null ? new double[0][] : Arrays.copyOf(rows, count);
  }
}
