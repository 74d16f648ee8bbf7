package dev.kindred.env;

/**
 * A batched vector environment: {@code copies} independent copies of one world, each with
 * {@code agents} controlled agents, reset and stepped together. Training code uses only this
 * interface, so it runs unchanged against a world in the same process
 * ({@code dev.kindred.local.LocalVectorEnv}) or behind a server ({@code dev.kindred.client.RemoteVectorEnv}).
 *
 * <p>Implementations are not thread-safe: one thread drives one environment. Every failure is
 * a {@link KindredException} with a gRPC status code name ({@code INVALID_ARGUMENT} for bad
 * actions, {@code FAILED_PRECONDITION} for stepping before reset or an ended copy with
 * autoreset disabled, {@code NOT_FOUND} after {@link #close()}, ...), the same on every path;
 * a failed call leaves the environment as it was.
 */
public interface VectorEnv extends AutoCloseable {

  /** The session's self-describing specification (spaces, conventions, resolved config). */
  SessionSpec spec();

  /** Number of copies. */
  default int copies() {
    return spec().copies();
  }

  /** Number of controlled agents per copy. */
  default int agents() {
    return spec().agents();
  }

  /** Number of action dimensions per agent. */
  default int actionDimensions() {
    return spec().actionDimensions();
  }

  /**
   * Starts new episodes in the listed copies (all when {@code copies} is null or empty), with a
   * new session seed when {@code seed} is not null. Copies not listed keep their state; their
   * entries in the batch are those of this call (no reward, no flags).
   */
  StepBatch reset(Long seed, int[] copies);

  /** Starts new episodes in every copy, continuing the session's seed stream. */
  default StepBatch reset() {
    return reset(null, null);
  }

  /**
   * Starts new episodes in every copy with a new session seed. The seed stream restarts:
   * {@code reset(s)} followed by the same actions reproduces the same observations, rewards and
   * flags bit for bit (the session's step counter and episode indices keep counting).
   */
  default StepBatch reset(long seed) {
    return reset(Long.valueOf(seed), null);
  }

  /** Starts new episodes in the listed copies only, continuing the seed stream. */
  default StepBatch resetCopies(int... copies) {
    return reset(null, copies);
  }

  /**
   * Advances every copy one step.
   *
   * @param actions {@code [copies * agents * actionDimensions]} action values, row-major
   * @return the batch (the same object every call, overwritten)
   */
  StepBatch step(int[] actions);

  /** Frees the session. Idempotent. */
  @Override
  void close();
}
