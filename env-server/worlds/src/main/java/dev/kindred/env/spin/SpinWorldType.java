package dev.kindred.env.spin;

import dev.kindred.env.Config;
import dev.kindred.env.ConfigSchema;
import dev.kindred.env.EnvException;
import dev.kindred.env.Parameter;
import dev.kindred.env.World;
import dev.kindred.env.WorldContext;
import dev.kindred.env.WorldType;
import java.util.ArrayList;
import java.util.List;

/**
 * Common part of the spin world types: id, title and description (the type's graph, then what
 * every spin world shares), the shared keys (see {@link SpinOptions#sharedParameters}) after each
 * type's own keys, and creation of a {@link SpinWorld} from the type's graph.
 */
public abstract class SpinWorldType implements WorldType {
  private static final String COMMON_DESCRIPTION = " Each spin is an active-inference agent that observes its neighbours' "
      + "spins, infers a hidden binary cause with sensory precisions beta*gamma_ij and prior precision beta*zeta_i, "
      + "and sets its spin by sampling its exact posterior phi_i = sigmoid(2*beta*(zeta_i + sum_j gamma_ij sigma_j)) "
      + "(Heins et al. 2022): asynchronous schedules are Glauber dynamics of the Ising/Boltzmann law, synchronous "
      + "ones converge to the Little/Peretto law, asymmetric precisions are out of equilibrium (the spec's "
      + "'regime' property says which). Spins listed in 'controlled' are the session's agents: each Step first "
      + "sets them from the actions (0 = -1, 1 = +1), then runs sweeps_per_step sweeps of the built-in agents; "
      + "their reward is minus their surprise about their neighbours. Spins in 'clamped' never change.";

  private final String id;
  private final String title;
  private final String description;
  private ConfigSchema schema;

  /**
   * @param graphDescription what is particular to this type (its graph, its own keys); the
   *     description every spin world shares is appended
   */
  protected SpinWorldType(String id, String title, String graphDescription) {
    this.id = id;
    this.title = title;
    this.description = graphDescription + COMMON_DESCRIPTION;
  }

  @Override
  public final String id() {
    return id;
  }

  @Override
  public final String title() {
    return title;
  }

  @Override
  public final String description() {
    return description;
  }

  /** This type's own keys (graph shape), listed before the shared ones. */
  protected abstract List<Parameter> ownParameters();

  /**
   * Builds the coupling graph from a resolved configuration, declaring the world's cost to the
   * host ({@link SpinCost#admit}) as soon as the graph's size is known and before allocating it.
   */
  abstract SpinGraph graph(Config c, WorldContext context);

  /** One line describing the graph of this configuration, for the spec's "graph" property. */
  abstract String graphDescription(Config c, SpinGraph g);

  @Override
  public synchronized ConfigSchema schema() {
    if (schema == null) {
      List<Parameter> p = new ArrayList<>(ownParameters());
      p.addAll(SpinOptions.sharedParameters());
      schema = new ConfigSchema(p);
    }
    return schema;
  }

  @Override
  public World create(Config config, int copies, WorldContext context) {
    return build(config, graph(config, context), copies, context);
  }

  /** The world over a built graph; its resets and steps poll the context's cancellation. */
  World build(Config config, SpinGraph g, int copies, WorldContext context) {
    SpinOptions o = options(config, g);
    long bytes = (long) copies * g.n;
    if (bytes > Integer.MAX_VALUE - 16 || (g.kind == SpinGraph.Kind.DENSE && 8L * copies * g.n > Integer.MAX_VALUE)) {
      throw EnvException.invalid("copies", copies + " copies of " + g.n + " spins exceed the per-world array "
          + "limit; use fewer copies or a smaller graph");
    }
    return new SpinWorld(id(), g, o, copies, graphDescription(config, g), context.cancellation());
  }

  /** The shared options of a configuration over its graph. */
  SpinOptions options(Config config, SpinGraph g) {
    return SpinOptions.parse(config, g.n, g.bipartite);
  }

  /** Checks a spin count against {@link SpinGraph#MAX_SPINS}. */
  static int checkSpins(String field, long n) {
    if (n > SpinGraph.MAX_SPINS) {
      throw EnvException.invalid("config." + field, "the world would have " + n + " spins; at most 2^26 = "
          + SpinGraph.MAX_SPINS + " are supported");
    }
    return (int) n;
  }

  /** Checks n for a dense n×n coupling matrix. */
  static void checkDense(String field, int n) {
    if (n > SpinGraph.MAX_DENSE) {
      throw EnvException.invalid("config." + field, "n = " + n + " is too large for a dense n x n coupling matrix "
          + "(n^2 doubles of memory); at most " + SpinGraph.MAX_DENSE + " is supported");
    }
  }
}
