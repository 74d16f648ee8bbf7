package dev.kindred.env;

import java.nio.ByteBuffer;

/**
 * The buffers a {@link World} reads actions from and writes results into, shared by all copies
 * of a session and allocated once. Every array is laid out copy-major; helpers give each copy's
 * offsets so worlds never compute layouts themselves.
 */
public final class WorldBuffers {
  private final int agents;
  private final int actionDims;
  private final int[] actions;
  private final StepBatch batch;
  private final ByteBuffer[] observations;
  private final int[] observationCopyBytes;
  private final int[] batchIndex;

  /**
   * @param spec      the world's spec
   * @param copies    number of copies
   * @param requested per observation in spec order, whether it is computed; the batch holds
   *                  only the requested ones, in spec order
   * @param batch     where results go (observations, rewards, flags, success)
   */
  public WorldBuffers(WorldSpec spec, int copies, boolean[] requested, StepBatch batch) {
    this.agents = spec.numAgents();
    this.actionDims = spec.actions().size();
    this.actions = new int[Math.multiplyExact(Math.multiplyExact(copies, agents), actionDims)];
    this.batch = batch;
    int n = spec.observations().size();
    this.observations = new ByteBuffer[n];
    this.observationCopyBytes = new int[n];
    this.batchIndex = new int[n];
    int next = 0;
    for (int i = 0; i < n; i++) {
      observationCopyBytes[i] = spec.observations().get(i).copyBytes(agents);
      batchIndex[i] = -1;
      if (requested[i]) {
        batchIndex[i] = next;
        observations[i] = batch.observation(next++);
      }
    }
  }

  /** Actions of all copies, {@code [copies * agents * actionDims]}. */
  public int[] actions() {
    return actions;
  }

  /** Offset of the first action value of {@code copy} in {@link #actions()}. */
  public int actionOffset(int copy) {
    return copy * agents * actionDims;
  }

  /**
   * The buffer of observation {@code index} (spec order, over all copies), or null when the
   * session did not request it and the world should not compute it.
   */
  public ByteBuffer observation(int index) {
    return observations[index];
  }

  /**
   * Whether {@code copy}'s block of observation {@code index} (requested) still holds what
   * {@code writer} wrote there last; records {@code writer} as its writer either way (see
   * {@link StepBatch#claimObservationBlock}). A world that writes only what changed since its
   * previous write calls this before writing and writes the whole block when it returns false:
   * the block was written by someone else, forgotten by the batch, or never written by it.
   */
  public boolean claimObservation(int index, int copy, Object writer) {
    return batch.claimObservationBlock(batchIndex[index], copy, writer);
  }

  /** Byte offset of {@code copy}'s block in observation {@code index}'s buffer. */
  public int observationOffset(int index, int copy) {
    return copy * observationCopyBytes[index];
  }

  /** Rewards {@code [copies * agents]}; a copy's rewards start at {@link #agentOffset}. */
  public float[] rewards() {
    return batch.rewards();
  }

  /** Action success {@code [copies * agents]}, 1 or 0. */
  public byte[] actionSuccess() {
    return batch.actionSuccess();
  }

  /** Offset of {@code copy}'s first agent in per-agent arrays. */
  public int agentOffset(int copy) {
    return copy * agents;
  }

  /** Whether {@code copy}'s episode terminated in the step just taken (as set by {@link #setEnded}). */
  public boolean terminated(int copy) {
    return batch.terminated()[copy] != 0;
  }

  /** Whether {@code copy}'s episode was truncated in the step just taken (as set by {@link #setEnded}). */
  public boolean truncated(int copy) {
    return batch.truncated()[copy] != 0;
  }

  /** Marks whether {@code copy}'s episode ended by termination or truncation in this step. */
  public void setEnded(int copy, boolean terminated, boolean truncated) {
    batch.terminated()[copy] = (byte) (terminated ? 1 : 0);
    batch.truncated()[copy] = (byte) (truncated ? 1 : 0);
  }
}
