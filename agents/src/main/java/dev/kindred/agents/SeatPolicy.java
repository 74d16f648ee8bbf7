package dev.kindred.agents;

import dev.kindred.env.Scope;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.StepBatch;
import dev.kindred.env.TensorSpec;
import dev.kindred.env.WorldSpec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Several policies sharing the agents of every copy by seat: seat (agent index) {@code a} of
 * each copy is played by {@code policies[owner[a]]}. Each policy sees only its own rows: a batch
 * of the same copies whose agents are its seats, in seat order (per-agent observations, rewards
 * and action successes of those seats; per-copy observations and flags as they are), and writes
 * the actions of those rows, which go back to its seats. A policy is built for that narrower
 * batch's spec, {@link #seatSpec} (a neural policy's encoder counts rows from its spec's agents).
 * Deterministic when its policies are; allocates nothing per call.
 */
public final class SeatPolicy implements BatchPolicy {
  private final int agents;
  private final int dims;
  private final List<TensorSpec> observations;
  private final BatchPolicy[] policies;
  private final int[][] seats;
  private final StepBatch[] views;
  private final int[][] scratch;

  /**
   * @param spec     the session's spec (copies, agents, observations)
   * @param owner    for each seat, the index of the policy that plays it
   * @param policies the policies; one without a seat is never called
   */
  public SeatPolicy(SessionSpec spec, int[] owner, List<? extends BatchPolicy> policies) {
    this.agents = spec.agents();
    this.dims = spec.actionDimensions();
    this.observations = spec.observations();
    if (owner.length != agents) {
      throw new IllegalArgumentException("owner names " + owner.length + " seats; the world has " + agents
          + " agents per copy");
    }
    int n = policies.size();
    this.policies = policies.toArray(new BatchPolicy[0]);
    this.seats = new int[n][];
    this.views = new StepBatch[n];
    this.scratch = new int[n][];
    for (int p = 0; p < n; p++) {
      seats[p] = seatsOf(owner, p);
    }
    for (int a = 0; a < agents; a++) {
      if (owner[a] < 0 || owner[a] >= n) {
        throw new IllegalArgumentException("seat " + a + " is given to policy " + owner[a] + "; there are " + n);
      }
    }
    allocate(spec.copies());
  }

  /** The seats of policy {@code p} under {@code owner}, in increasing order. */
  public static int[] seatsOf(int[] owner, int p) {
    int k = 0;
    for (int o : owner) {
      k += o == p ? 1 : 0;
    }
    int[] s = new int[k];
    k = 0;
    for (int a = 0; a < owner.length; a++) {
      if (owner[a] == p) {
        s[k++] = a;
      }
    }
    return s;
  }

  /**
   * The spec of the batches a policy playing {@code seats} sees: {@code spec} with those agents
   * only (their names, in seat order); copies, observations and actions as they are.
   */
  public static SessionSpec seatSpec(SessionSpec spec, int[] seats) {
    WorldSpec w = spec.world();
    List<String> names = new ArrayList<>();
    for (int s : seats) {
      if (s < 0 || s >= spec.agents()) {
        throw new IllegalArgumentException("seat " + s + " is not an agent of " + spec.worldId() + " (0 <= seat < "
            + spec.agents() + ")");
      }
      names.add(w.agentNames().get(s));
    }
    WorldSpec narrowed = new WorldSpec(w.worldId(), names, w.observations(), w.actions(), w.reward(),
        w.maxEpisodeSteps(), w.canTerminate(), w.episodeDescription(), w.episodeStats(), w.properties());
    return new SessionSpec(narrowed, spec.copies(), spec.autoreset(), spec.config());
  }

  private void allocate(int copies) {
    for (int p = 0; p < policies.length; p++) {
      views[p] = new StepBatch(copies, seats[p].length, observations, false);
      scratch[p] = new int[copies * seats[p].length * dims];
    }
  }

  @Override
  public void act(StepBatch batch, int[] actions) {
    int copies = batch.copies();
    if (batch.agents() != agents) {
      throw new IllegalArgumentException("the batch has " + batch.agents() + " agents per copy; this policy routes "
          + agents + " seats");
    }
    if (views.length > 0 && views[0].copies() != copies) {
      allocate(copies);
    }
    for (int p = 0; p < policies.length; p++) {
      int[] s = seats[p];
      if (s.length == 0) {
        continue;
      }
      StepBatch view = views[p];
      fill(batch, view, s);
      int[] out = scratch[p];
      policies[p].act(view, out);
      int k = s.length;
      for (int c = 0; c < copies; c++) {
        for (int j = 0; j < k; j++) {
          System.arraycopy(out, (c * k + j) * dims, actions, (c * agents + s[j]) * dims, dims);
        }
      }
    }
  }

  /** Copies the rows of {@code s} (and every per-copy block) of {@code batch} into {@code view}. */
  private void fill(StepBatch batch, StepBatch view, int[] s) {
    int copies = batch.copies();
    int k = s.length;
    for (int i = 0; i < observations.size(); i++) {
      TensorSpec t = observations.get(i);
      ByteBuffer src = batch.observation(i);
      ByteBuffer dst = view.observation(i);
      byte[] to = dst.array();
      int base = dst.arrayOffset();
      int block = t.blockBytes();
      if (t.scope() == Scope.COPY) {
        src.get(0, to, base, copies * block);
        continue;
      }
      for (int c = 0; c < copies; c++) {
        for (int j = 0; j < k; j++) {
          src.get((c * agents + s[j]) * block, to, base + (c * k + j) * block, block);
        }
      }
    }
    float[] rewards = batch.rewards();
    byte[] success = batch.actionSuccess();
    float[] vr = view.rewards();
    byte[] vs = view.actionSuccess();
    for (int c = 0; c < copies; c++) {
      for (int j = 0; j < k; j++) {
        vr[c * k + j] = rewards[c * agents + s[j]];
        vs[c * k + j] = success[c * agents + s[j]];
      }
    }
    System.arraycopy(batch.terminated(), 0, view.terminated(), 0, copies);
    System.arraycopy(batch.truncated(), 0, view.truncated(), 0, copies);
    System.arraycopy(batch.resetMask(), 0, view.resetMask(), 0, copies);
    view.setSessionStep(batch.sessionStep());
  }
}
