package dev.kindred.env.spin;

import static dev.kindred.env.WorldCost.saturatedAdd;
import static dev.kindred.env.WorldCost.saturatedMultiply;

import dev.kindred.env.Config;
import dev.kindred.env.WorldContext;
import dev.kindred.env.WorldCost;

/**
 * The cost of a spin world, from the size of its graph and its shared keys, declared to the host
 * ({@link WorldContext#admit}) before the graph or any copy is allocated. Upper bounds: a dense
 * update counts the O(n) pass of a flip whether or not the spin flips; building a dense matrix
 * counts the n x n array it is built from as well as the stored one.
 */
final class SpinCost {
  private SpinCost() {}

  /**
   * Declares the cost of a world of {@code n} spins to the host.
   *
   * @param kind        how the couplings are stored
   * @param storedEdges directed edges held in arrays (CSR), 0 otherwise
   * @param maxDegree   most neighbours of one spin (the width of per-agent observations)
   * @param extraBytes  transient memory of building the graph beyond its arrays
   * @param extraWork   updates of building the graph beyond one per stored entry
   * @param graph       the graph in the configuration's words, e.g. "a periodic lattice 256 x 256"
   */
  static void admit(WorldContext context, Config c, SpinGraph.Kind kind, long n, long storedEdges,
      long maxDegree, long extraBytes, long extraWork, String graph) {
    context.admit(estimate(c, kind, n, storedEdges, maxDegree, extraBytes, extraWork, graph));
  }

  static WorldCost estimate(Config c, SpinGraph.Kind kind, long n, long storedEdges, long maxDegree,
      long extraBytes, long extraWork, String graph) {
    long burnIn = c.getLong("burn_in_sweeps");
    long sweeps = c.getLong("sweeps_per_step");
    long controlled = c.getLongList("controlled").length;
    long nn = saturatedMultiply(n, n);
    // Memory shared by the copies: the couplings (and what they are built from), per-spin priors.
    long shared = switch (kind) {
      case LATTICE -> 0;
      case CSR -> saturatedAdd(saturatedMultiply(storedEdges, 24), saturatedMultiply(n, 8));
      // The double matrix the couplings are built from (8 bytes each) and the float matrix kept (4).
      case DENSE -> saturatedMultiply(nn, 12);
    };
    // Per spin: the free sites and the checks of controlled and clamped lists; zetas if given.
    shared = saturatedAdd(shared, saturatedMultiply(n, c.has("zetas") ? 16 : 8));
    shared = saturatedAdd(shared, extraBytes);
    // Per copy: spins, cached dense fields, and observations (per agent: its neighbours' spins,
    // masks and precisions; per copy: every spin).
    long perCopy = saturatedAdd(n, kind == SpinGraph.Kind.DENSE ? saturatedMultiply(n, 8) : 0);
    perCopy = saturatedAdd(perCopy, saturatedAdd(n, saturatedMultiply(controlled, saturatedAdd(
        saturatedMultiply(maxDegree, 6), 16))));
    perCopy = saturatedAdd(perCopy, 256);
    // One spin update: a lattice reads four neighbours, a sparse row its edges, a dense flip
    // adds a column to every local field.
    long update = switch (kind) {
      case LATTICE -> 1;
      case CSR -> 1 + Math.max(1, storedEdges / Math.max(1, n));
      case DENSE -> 1 + n;
    };
    long sweep = saturatedMultiply(n, update);
    long observe = saturatedAdd(n, saturatedMultiply(controlled, maxDegree));
    long build = saturatedAdd(switch (kind) {
      case LATTICE -> n;
      case CSR -> saturatedMultiply(storedEdges, 4);
      case DENSE -> saturatedMultiply(nn, 2);
    }, extraWork);
    long reset = saturatedAdd(saturatedAdd(n, kind == SpinGraph.Kind.DENSE ? nn : 0),
        saturatedAdd(saturatedMultiply(burnIn, sweep), observe));
    long step = saturatedAdd(saturatedMultiply(sweeps, sweep), observe);
    String size = n + " spins on " + graph + ", burn_in_sweeps " + burnIn + ", sweeps_per_step " + sweeps;
    return new WorldCost(size, shared, perCopy, build, reset, step);
  }
}
