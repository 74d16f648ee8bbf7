package dev.kindred.env.spin;

import dev.kindred.env.Config;
import dev.kindred.env.EnvException;
import dev.kindred.env.Parameter;
import dev.kindred.env.WorldContext;
import java.util.List;

/** {@code spin.random_regular}: a uniformly random simple d-regular graph. */
public final class SpinRandomRegularType extends SpinWorldType {
  public static final String ID = "spin.random_regular";

  public SpinRandomRegularType() {
    super(ID, "Spin agents on a random regular graph",
        "A random simple graph (no self-loops or multi-edges) where every spin has exactly 'degree' neighbours, "
            + "drawn from graph_seed (pairing model with rejection and restarts); each agent lists its neighbours in "
            + "ascending index order.");
  }

  @Override
  protected List<Parameter> ownParameters() {
    return List.of(
        Parameter.integer("n", 256, 2, Integer.MAX_VALUE, "number of spins"),
        Parameter.integer("degree", 3, 1, Integer.MAX_VALUE, "neighbours per spin; degree < n and n*degree even"));
  }

  @Override
  SpinGraph graph(Config c, WorldContext context) {
    int n = checkSpins("n", c.getLong("n"));
    int d = c.getInt("degree");
    if (d >= n) {
      throw EnvException.invalid("config.degree", "degree " + d + " must be below n = " + n + " (a simple graph)");
    }
    if (((long) n * d) % 2 != 0) {
      throw EnvException.invalid("config.degree", "n*degree = " + ((long) n * d)
          + " is odd; a d-regular graph needs n*degree even");
    }
    SpinGraph.checkEdges("degree", (long) n * d);
    // Above (n-1)/2 the graph is the complement of a sparser one: n^2/2 pairs to walk, and a set
    // of the complement's edges.
    boolean complement = d > (n - 1) / 2;
    long complementEdges = complement ? (long) n * (n - 1 - d) / 2 : 0;
    SpinCost.admit(context, c, SpinGraph.Kind.CSR, n, (long) n * d, d, 64 * complementEdges,
        complement ? (long) n * n / 2 : 0, "a random " + d + "-regular graph");
    int[][] e = SpinGraph.randomRegular(n, d, c.getLong("graph_seed"));
    return SpinGraph.fromEdges(n, e[0], e[1], e[0].length, c.getDouble("gamma"), c.getDouble("gamma_std"),
        c.getBool("symmetric"), c.getLong("graph_seed"), "degree");
  }

  @Override
  String graphDescription(Config c, SpinGraph g) {
    return "random " + c.getInt("degree") + "-regular graph on " + g.n + " vertices (graph_seed "
        + c.getLong("graph_seed") + ")";
  }
}
