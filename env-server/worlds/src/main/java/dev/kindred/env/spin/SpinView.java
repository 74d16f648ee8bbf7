package dev.kindred.env.spin;

/**
 * A read-only, live view of one copy of a spin world for recorders, renderers and tests,
 * mirroring {@link dev.kindred.env.energy.EnergyView}. It reads the copy's arrays directly and
 * allocates nothing: read it between calls to reset/step, never concurrently with them.
 *
 * <p>{@link #magnetisation()} and {@link #energy()} are computed from the spins on each call
 * (one pass over the sites), by the generic formulas; they equal the world's observations up to
 * the order of floating-point summation. {@link #phi} and {@link #surprise} of controlled spins
 * are computed exactly as the world computes the agents' rewards (reward = -surprise).
 */
public interface SpinView {
  /** Number of spins. */
  int n();

  /** The coupling graph: its kind, and each site's neighbours with their precisions. */
  SpinGraph graph();

  /** Lattice width, or 0 when the graph is not a lattice. */
  int latticeWidth();

  /** Lattice height, or 0 when the graph is not a lattice. */
  int latticeHeight();

  /** Spin i: +1 or -1. */
  int spin(int i);

  /** Number of controlled spins (the agents). */
  int controlled();

  /** The site agent {@code agent} controls. */
  int controlledSpin(int agent);

  /** Number of clamped spins. */
  int clamped();

  /** The k-th clamped site. */
  int clampedSpin(int k);

  /** The k-th clamped site's value, +1 or -1. */
  int clampedValue(int k);

  /** Mean spin. */
  double magnetisation();

  /** Energy per spin, -(1/2n) sum_i sigma_i (u_i + zeta_i). */
  double energy();

  /** Agent {@code agent}'s posterior that the hidden cause is +1, sigma(2 beta u). */
  double phi(int agent);

  /** Agent {@code agent}'s surprise about its neighbours' spins (its reward is minus this). */
  double surprise(int agent);
}
