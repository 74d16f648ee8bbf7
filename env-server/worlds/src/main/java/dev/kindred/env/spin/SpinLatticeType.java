package dev.kindred.env.spin;

import dev.kindred.env.Config;
import dev.kindred.env.Parameter;
import dev.kindred.env.WorldContext;
import java.util.List;

/** {@code spin.lattice}: a periodic 2-D square lattice (Ising model). */
public final class SpinLatticeType extends SpinWorldType {
  public static final String ID = "spin.lattice";

  public SpinLatticeType() {
    super(ID, "Spin agents on a periodic 2-D lattice (Ising)",
        "A width x height periodic square lattice; spin i = y*width + x observes its 4 neighbours in the order "
            + "+x, -x, +y, -y. Bipartite (checkerboard schedule allowed) iff width and height are both even. With "
            + "gamma = 1 and zeta = 0 the asynchronous dynamics sample the 2-D Ising model at temperature 1/beta "
            + "(T_c = 2/ln(1+sqrt 2)).");
  }

  @Override
  protected List<Parameter> ownParameters() {
    return List.of(
        Parameter.integer("width", 32, 2, Integer.MAX_VALUE, "lattice width (x extent), at least 2"),
        Parameter.integer("height", 32, 2, Integer.MAX_VALUE, "lattice height (y extent), at least 2"));
  }

  @Override
  SpinGraph graph(Config c, WorldContext context) {
    int w = c.getInt("width");
    int h = c.getInt("height");
    long n = (long) w * h;
    double gamma = c.getDouble("gamma");
    double std = c.getDouble("gamma_std");
    String shape = "a periodic lattice " + w + " x " + h;
    checkSpins("width", n);
    if (std == 0) {
      SpinCost.admit(context, c, SpinGraph.Kind.LATTICE, n, 0, 4, 0, 0, shape);
      return SpinGraph.lattice(w, h, gamma);
    }
    SpinCost.admit(context, c, SpinGraph.Kind.CSR, n, 4 * n, 4, 32 * n, 4 * n, shape + " with per-edge precisions");
    return SpinGraph.latticeDisordered(w, h, gamma, std, c.getBool("symmetric"), c.getLong("graph_seed"));
  }

  @Override
  String graphDescription(Config c, SpinGraph g) {
    return "periodic lattice " + c.getInt("width") + " x " + c.getInt("height");
  }
}
