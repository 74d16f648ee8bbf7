package dev.kindred.client;

import com.google.protobuf.ByteString;
import dev.kindred.env.EpisodeSummary;
import dev.kindred.env.KindredException;
import dev.kindred.env.StepBatch;
import dev.kindred.proto.v1.AgentEpisodeStats;
import dev.kindred.proto.v1.EpisodeStats;
import dev.kindred.proto.v1.StepResponse;
import dev.kindred.proto.v1.Tensor;
import dev.kindred.proto.v1.TensorEncoding;
import dev.kindred.protocol.SparseBytes;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Packing of actions and unpacking of step responses into a reusable {@link StepBatch}. */
final class Codec {
  private Codec() {}

  /** Actions as little-endian int32, in a fresh ByteString. */
  static ByteString encodeActions(int[] actions) {
    byte[] out = new byte[Math.multiplyExact(actions.length, 4)];
    ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().put(actions);
    return com.google.protobuf.UnsafeByteOperations.unsafeWrap(out);
  }

  /**
   * What one batch's decoder remembers between responses: per observation, the offsets its last
   * sparse decode set (so the next zeroes only those instead of the whole tensor), or -1 when
   * the tensor's nonzero bytes are unknown. Valid only while the batch vouches for its blocks
   * ({@link StepBatch#claimObservationBlock}: nobody else wrote them since).
   */
  static final class Positions {
    private final int[][] offsets;
    private final int[] counts;
    /** For tensors decoded without memory (final observations). */
    private int[] scratch = new int[0];

    Positions(int observations) {
      offsets = new int[observations][0];
      counts = new int[observations];
      Arrays.fill(counts, -1);
    }
  }

  /**
   * Copies {@code r} into {@code batch}. A response that does not match the session's spec
   * (missing tensors, wrong sizes) is an {@code INTERNAL} error: client and server disagree
   * about the protocol.
   */
  static StepBatch decode(StepResponse r, StepBatch batch) {
    return decode(r, batch, new Positions(batch.observationCount()));
  }

  /**
   * As {@link #decode(StepResponse, StepBatch)}, decoding into the batch's own buffers with the
   * memory of the previous decode ({@code positions}, one per batch): a sparse tensor costs its
   * nonzero bytes, not its size, and nothing is allocated once the arrays have grown.
   */
  static StepBatch decode(StepResponse r, StepBatch batch, Positions positions) {
    int n = batch.observationCount();
    if (r.getObservationsCount() != n) {
      throw mismatch("the response has " + r.getObservationsCount() + " observations; the spec lists " + n);
    }
    for (int i = 0; i < n; i++) {
      // Every copy's block is claimed: all must still hold what this decoder wrote.
      boolean vouched = true;
      for (int c = 0; c < batch.copies(); c++) {
        vouched &= batch.claimObservationBlock(i, c, positions);
      }
      if (!vouched) {
        positions.counts[i] = -1;
      }
      Tensor t = r.getObservations(i);
      int known = positions.counts[i];
      positions.counts[i] = -1; // unknown until this decode succeeds
      if (t.getEncoding() == TensorEncoding.TENSOR_ENCODING_SPARSE_BYTES) {
        if (positions.offsets[i].length < t.getData().size()) {
          positions.offsets[i] = new int[t.getData().size()];
          known = -1; // the old offsets are gone with the old array
        }
        positions.counts[i] = decodeSparse(t, batch.observationName(i), batch.observation(i), positions.offsets[i],
            known);
      } else {
        copyTensor(t, batch.observationName(i), batch.observation(i));
      }
    }
    if (batch.hasFinalObservations()) {
      if (r.getFinalObservationsCount() == 0) {
        for (int i = 0; i < n; i++) {
          ByteBuffer f = batch.finalObservation(i);
          Arrays.fill(f.array(), f.arrayOffset(), f.arrayOffset() + f.capacity(), (byte) 0);
        }
      } else if (r.getFinalObservationsCount() != n) {
        throw mismatch("the response has " + r.getFinalObservationsCount() + " final observations; the spec lists " + n);
      } else {
        for (int i = 0; i < n; i++) {
          Tensor t = r.getFinalObservations(i);
          if (t.getEncoding() == TensorEncoding.TENSOR_ENCODING_SPARSE_BYTES) {
            if (positions.scratch.length < t.getData().size()) {
              positions.scratch = new int[t.getData().size()];
            }
            decodeSparse(t, batch.observationName(i), batch.finalObservation(i), positions.scratch, -1);
          } else {
            copyTensor(t, batch.observationName(i), batch.finalObservation(i));
          }
        }
      }
    }
    float[] rewards = batch.rewards();
    checkSize("rewards", r.getRewards(), rewards.length * 4L);
    r.getRewards().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(rewards);
    copyFlags("terminated", r.getTerminated(), batch.terminated());
    copyFlags("truncated", r.getTruncated(), batch.truncated());
    copyFlags("action_success", r.getActionSuccess(), batch.actionSuccess());
    copyFlags("reset_mask", r.getResetMask(), batch.resetMask());
    List<EpisodeSummary> episodes = batch.episodes();
    episodes.clear();
    for (EpisodeStats e : r.getEpisodesList()) {
      episodes.add(summary(e));
    }
    batch.setSessionStep(r.getSessionStep());
    return batch;
  }

