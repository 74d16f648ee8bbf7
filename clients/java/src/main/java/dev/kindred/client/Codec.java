package dev.kindred.client;

import com.google.protobuf.ByteString;
import dev.kindred.env.EpisodeSummary;
import dev.kindred.env.KindredException;
import dev.kindred.env.StepBatch;
import dev.kindred.proto.v1.AgentEpisodeStats;
import dev.kindred.proto.v1.EpisodeStats;
import dev.kindred.proto.v1.StepResponse;
import dev.kindred.proto.v1.Tensor;
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
   * Copies {@code r} into {@code batch}. A response that does not match the session's spec
   * (missing tensors, wrong sizes) is an {@code INTERNAL} error: client and server disagree
   * about the protocol.
   */
  static StepBatch decode(StepResponse r, StepBatch batch) {
    int n = batch.observationCount();
    if (r.getObservationsCount() != n) {
      throw mismatch("the response has " + r.getObservationsCount() + " observations; the spec lists " + n);
    }
    for (int i = 0; i < n; i++) {
      copyTensor(r.getObservations(i), batch.observationName(i), batch.observation(i));
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
          copyTensor(r.getFinalObservations(i), batch.observationName(i), batch.finalObservation(i));
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
      case TENSOR_ENCODING_SPARSE_BYTES -> {
        try {
          SparseBytes.decode(t.getSparseOffsets().toByteArray(), t.getData().toByteArray(),
              dst.array(), dst.arrayOffset(), dst.capacity());
        } catch (IllegalArgumentException e) {
          throw mismatch("observation '" + expectedName + "' is malformed sparse data: " + e.getMessage());
        }
      }
      default -> throw mismatch("observation '" + expectedName + "' has encoding " + t.getEncodingValue()
          + ", which this client does not know; upgrade the client");
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
