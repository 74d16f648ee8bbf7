package dev.kindred.local;

import dev.kindred.env.EpisodeSummary;
import dev.kindred.env.StepBatch;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Helpers to record a batch exactly and to make reproducible action sequences. */
final class Trajectories {
  private Trajectories() {}

  /** Every byte of the batch (observations, final observations, rewards, flags, episodes, step). */
  static byte[] snapshot(StepBatch b) {
    return snapshot(b, true);
  }

  /**
   * @param counters whether to include what depends on the session's history rather than the
   *                 episode (the session step and the episodes' indices)
   */
  static byte[] snapshot(StepBatch b, boolean counters) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < b.observationCount(); i++) {
      write(out, b.observationName(i).getBytes(StandardCharsets.UTF_8));
      write(out, bytes(b.observation(i)));
      if (b.hasFinalObservations()) {
        write(out, bytes(b.finalObservation(i)));
      }
    }
    ByteBuffer r = ByteBuffer.allocate(b.rewards().length * 4).order(ByteOrder.LITTLE_ENDIAN);
    r.asFloatBuffer().put(b.rewards());
    write(out, r.array());
    write(out, b.terminated());
    write(out, b.truncated());
    write(out, b.actionSuccess());
    write(out, b.resetMask());
    for (EpisodeSummary e : b.episodes()) {
      String s = e.copy() + "/" + (counters ? e.episode() : -1) + "/" + e.length() + "/" + e.terminated() + "/" + e.truncated()
          + "/" + Arrays.toString(Arrays.stream(e.returns()).mapToLong(Double::doubleToRawLongBits).toArray())
          + "/" + e.agentStats() + "/" + e.stats();
      write(out, s.getBytes(StandardCharsets.UTF_8));
    }
    if (counters) {
      write(out, ByteBuffer.allocate(8).putLong(b.sessionStep()).array());
    }
    return out.toByteArray();
  }

  private static byte[] bytes(ByteBuffer b) {
    return Arrays.copyOfRange(b.array(), b.arrayOffset(), b.arrayOffset() + b.capacity());
  }

  private static void write(ByteArrayOutputStream out, byte[] data) {
    out.write(data.length >>> 24);
    out.write(data.length >>> 16);
    out.write(data.length >>> 8);
    out.write(data.length);
    out.write(data, 0, data.length);
  }

  /** {@code steps} action batches of {@code size} values in [0, limit), from {@code seed}. */
  static int[][] actions(long seed, int steps, int size, int limit) {
    SplittableRandom rng = new SplittableRandom(seed);
    int[][] a = new int[steps][size];
    for (int[] row : a) {
      for (int i = 0; i < size; i++) {
        row[i] = rng.nextInt(limit);
      }
    }
    return a;
  }
}
