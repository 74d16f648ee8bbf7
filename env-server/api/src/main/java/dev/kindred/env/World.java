package dev.kindred.env;

/**
 * A batched world instance: {@code copies} independent copies of one world, stepped one copy
 * at a time into buffers the caller preallocated. A world knows nothing of sessions, clients
 * or transport; it never allocates per step.
 *
 * <p>Each copy has its own random stream, seeded by {@link #reset}, so a copy's trajectory
 * depends only on its seed and its actions, never on other copies or on threads. Different
 * copies may be stepped concurrently from different threads; one copy is never stepped
 * concurrently with itself.
 */
public interface World {

  /** What the world looks like; the same object for the world's whole life. */
  WorldSpec spec();

  /** Number of copies. */
  int copies();

  /**
   * Starts a new episode in {@code copy} from {@code seed}: writes its first observations into
   * the copy's blocks of {@code out}'s observation buffers (skipping those that are null,
   * i.e. not requested).
   */
  void reset(int copy, long seed, WorldBuffers out);

  /**
   * Advances {@code copy} one step with its actions, read from {@code io.actions()} at
   * {@code io.actionOffset(copy)} (already validated against the action spec), and writes the
   * copy's observations, rewards, end flags and per-agent action success.
   */
  void step(int copy, WorldBuffers io);

  /**
   * Writes the statistics of the episode that just ended in {@code copy}, in the order of
   * {@link WorldSpec#agentStats()} (row-major per agent: {@code agentStats[agent * n + s]}) and
   * {@link WorldSpec#copyStats()}.
   */
  void episodeStats(int copy, double[] agentStats, double[] copyStats);

  /**
   * Hands {@code sink} every nonzero byte of {@code copy}'s block of observation {@code observation}
   * (its index in the spec) as the world's last write left it in {@code buffer} from
   * {@code offset}, in increasing order of their offsets from the buffer's start; returns whether
   * it did. A world that does not know where its observation is nonzero, or whose last
   * write of that block it cannot vouch for (another buffer, an unfinished write), returns false
   * at once, having handed nothing, and the caller scans the block. Decorators delegate this.
   */
  default boolean nonzeros(int copy, int observation, java.nio.ByteBuffer buffer, int offset, NonzeroList sink) {
    return false;
  }

  /**
   * What draws this world's copies, or null for a world without pictures. Decorators of a
   * world delegate this.
   */
  default WorldRenderer renderer() {
    return null;
  }
}
