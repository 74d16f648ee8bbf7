package dev.kindred.crosslang;

import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import dev.kindred.client.KindredClient;
import dev.kindred.client.RemoteVectorEnv;
import dev.kindred.env.SessionOptions;
import dev.kindred.protocol.Structs;
import java.util.Map;

/**
 * The Java side of the client benchmark (clients/python/bench/bench_clients.py): batched
 * steps per second through the Java client against a running server, measured exactly as the
 * Python side measures it (same world, config, copies, fixed actions, warm-up, timed runs).
 *
 * <pre>
 * java -cp kindred-server.jar dev.kindred.crosslang.ClientBench --target HOST:PORT \
 *     --world ID --config JSON --copies N --steps T --warmup W --runs R --streaming true|false
 * </pre>
 *
 * Prints one line per timed run: {@code steps_per_s <batched steps per second>}.
 */
public final class ClientBench {
  private ClientBench() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = TrajectoryHash.parse(args);
    String target = a.getOrDefault("target", "localhost:50051");
    String world = a.getOrDefault("world", "spin.lattice");
    Struct.Builder config = Struct.newBuilder();
    JsonFormat.parser().merge(a.getOrDefault("config", "{}"), config);
    int copies = Integer.parseInt(a.getOrDefault("copies", "16"));
    int steps = Integer.parseInt(a.getOrDefault("steps", "2000"));
    int warmup = Integer.parseInt(a.getOrDefault("warmup", "500"));
    int runs = Integer.parseInt(a.getOrDefault("runs", "3"));
    boolean streaming = Boolean.parseBoolean(a.getOrDefault("streaming", "true"));

    SessionOptions options = SessionOptions.builder().streaming(streaming).clientName("kindred-java-bench").build();
    try (KindredClient client = KindredClient.connect(target);
         RemoteVectorEnv env = client.make(world, Structs.toPlain(config.build()), copies, 1L, options)) {
      int[] actions = new int[copies * env.agents() * env.actionDimensions()];
      for (int i = 0; i < actions.length; i++) {
        actions[i] = i % 2;  // valid for any world whose action dimensions have >= 2 values
      }
      env.reset();
      for (int i = 0; i < warmup; i++) {
        env.step(actions);
      }
      for (int r = 0; r < runs; r++) {
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) {
          env.step(actions);
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.println("steps_per_s " + (steps / s));
        System.out.flush();
      }
    }
  }
}
