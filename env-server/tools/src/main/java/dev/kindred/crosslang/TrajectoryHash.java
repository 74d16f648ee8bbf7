package dev.kindred.crosslang;

import dev.kindred.cli.support.Cli;
import dev.kindred.cli.support.PrintingCommand;
import dev.kindred.client.KindredClient;
import dev.kindred.client.RemoteVectorEnv;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.StepBatch;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

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
@Command(name = "dev.kindred.crosslang.TrajectoryHash",
    description = "Play the fixed action sequence of the cross-language determinism test and print one SHA-256 "
        + "per step.")
public final class TrajectoryHash extends PrintingCommand {
  @Mixin
  SessionFlags session = new SessionFlags();

  @Option(names = "--copies", paramLabel = "N", description = "copies (default ${DEFAULT-VALUE})")
  int copies = 1;

  @Option(names = "--seed", paramLabel = "S", converter = UnsignedLong.class,
      description = "Reset seed, an unsigned 64-bit integer (default ${DEFAULT-VALUE})")
  long seed = 0;

  @Option(names = "--steps", paramLabel = "T", description = "steps after the reset (default ${DEFAULT-VALUE})")
  int steps = 10;

  /** Parses a seed as an unsigned 64-bit integer (the contract's seeds go up to 2^64 - 1). */
  static final class UnsignedLong implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      try {
        return Long.parseUnsignedLong(value);
      } catch (NumberFormatException e) {
        throw new TypeConversionException("'" + value + "' is not an unsigned 64-bit integer");
      }
    }
  }

  public static void main(String[] args) {
    Cli.main(new TrajectoryHash(), args);
  }

  @Override
  public Integer call() throws NoSuchAlgorithmException {
    try (KindredClient client = KindredClient.connect(session.target);
         RemoteVectorEnv env = client.make(session.world, session.config(), copies, seed)) {
      SessionSpec spec = env.spec();
      int agents = spec.agents();
      int dims = spec.actionDimensions();
      int[] nvec = new int[dims];
      for (int d = 0; d < dims; d++) {
        nvec[d] = spec.world().actions().dimensions().get(d).numValues();
      }
      StringBuilder lines = new StringBuilder();
      StepBatch batch = env.reset(seed);
      lines.append(0).append(' ').append(hash(batch)).append('\n');
      int[] actions = new int[copies * agents * dims];
      for (int t = 1; t <= steps; t++) {
        int i = 0;
        for (int c = 0; c < copies; c++) {
          for (int ag = 0; ag < agents; ag++) {
            for (int d = 0; d < dims; d++) {
              actions[i++] = action(t, c, ag, d, nvec[d]);
            }
          }
        }
        batch = env.step(actions);
        lines.append(t).append(' ').append(hash(batch)).append('\n');
      }
      out.print(lines);
      out.flush();
    }
    return 0;
  }

  /** The contract's action of copy {@code c}, world agent {@code a}, dimension {@code d} at step {@code t}. */
  static int action(int t, int c, int a, int d, int numValues) {
    long v = (long) t * 7919L + (long) c * 104729L + (long) a * 1299709L + (long) d * 15485863L + 12345L;
    return (int) Math.floorMod(v, (long) numValues);
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
}
