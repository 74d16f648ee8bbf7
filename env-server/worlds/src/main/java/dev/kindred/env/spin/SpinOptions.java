package dev.kindred.env.spin;

import dev.kindred.env.Config;
import dev.kindred.env.EnvException;
import dev.kindred.env.Parameter;
import dev.kindred.env.ParameterType;
import java.util.ArrayList;
import java.util.List;

/** The configuration keys shared by every spin world, parsed and validated against n. */
record SpinOptions(
    double beta,
    double zeta,
    double[] zetas,
    int schedule,
    boolean mode,
    int sweepsPerStep,
    long episodeLength,
    String init,
    long burnIn,
    int[] controlled,
    int[] clamped,
    byte[] clampedValues) {

  /** The same options with per-agent prior precisions {@code zetas}. */
  SpinOptions withZetas(double[] zetas) {
    return new SpinOptions(beta, zeta, zetas, schedule, mode, sweepsPerStep, episodeLength, init, burnIn, controlled,
        clamped, clampedValues);
  }

  static final List<String> SCHEDULES = List.of("random_sequential", "sweep", "synchronous", "checkerboard");
  // Values of schedule(): indices into SCHEDULES.
  static final int RANDOM_SEQUENTIAL = 0;
  static final int SWEEP = 1;
  static final int SYNCHRONOUS = 2;
  static final int CHECKERBOARD = 3;

  /** Parameters common to all spin worlds (appended after each world's own keys). */
  static List<Parameter> sharedParameters() {
    List<Parameter> p = new ArrayList<>();
    p.add(Parameter.number("beta", 1.0, 0, 1e3,
        "inverse temperature: effective precisions are beta*gamma_ij and beta*zeta_i"));
    p.add(Parameter.number("gamma", 1.0, -1e6, 1e6,
        "homogeneous sensory precision: gamma_ij = gamma * w_ij (w = 1 on lattice/regular/ER edges, the "
            + "Gaussian coupling on SK, the given matrix for boltzmann)"));
    p.add(Parameter.number("gamma_std", 0.0, 0, 1e6,
        "per-edge disorder: gamma_ij = gamma*w_ij + gamma_std*N(0,1), drawn from graph_seed"));
    p.add(Parameter.bool("symmetric", true,
        "with gamma_std > 0: gamma_ji = gamma_ij (true) or an independent draw (false: breaks detailed balance)"));
    p.add(Parameter.integer("graph_seed", 0, -(1L << 53), 1L << 53,
        "seed of the random graph, couplings and per-edge precision draws (fixed for the world's life)"));
    p.add(Parameter.number("zeta", 0.0, -1e6, 1e6, "prior precision zeta_i shared by every agent (a field)"));
    p.add(Parameter.optional("zetas", ParameterType.FLOAT_LIST, -1e6, 1e6,
        "per-agent prior precisions (length n); overrides zeta"));
    p.add(Parameter.choice("schedule", "random_sequential", SCHEDULES,
        "update order: random_sequential (a sweep = one update per free spin, each at a uniformly random free "
            + "site), sweep (free spins in index order), synchronous (all free spins from the previous "
            + "configuration), checkerboard (the two colour classes in turn; bipartite graphs only)"));
    p.add(Parameter.choice("action", "sample", List.of("sample", "mode"),
        "sample: spin = +1 with probability phi_i (probability matching, Glauber dynamics); mode: spin = sign "
            + "of the posterior log-odds, unchanged when it is 0 (always at beta = 0)"));
    p.add(Parameter.integer("sweeps_per_step", 1, 1, 1_000_000, "sweeps of the built-in agents per Step"));
    p.add(Parameter.integer("max_steps", 1000, 0, 1L << 53,
        "steps before an episode is truncated; 0: never"));
    p.add(Parameter.choice("init", "random", List.of("random", "up", "down"),
        "initial configuration at reset: independent fair coins, all +1 or all -1 (clamped spins take their values)"));
    p.add(Parameter.integer("burn_in_sweeps", 0, 0, 1L << 40, "sweeps run at reset before the first observation"));
    p.add(new Parameter("controlled", "spins handed to the client: the session's agents, in listed order, named "
        + "spin_<i>; the built-in agents never update them", ParameterType.INT_LIST, new long[0], null, null, List.of()));
    p.add(new Parameter("clamped", "spins fixed for the whole episode (visible units)", ParameterType.INT_LIST,
        new long[0], null, null, List.of()));
    p.add(new Parameter("clamped_values", "values (-1 or +1) of the clamped spins, same length as clamped",
        ParameterType.INT_LIST, new long[0], null, null, List.of()));
    return p;
  }

  static SpinOptions parse(Config c, int n, boolean bipartite) {
    double[] zetas = null;
    if (c.has("zetas")) {
      zetas = c.getDoubleList("zetas");
      if (zetas.length != n) {
        throw EnvException.invalid("config.zetas", "has " + zetas.length + " entries; expected one per spin, n = " + n);
      }
    }
    int schedule = SCHEDULES.indexOf(c.getString("schedule"));
    if (schedule == CHECKERBOARD && !bipartite) {
      throw EnvException.invalid("config.schedule", "checkerboard needs two colour classes without edges inside "
          + "them, but the graph is not bipartite (a lattice is bipartite iff width and height are both even); "
          + "use random_sequential, sweep or synchronous");
    }
    long[] ctl = c.getLongList("controlled");
    long[] clp = c.getLongList("clamped");
    long[] vals = c.getLongList("clamped_values");
    boolean[] used = new boolean[n];
    int[] controlled = indices("controlled", ctl, n, used, null);
    int[] clamped = indices("clamped", clp, n, used, ctl);
    if (vals.length != clp.length) {
      throw EnvException.invalid("config.clamped_values", "has " + vals.length + " entries but clamped has "
          + clp.length + "; give one value (-1 or +1) per clamped spin");
    }
    byte[] values = new byte[vals.length];
    for (int k = 0; k < vals.length; k++) {
      if (vals[k] != 1 && vals[k] != -1) {
        throw EnvException.invalid("config.clamped_values[" + k + "]", "is " + vals[k] + "; expected -1 or +1");
      }
      values[k] = (byte) vals[k];
    }
    return new SpinOptions(c.getDouble("beta"), c.getDouble("zeta"), zetas, schedule,
        c.getString("action").equals("mode"), c.getInt("sweeps_per_step"), c.getLong("max_steps"),
        c.getString("init"), c.getLong("burn_in_sweeps"), controlled, clamped, values);
  }

  private static int[] indices(String key, long[] list, int n, boolean[] used, long[] other) {
    int[] out = new int[list.length];
    for (int k = 0; k < list.length; k++) {
      long i = list[k];
      String field = "config." + key + "[" + k + "]";
      if (i < 0 || i >= n) {
        throw EnvException.invalid(field, "spin index " + i + " is out of range; expected 0 <= index < n = " + n);
      }
      if (used[(int) i]) {
        boolean inOther = false;
        if (other != null) {
          for (long o : other) {
            inOther |= o == i;
          }
        }
        throw EnvException.invalid(field, "spin index " + i + (inOther
            ? " is also listed in controlled; a spin is either controlled or clamped, not both"
            : " is listed twice") + " (valid range 0 <= index < " + n + ")");
      }
      used[(int) i] = true;
      out[k] = (int) i;
    }
    return out;
  }
}
