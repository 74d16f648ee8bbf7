package dev.kindred.env.spin;

import dev.kindred.env.ActionDimension;
import dev.kindred.env.ActionSpec;
import dev.kindred.env.DType;
import dev.kindred.env.FeatureSpec;
import dev.kindred.env.RewardSpec;
import dev.kindred.env.Scope;
import dev.kindred.env.StatSpec;
import dev.kindred.env.TensorSpec;
import dev.kindred.env.WorldSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The spec of a spin world: what each observation, the action, the reward and the episode
 * statistics mean, each observation's bounds ({@link SpinBounds}), which stationary law the dynamics have (the "regime" property), and where
 * each observation sits in the spec's list (the indices {@link SpinObservables} writes to).
 */
final class SpinSpecs {
  final WorldSpec spec;

  // Observation indices; -1 where the world does not have that observation.
  final int neighbourSpins;
  final int neighbourMask;
  final int neighbourPrecisions;
  final int priorPrecision;
  final int ownSpin;
  final int spins;
  final int magnetisation;
  final int sublatticeMagnetisation;
  final int energy;
  final int energySync;
  final int meanSurprise;
  final int phi;
  final int surprise;

  SpinSpecs(String worldId, SpinGraph g, SpinOptions o, int freeSpins, String graphDescription) {
    SpinBounds b = new SpinBounds(g, o);
    int n = g.n;
    int d = g.maxDegree;
    int agents = o.controlled().length;
    List<TensorSpec> obs = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (int i : o.controlled()) {
      names.add("spin_" + i);
    }
    String order = g.isLattice() ? "in the order +x, -x, +y, -y" : "in ascending index order";
    if (agents > 0) {
      neighbourSpins = obs.size();
      obs.add(new TensorSpec("neighbour_spins", "spins (-1/+1) of the agent's neighbours " + order
          + ", after this step's sweeps; 0 in padding slots (see neighbour_mask)", DType.INT8,
          new int[] {d}, Scope.AGENT, -1.0, 1.0, List.of()));
      neighbourMask = obs.size();
      obs.add(new TensorSpec("neighbour_mask", "1 where the slot of neighbour_spins holds a neighbour, 0 in padding",
          DType.UINT8, new int[] {d}, Scope.AGENT, 0.0, 1.0, List.of()));
      neighbourPrecisions = obs.size();
      obs.add(new TensorSpec("neighbour_precisions", "effective sensory precision beta*gamma_ij the agent assigns "
          + "to each neighbour (0 in padding); the posterior is phi = sigmoid(2*(prior_precision + "
          + "sum_j neighbour_precisions_j * neighbour_spins_j))", DType.FLOAT32, new int[] {d}, Scope.AGENT,
          b.precisionLow, b.precisionHigh, List.of()));
      priorPrecision = obs.size();
      obs.add(new TensorSpec("prior_precision", "effective prior precision beta*zeta_i of the agent", DType.FLOAT32,
          new int[0], Scope.AGENT, b.priorLow, b.priorHigh, List.of()));
      ownSpin = obs.size();
      obs.add(new TensorSpec("own_spin", "the agent's own current spin (-1/+1)", DType.INT8, new int[0],
          Scope.AGENT, -1.0, 1.0, List.of()));
    } else {
      neighbourSpins = neighbourMask = neighbourPrecisions = priorPrecision = ownSpin = -1;
    }
    spins = obs.size();
    obs.add(new TensorSpec("spins", "the configuration: spin (-1/+1) of every site i"
        + (g.isLattice() ? " (i = y*width + x)" : ""), DType.INT8, new int[] {n}, Scope.COPY, -1.0, 1.0, List.of()));
    magnetisation = obs.size();
    obs.add(new TensorSpec("magnetisation", "mean spin m = (1/n) sum_i sigma_i", DType.FLOAT64, new int[0],
        Scope.COPY, -1.0, 1.0, List.of()));
    if (g.bipartite) {
      sublatticeMagnetisation = obs.size();
      obs.add(new TensorSpec("sublattice_magnetisation", "mean spin over each colour class of the bipartite graph "
          + (g.isLattice() ? "(class = (x + y) mod 2)" : "(2-colouring by breadth-first search from site 0)")
          + "; the staggered magnetisation is their half-difference", DType.FLOAT64, new int[] {2}, Scope.COPY,
          -1.0, 1.0, List.of(new FeatureSpec("class_0", "mean spin of colour class 0", 0),
              new FeatureSpec("class_1", "mean spin of colour class 1", 1))));
    } else {
      sublatticeMagnetisation = -1;
    }
    // The energies define the Gibbs and Peretto laws only for sampled actions with symmetric precisions.
    boolean hasLaws = !o.mode() && g.symmetric;
    energy = obs.size();
    obs.add(new TensorSpec("energy", "asynchronous (Ising/Gibbs) energy per spin with un-scaled precisions: "
        + "E = (-1/2 sum_{i!=j} gamma_ij sigma_i sigma_j - sum_i zeta_i sigma_i) / n"
        + (hasLaws ? "; the Gibbs law of the asynchronous schedules is proportional to exp(-beta*n*E)" : ""),
        DType.FLOAT64, new int[0], Scope.COPY, -b.energyAbs, b.energyAbs, List.of()));
    energySync = obs.size();
    obs.add(new TensorSpec("energy_sync", "synchronous (Little/Peretto, eq. C.34) energy per spin: E_s = (-sum_i "
        + "zeta_i sigma_i - (1/beta) sum_i ln 2cosh(beta*u_i)) / n with u_i = zeta_i + sum_j gamma_ij sigma_j; "
        + (hasLaws ? "the synchronous stationary law is proportional to exp(-beta*n*E_s); " : "")
        + "at beta = 0 the divergent constant n*ln2/beta is dropped and E_s = -sum_i zeta_i sigma_i / n",
        DType.FLOAT64, new int[0], Scope.COPY, b.energySyncLow, b.energySyncHigh, List.of()));
    meanSurprise = obs.size();
    obs.add(new TensorSpec("mean_surprise", "mean over all n agents of the surprise -ln P(neighbour spins)",
        DType.FLOAT64, new int[0], Scope.COPY, 0.0, b.meanSurpriseHigh, List.of()));
    phi = obs.size();
    obs.add(new TensorSpec("phi", phiDescription(o.mode()), DType.FLOAT32, new int[] {n}, Scope.COPY, 0.0, 1.0,
        List.of()));
    surprise = obs.size();
    obs.add(new TensorSpec("surprise", "each agent's surprise -ln P(neighbour spins) = -ln 2cosh(beta*u_i) + "
        + "ln 2cosh(beta*zeta_i) + sum_j ln 2cosh(beta*gamma_ij)", DType.FLOAT32, new int[] {n}, Scope.COPY,
        0.0, b.surpriseHigh, List.of()));

    Map<String, String> props = new LinkedHashMap<>();
    props.put("regime", regime(g, o));
    props.put("n", Integer.toString(n));
    props.put("max_degree", Integer.toString(d));
    props.put("bipartite", Boolean.toString(g.bipartite));
    props.put("schedule", SpinOptions.SCHEDULES.get(o.schedule()));
    props.put("symmetric", Boolean.toString(g.symmetric));
    props.put("graph", graphDescription);
    props.put("storage", g.kind.name().toLowerCase());
    props.put("free_spins", Integer.toString(freeSpins));

    long episodeLength = o.episodeLength();
    spec = new WorldSpec(worldId, names, obs,
        new ActionSpec(List.of(new ActionDimension("spin", "the spin the agent sets before the built-in agents' "
            + "sweeps of this step", 2, List.of("down", "up"))),
            agents == 0 ? "no agents: the built-in agents drive every free spin; actions are empty"
                : "each controlled agent sets its spin: 0 = down (-1), 1 = up (+1); always succeeds"),
        new RewardSpec("minus the agent's surprise -ln P(neighbour spins) after the step's sweeps, so "
            + "maximising reward minimises surprise (free energy)", -b.surpriseHigh, 0.0),
        episodeLength, false,
        episodeLength == 0 ? "episodes are never truncated" : "episodes are truncated after max_steps steps",
        List.of(new StatSpec("mean_surprise", "agent's surprise averaged over the episode's steps", Scope.AGENT),
            new StatSpec("mean_magnetisation", "magnetisation averaged over the episode's steps", Scope.COPY),
            new StatSpec("mean_abs_magnetisation", "|magnetisation| averaged over the episode's steps", Scope.COPY),
            new StatSpec("mean_energy", "energy per spin averaged over the episode's steps", Scope.COPY),
            new StatSpec("mean_surprise", "mean surprise over all agents, averaged over the episode's steps",
                Scope.COPY)),
        props);
  }

