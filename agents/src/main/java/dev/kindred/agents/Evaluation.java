package dev.kindred.agents;

import dev.kindred.env.Autoreset;
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
    episodes(policy, env, episodes, seed, (e, actions) -> ended.accept(e));
  }

  /**
   * The actions of one copy's agents over one whole episode, counted by the value of the
   * action's first dimension: {@code attempts[agent * values + v]} steps in which the agent sent
   * value {@code v}, {@code successes[...]} those of them in which its action had its effect
   * (the batch's {@link StepBatch#actionSuccess}). A step that only reset the copy (autoreset on
   * the next step) does not count: its actions were not taken.
   */
  public record EpisodeActions(int agents, int values, long[] attempts, long[] successes) {
    public long attempts(int agent, int value) {
      return attempts[agent * values + value];
    }

    public long successes(int agent, int value) {
      return successes[agent * values + value];
    }

    /** Every action the agent attempted in the episode. */
    public long attempts(int agent) {
      long n = 0;
      for (int v = 0; v < values; v++) {
        n += attempts[agent * values + v];
      }
      return n;
    }
  }

  /** Receives each episode as it ends, with its agents' actions. */
  @FunctionalInterface
  public interface EpisodeListener {
    void ended(EpisodeSummary episode, EpisodeActions actions);
  }

  /**
   * Plays from {@code env.reset(seed)} until at least {@code episodes} episodes have ended,
   * giving each ended episode and its agents' actions to {@code ended} as it ends.
   *
   * @throws IllegalStateException when episodes do not end (after 10 million copy-steps)
   */
  public static void episodes(BatchPolicy policy, VectorEnv env, int episodes, long seed, EpisodeListener ended) {
    Play play = new Play(policy, env, seed);
    int copies = env.copies();
    int agents = env.agents();
    int dims = env.actionDimensions();
    int values = env.spec().world().actions().dimensions().get(0).numValues();
    // Under NEXT_STEP autoreset the step after an episode's end resets the copy and ignores its actions.
    boolean resetSteps = env.spec().autoreset() == Autoreset.NEXT_STEP;
    long[][] attempts = new long[copies][agents * values];
    long[][] successes = new long[copies][agents * values];
    long maxSteps = 10_000_000L / Math.max(1, copies);
    long steps = 0;
    int count = 0;
    while (count < episodes) {
      StepBatch b = play.step();
      int[] sent = play.actions;
      byte[] success = b.actionSuccess();
      byte[] reset = b.resetMask();
      for (int c = 0; c < copies; c++) {
        if (resetSteps && reset[c] != 0) {
          continue;
        }
        long[] at = attempts[c];
        long[] su = successes[c];
        for (int a = 0; a < agents; a++) {
          int row = c * agents + a;
          int k = a * values + sent[row * dims];
          at[k]++;
          if (success[row] != 0) {
            su[k]++;
          }
        }
      }
      for (EpisodeSummary e : b.episodes()) {
        int c = e.copy();
        ended.ended(e, new EpisodeActions(agents, values, attempts[c].clone(), successes[c].clone()));
        java.util.Arrays.fill(attempts[c], 0);
        java.util.Arrays.fill(successes[c], 0);
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
