package dev.kindred.agents.ppo;

/**
 * One rollout: {@code horizon} steps of {@code rows} (copy, agent) rows, stored flat at
 * {@code [t * rows + r]} (encoded vectors and images row-major inside), the observation after
 * the last step (to bootstrap from), and the GAE advantages and returns computed from them.
 * Allocated once per trainer and overwritten by every rollout.
 */
final class RolloutBuffer {
  final int horizon;
  final int rows;
  final int vecSize;
  final int gridSize;
  /** Action dimensions per row. */
  final int dims;
  /** Combinations of the policy's joint action head (its logits per row). */
  final int heads;

  final float[] vec;
  final float[] grid;
  final int[] actions;
  /** The combination of the action head each row's action was, {@code [t * rows + r]}. */
  final int[] combos;
  /** The combinations each row's mask allowed when its action was drawn, {@code [(t * rows + r) * heads + k]}. */
  final byte[] masks;
  final float[] logp;
  /** The combination a kickstarting teacher would have taken there, or -1 (no teacher, or not one the mask allowed). */
  final int[] teacher;
  /** Value estimates in return units; {@code [horizon * rows, +rows)} holds the bootstrap values. */
  final float[] values;
  /** The rewards learned from (an intrinsic bonus included). */
  final float[] rewards;
  final byte[] terminated;
  /** Whether the episode ended (terminated or truncated) with this step. */
  final byte[] ended;
  /** Reset steps (autoreset NEXT_STEP): no transition, no learning signal. */
  final byte[] ignored;
  /** Whether the row's agent learns (not a self-play snapshot). */
  final byte[] learner;
  final float[] advantages;
  final float[] returns;
  /** The encoded observation after the last step, {@code [r * size]}. */
  final float[] nextVec;
  final float[] nextGrid;

  RolloutBuffer(int horizon, int rows, int vecSize, int gridSize, int dims, int heads) {
    this.heads = heads;
    this.horizon = horizon;
    this.rows = rows;
    this.vecSize = vecSize;
    this.gridSize = gridSize;
    this.dims = dims;
    int n = horizon * rows;
    vec = new float[n * vecSize];
    grid = new float[n * gridSize];
    actions = new int[n * dims];
    combos = new int[n];
    masks = new byte[n * heads];
    logp = new float[n];
    teacher = new int[n];
    java.util.Arrays.fill(teacher, -1);
    values = new float[n + rows];
    rewards = new float[n];
    terminated = new byte[n];
    ended = new byte[n];
    ignored = new byte[n];
    learner = new byte[n];
    advantages = new float[n];
    returns = new float[n];
    nextVec = new float[rows * vecSize];
    nextGrid = new float[rows * gridSize];
  }

  /** Steps of all rows together. */
  int size() {
    return horizon * rows;
  }

  /** Whether step {@code i} carries a transition that a learning agent learns from. */
  boolean learns(int i) {
    return ignored[i] == 0 && learner[i] != 0;
  }

  /** GAE(γ, λ) over the rollout; ignored (reset) steps get no advantage and cut the trace. */
  void computeAdvantages(float gamma, float lambda) {
    for (int r = 0; r < rows; r++) {
      float gae = 0;
      for (int t = horizon - 1; t >= 0; t--) {
        int i = t * rows + r;
        if (ignored[i] != 0) {
          gae = 0;
          advantages[i] = 0;
          returns[i] = values[i];
          continue;
        }
        float next = values[i + rows];
        float delta = rewards[i] + gamma * next * (1 - terminated[i]) - values[i];
        gae = delta + gamma * lambda * (1 - ended[i]) * gae;
        advantages[i] = gae;
        returns[i] = gae + values[i];
      }
    }
  }

  /**
   * A digest of the rollout (network inputs, actions, masks, their log-probabilities, rewards, episode
   * ends): equal digests mean equal trajectories.
   */
  long digest() {
    long h = 1125899906842597L;
    int n = size();
    for (int i = 0; i < n * vecSize; i++) {
      h = 31 * h + Float.floatToIntBits(vec[i]);
    }
    for (int i = 0; i < n * gridSize; i++) {
      h = 31 * h + Float.floatToIntBits(grid[i]);
    }
    for (int i = 0; i < n * dims; i++) {
      h = 31 * h + actions[i];
    }
    for (int i = 0; i < n * heads; i++) {
      h = 31 * h + masks[i];
    }
    for (int i = 0; i < n; i++) {
      h = 31 * h + Float.floatToIntBits(rewards[i]);
      h = 31 * h + Float.floatToIntBits(logp[i]);
      h = 31 * h + ended[i] + 2 * terminated[i] + 4 * ignored[i];
    }
    return h;
  }
}