  /**
   * Which stationary law the built-in agents' dynamics have, in words. Clamped units never move,
   * so for the free units they are fixed extra fields: under the asynchronous (Gibbs) law that is
   * the same as conditioning the full law on them, under the synchronous (Peretto) law it is not,
   * because the full law also has a 2cosh factor for each clamped unit's local field.
   */
  static String regime(SpinGraph g, SpinOptions o) {
    if (o.mode()) {
      return "deterministic: zero-temperature best-response dynamics (action = mode: each updated spin takes the "
          + "sign of its local field, unchanged when it is 0); no Gibbs or Peretto law";
    }
    if (!g.symmetric) {
      return "non-equilibrium: asymmetric precisions break detailed balance";
    }
    boolean clamped = o.clamped().length > 0;
    if (o.schedule() == SpinOptions.SYNCHRONOUS) {
      return "synchronous: Peretto stationary law (eq. C.33)" + (clamped ? " of the free units, the clamped units "
          + "acting as fields (not the conditional of the full system's Peretto law)" : "");
    }
    return "equilibrium: Gibbs law (detailed balance)" + (clamped ? " of the free units, the clamped units acting as "
        + "fields (the same as the conditional of the full system's Gibbs law)" : "");
  }

  /** What phi means: the same belief under both actions, but only sampled actions follow it by chance. */
  private static String phiDescription(boolean mode) {
    if (!mode) {
      return "each agent's posterior phi_i = P(z=+1 | neighbours) = sigmoid(2*beta*u_i), its probability of "
          + "choosing +1 at its next update";
    }
    return "each agent's posterior belief phi_i = P(z=+1 | neighbours) = sigmoid(2*beta*u_i), the probability it "
        + "assigns to +1; with action = mode its action is not drawn from it: at its next update it takes the mode, "
        + "+1 if phi_i > 1/2, -1 if phi_i < 1/2, unchanged at 1/2";
  }
}
