package dev.kindred.agents;

import dev.kindred.env.StepBatch;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * The exact active-inference agent of the spin worlds, run by a client for its controlled
 * spins: from its neighbours' spins σ_j and the precisions it observes, it computes the
 * posterior φ = σ(2(ζ + Σ_j γ_j σ_j)) that the hidden state is up and samples its spin from it
 * (probability matching), or takes the mode. This is the rule a surprise-minimising policy
 * trained by reinforcement learning should rediscover, and the scripted baseline it is
 * compared with.
 *
 * <p>Reads the per-agent observations {@code neighbour_spins} (int8 [D]),
 * {@code neighbour_precisions} (float32 [D], β-scaled) and {@code prior_precision}
 * (float32, β-scaled); writes action 1 for up and 0 for down.
 */
public final class ActiveInferenceSpinPolicy implements BatchPolicy {
  private final int degree;
  private final boolean sample;
  private final SplittableRandom random;

  /**
   * @param maxDegree the observation's D (the spec's shape of {@code neighbour_spins})
   * @param sample    true: probability matching (the paper's agent); false: the mode
   */
  public ActiveInferenceSpinPolicy(int maxDegree, boolean sample, long seed) {
    this.degree = maxDegree;
    this.sample = sample;
    this.random = new SplittableRandom(seed);
  }

  /** The posterior probability that the hidden state is up, given the local field h. */
  public static double posteriorUp(double field) {
    return 1.0 / (1.0 + Math.exp(-2.0 * field));
  }

  @Override
  public void act(StepBatch observation, int[] actions) {
    ByteBuffer spins = observation.observation("neighbour_spins");
    ByteBuffer precisions = observation.observation("neighbour_precisions");
    ByteBuffer prior = observation.observation("prior_precision");
    for (int k = 0; k < actions.length; k++) {
      double field = prior.getFloat(4 * k);
      int base = k * degree;
      for (int j = 0; j < degree; j++) {
        field += precisions.getFloat(4 * (base + j)) * spins.get(base + j);
      }
      double up = posteriorUp(field);
      actions[k] = sample ? (random.nextDouble() < up ? 1 : 0) : (up > 0.5 ? 1 : up < 0.5 ? 0 : random.nextInt(2));
    }
  }
}
