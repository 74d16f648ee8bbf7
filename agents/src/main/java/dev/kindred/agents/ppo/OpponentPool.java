package dev.kindred.agents.ppo;

import dev.kindred.agents.nn.ActorCritic;
import dev.kindred.agents.nn.SplitMix;
import dev.kindred.env.SessionSpec;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Self-play against past selves. With {@code selfplay_fraction > 0}, a snapshot of the policy
 * joins the pool every {@code snapshot_every} updates (beyond {@code pool_size} the oldest
 * leaves), and at each episode start a copy is, with that probability, given a snapshot that
 * plays all its agents but one: the learner's seat, drawn uniformly per episode (so the learner
 * plays every seat of the world, first movers and last, every kin group). Only that seat's rows
 * are learned from.
 *
 * <p>Which snapshot: {@code opponent_sampling} "uniform" over the pool, or "pfsp" (prioritised
 * fictitious self-play, as in AlphaStar): snapshot i with weight {@code p_i^2}, where
 * {@code p_i = (beats_i + 1) / (games_i + 2)} is its smoothed rate of beating the learner (an
 * episode is won by the side with the greater mean return per agent; a tie counts half). So the
 * learner trains most against the past selves it still loses to.
 *
 * <p>Copies whose episodes start on the same step meet the same snapshot (each copy still draws
 * whether it plays one, and the learner's seat): every snapshot in play costs a forward pass per
 * step, so this keeps the passes few when copies reset together (fixed-length episodes), while
 * over the run every snapshot is met as often as the sampling says.
 *
 * <p>A snapshot leaving the pool keeps playing the episodes it is in; it is freed when the last
 * of them ends. Each snapshot runs one forward pass per step on its own rows only. Sampling
 * draws from the trainer's generator. The pool (parameters and win counts) is part of a
 * training checkpoint.
 */
final class OpponentPool implements AutoCloseable {
  /** A frozen past policy and its record against the learner. */
  static final class Snapshot {
    final ActorCritic policy;
    final int updates;
    double beats;
    int games;
    int users;
    boolean retired;

    Snapshot(ActorCritic policy, int updates) {
      this.policy = policy;
      this.updates = updates;
    }

    /** Smoothed probability that this snapshot beats the learner. */
    double beatRate() {
      return (beats + 1) / (games + 2.0);
    }
  }

  private final TrainConfig cfg;
  private final SessionSpec spec;
  private final int copies;
  private final int agents;
  private final int dims;
  private final int logitCount;
  private final int vecSize;
  private final int gridSize;
  private final List<Snapshot> pool = new ArrayList<>();
  /** The snapshot playing each copy's other seats, or null. */
  private final Snapshot[] opponentOf;
  /** The learner's seat in copies played against a snapshot. */
  private final int[] learnerSeat;
  // Scratch for the snapshots' passes: their rows gathered together.
  private final int[] rowOf;
  private final float[] vec;
  private final float[] grid;
  private final byte[] masks;
  private final float[] logits;
  private final float[] values;
  private final int[] actions;
  private final double[] weights;
  private final List<Snapshot> inUse = new ArrayList<>();
  /** The snapshot drawn for episodes starting at step {@link #drawnStep}. */
  private Snapshot drawn;
  private long drawnStep = -1;
  /** Rows the snapshots ran in the last {@link #act} (for tests and benchmarks). */
  private int rowsForwarded;
  private static final java.util.Comparator<Snapshot> BY_AGE = (x, y) -> Integer.compare(x.updates, y.updates);

  OpponentPool(TrainConfig cfg, SessionSpec spec, int copies, int agents, int dims, int logitCount, int vecSize,
      int gridSize) {
    this.cfg = cfg;
    this.spec = spec;
    this.copies = copies;
    this.agents = agents;
    this.dims = dims;
    this.logitCount = logitCount;
    this.vecSize = vecSize;
    this.gridSize = gridSize;
    int rows = copies * agents;
    opponentOf = new Snapshot[copies];
    learnerSeat = new int[copies];
    rowOf = new int[rows];
    vec = new float[rows * vecSize];
    grid = new float[rows * gridSize];
    masks = new byte[rows * logitCount];
    logits = new float[rows * logitCount];
    values = new float[rows];
    actions = new int[rows * dims];
    weights = new double[cfg.poolSize + 1];
  }

  /** Whether row {@code r}'s agent is the learner's (not played by a snapshot). */
  boolean learns(int r) {
    int c = r / agents;
    return opponentOf[c] == null || r % agents == learnerSeat[c];
  }

  /** Whether copy {@code c} is played against a snapshot (then only {@link #learnerSeat} learns). */
  boolean againstSnapshot(int c) {
    return opponentOf[c] != null;
  }

  int learnerSeat(int c) {
    return learnerSeat[c];
  }

  /**
   * Copy {@code c} starts a new episode at step {@code step}: whether a snapshot plays it, which
   * (the one drawn for this step if another copy drew one), and the learner's seat.
   */
  void newEpisode(int c, long step, SplitMix random) {
    release(c);
    if (pool.isEmpty() || agents < 2 || !(random.nextDouble() < cfg.selfplayFraction)) {
      return;
    }
    if (drawnStep != step || drawn == null || drawn.retired) {
      drawn = pool.get(draw(random));
      drawnStep = step;
    }
    Snapshot s = drawn;
    s.users++;
    opponentOf[c] = s;
    learnerSeat[c] = random.nextInt(agents);
  }

  private int draw(SplitMix random) {
    if (!cfg.opponentSampling.equals("pfsp")) {
      return random.nextInt(pool.size());
    }
    double total = 0;
    for (int i = 0; i < pool.size(); i++) {
      double p = pool.get(i).beatRate();
      weights[i] = p * p;
      total += weights[i];
    }
    double u = random.nextDouble() * total;
    for (int i = 0; i < pool.size(); i++) {
      u -= weights[i];
      if (u < 0) {
        return i;
      }
    }
    return pool.size() - 1;
  }

  private void release(int c) {
    Snapshot s = opponentOf[c];
    opponentOf[c] = null;
    if (s != null && --s.users == 0 && s.retired) {
      s.policy.close();
    }
  }

  /**
   * The episode of copy {@code c} ended with these returns: the record of the snapshot that
   * played it (the learner's seat against the mean of the other seats).
   */
  void episodeEnded(int c, double[] returns) {
    Snapshot s = opponentOf[c];
    if (s == null) {
      return;
    }
    double learner = returns[learnerSeat[c]];
    double others = 0;
    for (int a = 0; a < agents; a++) {
      if (a != learnerSeat[c]) {
        others += returns[a];
      }
    }
    others /= agents - 1;
    s.games++;
    s.beats += others > learner ? 1 : others == learner ? 0.5 : 0;
  }

  /**
   * Overwrites {@code stepActions} of the agents played by snapshots, from the rows' encoded
   * observations and masks at the given offsets: each snapshot in use runs one pass over its
   * own rows, sampling with {@code random}.
   */
  void act(float[] vecIn, int vecOffset, float[] gridIn, int gridOffset, byte[] masksIn, int maskOffset,
      int[] stepActions, SplitMix random) {
    rowsForwarded = 0;
    for (Snapshot s : snapshotsInUse()) {
      int n = 0;
      for (int c = 0; c < copies; c++) {
        if (opponentOf[c] != s) {
          continue;
        }
        for (int a = 0; a < agents; a++) {
          if (a == learnerSeat[c]) {
            continue;
          }
          int r = c * agents + a;
          System.arraycopy(vecIn, vecOffset + r * vecSize, vec, n * vecSize, vecSize);
          System.arraycopy(gridIn, gridOffset + r * gridSize, grid, n * gridSize, gridSize);
          System.arraycopy(masksIn, maskOffset + r * logitCount, masks, n * logitCount, logitCount);
          rowOf[n++] = r;
        }
      }
      s.policy.forward(vec, 0, grid, 0, n, logits, values);
      rowsForwarded += n;
      s.policy.sample(logits, masks, 0, n, random, null, actions, null);
      for (int k = 0; k < n; k++) {
        System.arraycopy(actions, k * dims, stepActions, rowOf[k] * dims, dims);
      }
    }
  }

  /** The snapshots playing some copy now, in the order they joined (retired ones included). */
  private List<Snapshot> snapshotsInUse() {
    List<Snapshot> out = inUse;
    out.clear();
    for (int c = 0; c < copies; c++) {
      Snapshot s = opponentOf[c];
      if (s != null && !out.contains(s)) {
        out.add(s);
      }
    }
    out.sort(BY_AGE);
    return out;
  }

  /** After update number {@code updates}: snapshots the policy when one is due. */
  void updated(ActorCritic policy, int updates) {
    if (cfg.selfplayFraction <= 0 || updates % cfg.snapshotEvery != 0) {
      return;
    }
    add(new Snapshot(policy.copy(spec, cfg.inputs, cfg.seed + updates), updates));
  }

  /** Adds snapshots of {@code policy} until the pool holds {@code pool_size} (benchmarks: a full pool at once). */
  void fill(ActorCritic policy, int updates) {
    while (pool.size() < cfg.poolSize) {
      add(new Snapshot(policy.copy(spec, cfg.inputs, cfg.seed + updates + pool.size()), updates));
    }
  }

  private void add(Snapshot s) {
    pool.add(s);
    if (pool.size() > cfg.poolSize) {
      Snapshot old = pool.remove(0);
      old.retired = true;
      if (old.users == 0) {
        old.policy.close();
      }
    }
  }

  int size() {
    return pool.size();
  }

  /** The snapshot playing copy {@code c}, or null. */
  Snapshot opponent(int c) {
    return opponentOf[c];
  }

  int rowsForwarded() {
    return rowsForwarded;
  }

  /** The pool's snapshots, oldest first (for reports and tests). */
  List<Snapshot> snapshots() {
    return List.copyOf(pool);
  }

  /** NDArrays the snapshots hold in native memory (retired ones still playing included). */
  int liveArrays() {
    int n = 0;
    List<Snapshot> all = new ArrayList<>(pool);
    for (Snapshot s : new ArrayList<>(snapshotsInUse())) {
      if (!all.contains(s)) {
        all.add(s);
      }
    }
    for (Snapshot s : all) {
      n += s.policy.manager().getManagedArrays().size();
    }
    return n;
  }

  /**
   * Writes the pool (each snapshot's update number, record and parameters). Which copy plays
   * which snapshot is not saved: a resumed run starts new episodes.
   */
  void save(DataOutputStream out) throws IOException {
    out.writeInt(pool.size());
    for (Snapshot s : pool) {
      out.writeInt(s.updates);
      out.writeDouble(s.beats);
      out.writeInt(s.games);
      byte[] p = s.policy.saveParameters();
      out.writeInt(p.length);
      out.write(p);
    }
  }

  /** Replaces the pool with one saved by {@link #save}, for {@code policy}'s architecture. */
  void restore(DataInputStream in, ActorCritic policy) throws IOException {
    close();
    int n = in.readInt();
    if (n < 0 || n > cfg.poolSize) {
      throw new IOException("the saved pool has " + n + " snapshots; pool_size is " + cfg.poolSize);
    }
    for (int i = 0; i < n; i++) {
      int updates = in.readInt();
      double beats = in.readDouble();
      int games = in.readInt();
      byte[] p = new byte[in.readInt()];
      in.readFully(p);
      ActorCritic snapshot = policy.copy(spec, cfg.inputs, cfg.seed + updates);
      snapshot.loadParameters(p);
      Snapshot s = new Snapshot(snapshot, updates);
      s.beats = beats;
      s.games = games;
      pool.add(s);
    }
  }

  @Override
  public void close() {
    for (int c = 0; c < copies; c++) {
      release(c);
    }
    for (Snapshot s : pool) {
      s.policy.close();
    }
    pool.clear();
    Arrays.fill(opponentOf, null);
    drawn = null;
    drawnStep = -1;
  }
}
