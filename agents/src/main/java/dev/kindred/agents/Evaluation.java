package dev.kindred.agents;

import dev.kindred.env.EpisodeSummary;
import dev.kindred.env.StepBatch;
import dev.kindred.env.VectorEnv;
import java.util.function.Consumer;

/**
 * Plays a policy on an environment to evaluate it: the environment is reset with a seed, then
 * the policy acts on every batch the environment returns. Nothing learns.
 */
public final class Evaluation {
  private Evaluation() {}

  /**
   * The mean reward per agent-step of each copy over {@code steps} steps after
   * {@code env.reset(seed)}: one sample per copy.
   */
  public static double[] rewardPerAgentStep(BatchPolicy policy, VectorEnv env, int steps, long seed) {
    Play play = new Play(policy, env, seed);
    int agents = env.agents();
    double[] sums = new double[env.copies()];
    for (int t = 0; t < steps; t++) {
      float[] rewards = play.step().rewards();
      for (int i = 0; i < rewards.length; i++) {
        sums[i / agents] += rewards[i];
      }
    }
    for (int c = 0; c < sums.length; c++) {
      sums[c] /= (double) steps * agents;
    }
    return sums;
  }

  /**
   * Plays from {@code env.reset(seed)} until at least {@code episodes} episodes have ended,
   * giving each ended episode to {@code ended} as it ends.
   *
   * @throws IllegalStateException when episodes do not end (after 10 million copy-steps)
   */
  public static void episodes(BatchPolicy policy, VectorEnv env, int episodes, long seed,
      Consumer<EpisodeSummary> ended) {
    Play play = new Play(policy, env, seed);
    long maxSteps = 10_000_000L / Math.max(1, env.copies());
    long steps = 0;
    int count = 0;
    while (count < episodes) {
      for (EpisodeSummary e : play.step().episodes()) {
        ended.accept(e);
        count++;
      }
      if (++steps > maxSteps) {
        throw new IllegalStateException("episodes do not end; set the world's max_steps");
      }
    }
  }

  /** The policy acting on the environment, from a reset with the seed. */
  private static final class Play {
    private final BatchPolicy policy;
    private final VectorEnv env;
    private final int[] actions;
    private StepBatch batch;

    Play(BatchPolicy policy, VectorEnv env, long seed) {
      this.policy = policy;
      this.env = env;
      this.actions = new int[env.copies() * env.agents() * env.actionDimensions()];
      this.batch = env.reset(seed);
    }

    /** The policy acts on the last batch; returns the batch the step returns. */
    StepBatch step() {
      policy.act(batch, actions);
      batch = env.step(actions);
      return batch;
    }
  }
}
