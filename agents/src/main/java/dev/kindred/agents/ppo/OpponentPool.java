package dev.kindred.agents.ppo;

import dev.kindred.agents.nn.ActorCritic;
import dev.kindred.env.SessionSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Self-play: with {@code selfplay_fraction > 0}, a snapshot of the policy joins the pool every
 * {@code snapshot_every} updates (the oldest leaves beyond {@code pool_size}), and at each
 * episode start a copy is, with that probability, given a snapshot (uniform over the pool) that
 * plays its agents 1..n-1; only agent 0 of such copies learns.
 */
final class OpponentPool implements AutoCloseable {
  private final TrainConfig cfg;
  private final SessionSpec spec;
  private final SplittableRandom random;
  private final int copies;
  private final int agents;
  private final int dims;
  private final List<ActorCritic> snapshots = new ArrayList<>();
  /** The snapshot playing each copy's agents 1.., or -1. */
  private final int[] opponentOf;
  // Scratch for the snapshots' passes.
  private final float[] logits;
  private final float[] values;
  private final int[] actions;

  /** @param random the trainer's generator: draws interleave with the other parts' in a fixed order */
  OpponentPool(TrainConfig cfg, SessionSpec spec, int copies, int agents, int dims, int logitCount,
      SplittableRandom random) {
    this.cfg = cfg;
    this.spec = spec;
    this.random = random;
    this.copies = copies;
    this.agents = agents;
    this.dims = dims;
    int rows = copies * agents;
    opponentOf = new int[copies];
    Arrays.fill(opponentOf, -1);
    logits = new float[rows * logitCount];
    values = new float[rows];
    actions = new int[rows * dims];
  }

  /** Whether row {@code r}'s agent is the learner's (not played by a snapshot). */
  boolean learns(int r) {
    return opponentOf[r / agents] < 0 || r % agents == 0;
  }

  /** The learner's agents in copy {@code c}: all of them, or agent 0 alone against a snapshot. */
  int learningAgents(int c) {
    return opponentOf[c] < 0 ? agents : 1;
  }

  /** Copy {@code c} starts a new episode: draws whether a snapshot plays it, and which. */
  void newEpisode(int c) {
    opponentOf[c] = !snapshots.isEmpty() && agents > 1 && random.nextDouble() < cfg.selfplayFraction
        ? random.nextInt(snapshots.size()) : -1;
  }

  /**
   * Overwrites {@code stepActions} of the agents played by snapshots, from the rows' encoded
   * observations at the given offsets (one batched pass per snapshot in use).
   */
  void act(float[] vec, int vecOffset, float[] grid, int gridOffset, int[] stepActions) {
    int rows = copies * agents;
    for (int p = 0; p < snapshots.size(); p++) {
      if (!inUse(p)) {
        continue;
      }
      ActorCritic snapshot = snapshots.get(p);
      snapshot.forward(vec, vecOffset, grid, gridOffset, rows, logits, values);
      snapshot.sample(logits, rows, actions, null);
      for (int c = 0; c < copies; c++) {
        if (opponentOf[c] == p) {
          int from = (c * agents + 1) * dims;
          System.arraycopy(actions, from, stepActions, from, (agents - 1) * dims);
        }
      }
    }
  }

  private boolean inUse(int p) {
    for (int c = 0; c < copies; c++) {
      if (opponentOf[c] == p) {
        return true;
      }
    }
    return false;
  }

  /** After update number {@code updates}: snapshots the policy when one is due. */
  void updated(ActorCritic policy, int updates) {
    if (cfg.selfplayFraction <= 0 || updates % cfg.snapshotEvery != 0) {
      return;
    }
    snapshots.add(policy.copy(spec, cfg.inputs, cfg.seed + updates));
    if (snapshots.size() > cfg.poolSize) {
      snapshots.remove(0).close();
      // The snapshots moved down one; a copy whose snapshot left plays the learner until its next episode.
      for (int c = 0; c < copies; c++) {
        opponentOf[c] = opponentOf[c] >= snapshots.size() ? -1 : Math.max(-1, opponentOf[c] - 1);
      }
    }
  }

  int size() {
    return snapshots.size();
  }

  /** NDArrays the snapshots hold in native memory. */
  int liveArrays() {
    int n = 0;
    for (ActorCritic p : snapshots) {
      n += p.manager().getManagedArrays().size();
    }
    return n;
  }

  @Override
  public void close() {
    for (ActorCritic p : snapshots) {
      p.close();
    }
    snapshots.clear();
  }
}