  static EpisodeSummary summary(EpisodeStats e) {
    int agents = e.getAgentsCount();
    double[] returns = new double[agents];
    List<Map<String, Double>> agentStats = new ArrayList<>(agents);
    for (int a = 0; a < agents; a++) {
      AgentEpisodeStats s = e.getAgents(a);
      returns[a] = s.getEpisodeReturn();
      agentStats.add(new LinkedHashMap<>(s.getStatsMap()));
    }
    return new EpisodeSummary(e.getCopy(), e.getEpisode(), e.getLength(), e.getTerminated(),
        e.getTruncated(), returns, agentStats, new LinkedHashMap<>(e.getStatsMap()));
  }

  private static void copyTensor(Tensor t, String expectedName, ByteBuffer dst) {
    if (!t.getName().equals(expectedName)) {
      throw mismatch("the response holds observation '" + t.getName() + "' where the spec has '" + expectedName + "'");
    }
    switch (t.getEncoding()) {
      case TENSOR_ENCODING_RAW -> {
        checkSize("observation '" + expectedName + "'", t.getData(), dst.capacity());
        t.getData().copyTo(dst.array(), dst.arrayOffset());
      }
      case TENSOR_ENCODING_SPARSE_BYTES -> decodeSparse(t, expectedName, dst, new int[t.getData().size()], -1);
      default -> throw mismatch("observation '" + expectedName + "' has encoding " + t.getEncodingValue()
          + ", which this client does not know; upgrade the client");
    }
  }

  /** A sparse tensor into {@code dst}, read from the message's bytes in place; see {@link SparseBytes}. */
  private static int decodeSparse(Tensor t, String expectedName, ByteBuffer dst, int[] positions, int zeroCount) {
    if (!t.getName().equals(expectedName)) {
      throw mismatch("the response holds observation '" + t.getName() + "' where the spec has '" + expectedName + "'");
    }
    try {
      return SparseBytes.decode(t.getSparseOffsets().asReadOnlyByteBuffer(), t.getData().asReadOnlyByteBuffer(),
          dst.array(), dst.arrayOffset(), dst.capacity(), positions, zeroCount);
    } catch (IllegalArgumentException e) {
      throw mismatch("observation '" + expectedName + "' is malformed sparse data: " + e.getMessage());
    }
  }

  private static void copyFlags(String what, ByteString data, byte[] dst) {
    checkSize(what, data, dst.length);
    data.copyTo(dst, 0);
  }

  private static void checkSize(String what, ByteString data, long expected) {
    if (data.size() != expected) {
      throw mismatch(what + " has " + data.size() + " bytes; the spec implies " + expected);
    }
  }

  private static KindredException mismatch(String message) {
    return new KindredException("INTERNAL", "malformed StepResponse: " + message
        + " (client and server disagree about the protocol)");
  }
}
