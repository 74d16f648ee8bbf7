package dev.kindred.env.spin;

import dev.kindred.env.Config;
import dev.kindred.env.EnvException;
import dev.kindred.env.Parameter;
import dev.kindred.env.WorldContext;
import java.util.List;

/** {@code spin.erdos_renyi}: a G(n, p) random graph with p = mean_degree / (n − 1). */
public final class SpinErdosRenyiType extends SpinWorldType {
  public static final String ID = "spin.erdos_renyi";

  public SpinErdosRenyiType() {
    super(ID, "Spin agents on an Erdos-Renyi random graph",
        "A G(n, p) random graph, p = mean_degree/(n-1), drawn from graph_seed; each agent lists its neighbours "
            + "in ascending index order (isolated agents observe nothing and follow their prior).");
  }

  @Override
  protected List<Parameter> ownParameters() {
    return List.of(
        Parameter.integer("n", 256, 2, Integer.MAX_VALUE, "number of spins"),
        Parameter.number("mean_degree", 4.0, 0, 1e9, "expected degree; p = mean_degree/(n-1) <= 1"));
  }

  @Override
  SpinGraph graph(Config c, WorldContext context) {
    int n = checkSpins("n", c.getLong("n"));
    double md = c.getDouble("mean_degree");
    if (md > n - 1) {
      throw EnvException.invalid("config.mean_degree", "mean_degree " + md + " exceeds n - 1 = " + (n - 1)
          + " (edge probability above 1)");
    }
    long edges = (long) Math.ceil(md * n * 1.05 + 64);
    SpinGraph.checkEdges("mean_degree", edges);
    // The widest row of G(n, p) stays within a few standard deviations of the mean.
    long widest = Math.min(n - 1, (long) Math.ceil(md + 6 * Math.sqrt(md) + 8));
    SpinCost.admit(context, c, SpinGraph.Kind.CSR, n, edges, widest, 0, 0, "an Erdos-Renyi graph of mean degree " + md);
    int[][] e = SpinGraph.erdosRenyi(n, md / (n - 1), c.getLong("graph_seed"));
    return SpinGraph.fromEdges(n, e[0], e[1], e[0].length, c.getDouble("gamma"), c.getDouble("gamma_std"),
        c.getBool("symmetric"), c.getLong("graph_seed"), "mean_degree");
  }

  @Override
  String graphDescription(Config c, SpinGraph g) {
    return "Erdos-Renyi graph on " + g.n + " vertices, mean degree " + c.getDouble("mean_degree")
        + " (graph_seed " + c.getLong("graph_seed") + ")";
  }
}
