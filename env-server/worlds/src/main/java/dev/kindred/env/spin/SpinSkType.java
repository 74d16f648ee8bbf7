package dev.kindred.env.spin;

import dev.kindred.env.Config;
import dev.kindred.env.Parameter;
import dev.kindred.env.Rng;
import dev.kindred.env.Seeds;
import dev.kindred.env.WorldContext;
import java.util.List;

/** {@code spin.sk}: the fully connected Sherrington–Kirkpatrick spin glass. */
public final class SpinSkType extends SpinWorldType {
  public static final String ID = "spin.sk";

  public SpinSkType() {
    super(ID, "Spin agents on a Sherrington-Kirkpatrick spin glass",
        "Fully connected: every agent observes all others, with couplings w_ij = w_ji ~ N(0,1)/sqrt(n) drawn "
            + "from graph_seed (gamma_ij = gamma*w_ij). Local fields are kept up to date incrementally, so an update "
            + "costs O(1) plus O(n) when the spin flips.");
  }

  @Override
  protected List<Parameter> ownParameters() {
    return List.of(Parameter.integer("n", 256, 2, Integer.MAX_VALUE, "number of spins (at most 16384: n^2 memory)"));
  }

  @Override
  SpinGraph graph(Config c, WorldContext context) {
    int n = checkSpins("n", c.getLong("n"));
    checkDense("n", n);
    SpinCost.admit(context, c, SpinGraph.Kind.DENSE, n, 0, n - 1, 0, 0,
        "a Sherrington-Kirkpatrick glass (dense couplings)");
    double gamma = c.getDouble("gamma");
    double std = c.getDouble("gamma_std");
    boolean sym = c.getBool("symmetric");
    long seed = c.getLong("graph_seed");
    Rng couplings = new Rng(Seeds.mix(seed ^ 0x5c0aL));
    Rng noise = SpinGraph.precisionNoise(seed);
    double[][] g = new double[n][n];
    double scale = 1 / Math.sqrt(n);
    for (int i = 0; i < n; i++) {
      context.cancellation().check(); // n^2 draws: a large n takes seconds
      for (int j = i + 1; j < n; j++) {
        double w = couplings.nextGaussian() * scale;
        double gij = gamma * w + (std == 0 ? 0 : std * noise.nextGaussian());
        double gji = sym || std == 0 ? gij : gamma * w + std * noise.nextGaussian();
        g[i][j] = gij;
        g[j][i] = gji;
      }
    }
    return SpinGraph.fromMatrix(g, true, context.cancellation(), "config.gamma");
  }

  @Override
  String graphDescription(Config c, SpinGraph g) {
    return "Sherrington-Kirkpatrick, n = " + g.n + " (graph_seed " + c.getLong("graph_seed") + ")";
  }
}
