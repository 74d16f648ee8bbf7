package dev.kindred.crosslang;

import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import dev.kindred.client.KindredClient;
import dev.kindred.client.RemoteVectorEnv;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.StepBatch;
import dev.kindred.protocol.Structs;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * The Java participant of the cross-language determinism test: plays a fixed action sequence
 * through the Java client and prints one SHA-256 per step. Every client language implements
 * the same contract (see clients/python/kindred/crosslang.py, the reference):
 *
 * <pre>
 * java -cp kindred-server.jar dev.kindred.crosslang.TrajectoryHash \
 *     --target HOST:PORT --world ID --config JSON --copies N --seed S --steps T
 * </pre>
 *
 * <ul>
 *   <li>Create a session (autoreset NEXT_STEP, all observations), {@code Reset(seed=S)}, then
 *       {@code T} steps.
 *   <li>Action of copy c, agent a, dimension d at step t (1-based):
 *       {@code (t*7919 + c*104729 + a*1299709 + d*15485863 + 12345) mod num_values(d)}, in
 *       64-bit integer arithmetic.
 *   <li>Line {@code t} (0 for the reset) is {@code "<t> <sha256 hex>"}, the SHA-256 of, in
 *       order: every observation tensor's packed little-endian bytes in spec order, the rewards
 *       (float32 LE, [copies, agents]), terminated and truncated (one byte 0/1 per copy).
 * </ul>
 */
public final class TrajectoryHash {
  private TrajectoryHash() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = parse(args);
    String target = a.getOrDefault("target", "localhost:50051");
    String world = a.getOrDefault("world", "spin.lattice");
    Struct.Builder config = Struct.newBuilder();
    JsonFormat.parser().merge(a.getOrDefault("config", "{}"), config);
    int copies = Integer.parseInt(a.getOrDefault("copies", "1"));
    long seed = Long.parseUnsignedLong(a.getOrDefault("seed", "0"));
    int steps = Integer.parseInt(a.getOrDefault("steps", "10"));

    try (KindredClient client = KindredClient.connect(target);
         RemoteVectorEnv env = client.make(world, Structs.toPlain(config.build()), copies, seed)) {
      SessionSpec spec = env.spec();
      int agents = spec.agents();
      int dims = spec.actionDimensions();
      int[] nvec = new int[dims];
      for (int d = 0; d < dims; d++) {
        nvec[d] = spec.world().actions().dimensions().get(d).numValues();
      }
      StringBuilder out = new StringBuilder();
      StepBatch batch = env.reset(seed);
      out.append(0).append(' ').append(hash(batch)).append('\n');
      int[] actions = new int[copies * agents * dims];
      for (int t = 1; t <= steps; t++) {
        int i = 0;
        for (int c = 0; c < copies; c++) {
          for (int ag = 0; ag < agents; ag++) {
            for (int d = 0; d < dims; d++) {
              long v = (long) t * 7919L + (long) c * 104729L + (long) ag * 1299709L + (long) d * 15485863L + 12345L;
              actions[i++] = (int) Math.floorMod(v, (long) nvec[d]);
            }
          }
        }
        batch = env.step(actions);
        out.append(t).append(' ').append(hash(batch)).append('\n');
      }
      System.out.print(out);
      System.out.flush();
    }
  }

  static String hash(StepBatch b) throws NoSuchAlgorithmException {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    for (int i = 0; i < b.observationCount(); i++) {
      md.update(b.observation(i).duplicate().clear());
    }
    float[] rewards = b.rewards();
    ByteBuffer r = ByteBuffer.allocate(rewards.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : rewards) {
      r.putFloat(f);
    }
    md.update(r.array());
    md.update(b.terminated());
    md.update(b.truncated());
    return HexFormat.of().formatHex(md.digest());
  }

  static Map<String, String> parse(String[] args) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String k = args[i];
      if (!k.startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("usage: --target HOST:PORT --world ID --config JSON --copies N --seed S --steps T; bad argument " + k);
      }
      m.put(k.substring(2), args[++i]);
    }
    return m;
  }
}
