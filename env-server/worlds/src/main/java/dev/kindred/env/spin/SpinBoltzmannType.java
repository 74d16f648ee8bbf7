package dev.kindred.env.spin;

import dev.kindred.env.Config;
import dev.kindred.env.EnvException;
import dev.kindred.env.Parameter;
import dev.kindred.env.ParameterType;
import dev.kindred.env.Rng;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
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
            "path (on the server) of a text file holding the n x n matrix: numbers separated by whitespace or "
                + "commas, one row per line, '#' starts a comment"));
  }

  @Override
  SpinGraph graph(Config c) {
    double[][] m = matrix(c);
    int n = m.length;
    double gamma = c.getDouble("gamma");
    double std = c.getDouble("gamma_std");
    boolean sym = c.getBool("symmetric");
    Rng noise = SpinGraph.precisionNoise(c.getLong("graph_seed"));
    double[][] g = new double[n][n];
    for (int i = 0; i < n; i++) {
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
    return SpinGraph.fromMatrix(g, false);
  }

  @Override
  String graphDescription(Config c, SpinGraph g) {
    return "explicit " + g.n + " x " + g.n + " coupling matrix" + (c.has("couplings_file")
        ? " from " + c.getString("couplings_file") : "");
  }

  @Override
  public dev.kindred.env.World create(Config config, int copies) {
    return super.create(withFields(config), copies);
  }

  /** Folds 'fields' into zetas so the shared option parser sees the total prior precision. */
  private Config withFields(Config c) {
    if (!c.has("fields")) {
      return c;
    }
    double[] f = c.getDoubleList("fields");
    int n = matrix(c).length;
    if (f.length != n) {
      throw EnvException.invalid("config.fields", "has " + f.length + " entries; expected one per spin, n = " + n);
    }
    double[] z = new double[n];
    if (c.has("zetas")) {
      double[] zs = c.getDoubleList("zetas");
      if (zs.length != n) {
        throw EnvException.invalid("config.zetas", "has " + zs.length + " entries; expected one per spin, n = " + n);
      }
      for (int i = 0; i < n; i++) {
        z[i] = zs[i] + f[i];
      }
    } else {
      double z0 = c.getDouble("zeta");
      for (int i = 0; i < n; i++) {
        z[i] = z0 + f[i];
      }
    }
    java.util.Map<String, Object> raw = new java.util.LinkedHashMap<>(c.toPlain());
    raw.remove("fields");
    raw.put("zetas", toList(z));
    return schema().resolve(raw);
  }

  private static List<Object> toList(double[] z) {
    List<Object> out = new ArrayList<>(z.length);
    for (double v : z) {
      out.add(v);
    }
    return out;
  }

  static double[][] matrix(Config c) {
    boolean inline = c.has("couplings");
    boolean file = c.has("couplings_file");
    if (inline == file) {
      throw EnvException.invalid(inline ? "config.couplings_file" : "config.couplings",
          "give exactly one of couplings (an n x n matrix) and couplings_file (a path)");
    }
    String field = inline ? "config.couplings" : "config.couplings_file";
    double[][] m = inline ? c.getMatrix("couplings") : readFile(c.getString("couplings_file"));
    int n = m.length;
    if (n < 1) {
      throw EnvException.invalid(field, "the matrix is empty; expected n x n with n >= 1");
    }
    checkDense(inline ? "couplings" : "couplings_file", n);
    for (int i = 0; i < n; i++) {
      if (m[i].length != n) {
        throw EnvException.invalid(field, "row " + i + " has " + m[i].length + " entries but there are " + n
            + " rows; the matrix must be square (n x n)");
      }
      for (int j = 0; j < n; j++) {
        if (!Double.isFinite(m[i][j])) {
          throw EnvException.invalid(field, "entry [" + i + "][" + j + "] is " + m[i][j] + "; expected a finite number");
        }
      }
      if (m[i][i] != 0) {
        throw EnvException.invalid(field, "diagonal entry [" + i + "][" + i + "] is " + m[i][i]
            + "; an agent does not observe itself, so the diagonal must be zero");
      }
    }
    return m;
  }

  private static double[][] readFile(String path) {
    String field = "config.couplings_file";
    List<String> lines;
    try {
      lines = Files.readAllLines(Path.of(path), StandardCharsets.UTF_8);
    } catch (IOException | InvalidPathException | SecurityException e) {
      throw EnvException.invalid(field, "cannot read '" + path + "': " + e.getMessage());
    }
    List<double[]> rows = new ArrayList<>();
    for (int ln = 0; ln < lines.size(); ln++) {
      String line = lines.get(ln);
      int hash = line.indexOf('#');
      if (hash >= 0) {
        line = line.substring(0, hash);
      }
      line = line.trim();
      if (line.isEmpty()) {
        continue;
      }
      String[] tok = line.split("[\\s,]+");
      double[] row = new double[tok.length];
      for (int k = 0; k < tok.length; k++) {
        try {
          row[k] = Double.parseDouble(tok[k]);
        } catch (NumberFormatException e) {
          throw EnvException.invalid(field, "line " + (ln + 1) + ": '" + tok[k] + "' is not a number");
        }
      }
      rows.add(row);
      if (rows.size() > SpinGraph.MAX_DENSE) {
        throw EnvException.invalid(field, "more than " + SpinGraph.MAX_DENSE + " rows; too large for a dense matrix");
      }
    }
    return rows.toArray(new double[0][]);
  }
}
