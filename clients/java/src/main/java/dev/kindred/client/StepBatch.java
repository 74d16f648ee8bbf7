package dev.kindred.client;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One batch of results over every copy of a session: what {@link VectorEnv#reset} and
 * {@link VectorEnv#step} return. The buffers are allocated once and overwritten by every call,
 * so a training loop reads them without allocating; copy what must outlive the next call.
 *
 * <p>Observations are little-endian byte buffers laid out as the session's spec says
 * (per-agent tensors {@code [copies, agents, *shape]}, per-copy tensors {@code [copies, *shape]}),
 * in the order of the spec's observations. Absolute reads ({@code getFloat(i * 4)}) never
 * move their positions.
 */
public final class StepBatch {
  private final int copies;
  private final int agents;
  private final String[] observationNames;
  private final ByteBuffer[] observations;
  private final ByteBuffer[] finalObservations;
  private final float[] rewards;
  private final byte[] terminated;
  private final byte[] truncated;
  private final byte[] actionSuccess;
  private final byte[] resetMask;
  private final List<EpisodeSummary> episodes = new ArrayList<>();
  private long sessionStep;

  /**
   * @param copies            number of copies in the session
   * @param agents            number of agents per copy
   * @param observationNames  names of the observations, in spec order
   * @param observationBytes  total byte size of each observation over all copies
   * @param withFinalObservations whether to hold final observations (same-step autoreset)
   */
  public StepBatch(int copies, int agents, String[] observationNames, int[] observationBytes,
      boolean withFinalObservations) {
    if (observationNames.length != observationBytes.length) {
      throw new IllegalArgumentException("observationNames and observationBytes differ in length");
    }
    this.copies = copies;
    this.agents = agents;
    this.observationNames = observationNames.clone();
    this.observations = new ByteBuffer[observationNames.length];
    this.finalObservations = withFinalObservations ? new ByteBuffer[observationNames.length] : null;
    for (int i = 0; i < observationNames.length; i++) {
      observations[i] = ByteBuffer.allocate(observationBytes[i]).order(ByteOrder.LITTLE_ENDIAN);
      if (finalObservations != null) {
        finalObservations[i] = ByteBuffer.allocate(observationBytes[i]).order(ByteOrder.LITTLE_ENDIAN);
      }
    }
    this.rewards = new float[copies * agents];
    this.terminated = new byte[copies];
    this.truncated = new byte[copies];
    this.actionSuccess = new byte[copies * agents];
    this.resetMask = new byte[copies];
  }

  public int copies() {
    return copies;
  }

  public int agents() {
    return agents;
  }

  public int observationCount() {
    return observations.length;
  }

  public String observationName(int index) {
    return observationNames[index];
  }

  /** Index of the named observation, or -1 when the session did not request it. */
  public int observationIndex(String name) {
    for (int i = 0; i < observationNames.length; i++) {
      if (observationNames[i].equals(name)) {
        return i;
      }
    }
    return -1;
  }

  /** The observation buffer at {@code index} (spec order). */
  public ByteBuffer observation(int index) {
    return observations[index];
  }

  /** The named observation buffer. */
  public ByteBuffer observation(String name) {
    int index = observationIndex(name);
    if (index < 0) {
      throw new IllegalArgumentException("no observation named '" + name + "'; this batch has "
          + Arrays.toString(observationNames));
    }
    return observations[index];
  }

  /**
   * Final observations of episodes that ended in the last step (same-step autoreset only;
   * blocks of copies that did not end are zero), or null when the session does not keep them.
   */
  public ByteBuffer finalObservation(int index) {
    return finalObservations == null ? null : finalObservations[index];
  }

  public boolean hasFinalObservations() {
    return finalObservations != null;
  }

  /** Rewards, {@code [copies * agents]}. */
  public float[] rewards() {
    return rewards;
  }

  /** 1 where the copy's episode ended by termination in the last step, {@code [copies]}. */
  public byte[] terminated() {
    return terminated;
  }

  /** 1 where the copy's episode ended by truncation in the last step, {@code [copies]}. */
  public byte[] truncated() {
    return truncated;
  }

  /** 1 where the agent's action had its effect, {@code [copies * agents]}. */
  public byte[] actionSuccess() {
    return actionSuccess;
  }

  /** 1 where the observation is the first of a new episode, {@code [copies]}. */
  public byte[] resetMask() {
    return resetMask;
  }

  /** Whether copy {@code c}'s episode ended (by termination or truncation) in the last step. */
  public boolean done(int c) {
    return terminated[c] != 0 || truncated[c] != 0;
  }

  /** Episodes that ended in the last step (cleared by every call). */
  public List<EpisodeSummary> episodes() {
    return episodes;
  }

  /** Number of steps the session has taken. */
  public long sessionStep() {
    return sessionStep;
  }

  public void setSessionStep(long sessionStep) {
    this.sessionStep = sessionStep;
  }
}
