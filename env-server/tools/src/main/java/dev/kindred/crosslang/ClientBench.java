package dev.kindred.crosslang;

import dev.kindred.cli.support.Cli;
import dev.kindred.cli.support.PrintingCommand;
import dev.kindred.client.KindredClient;
import dev.kindred.client.RemoteVectorEnv;
import dev.kindred.env.SessionOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

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
@Command(name = "dev.kindred.crosslang.ClientBench",
    description = "Batched steps per second through the Java client, the Java side of bench_clients.py.")
public final class ClientBench extends PrintingCommand {
  @Mixin
  SessionFlags session = new SessionFlags();

  @Option(names = "--copies", paramLabel = "N", description = "copies (default ${DEFAULT-VALUE})")
  int copies = 16;

  @Option(names = "--steps", paramLabel = "T", description = "steps per timed run (default ${DEFAULT-VALUE})")
  int steps = 2000;

  @Option(names = "--warmup", paramLabel = "W", description = "untimed steps first (default ${DEFAULT-VALUE})")
  int warmup = 500;

  @Option(names = "--runs", paramLabel = "R", description = "timed runs (default ${DEFAULT-VALUE})")
  int runs = 3;

  @Option(names = "--streaming", paramLabel = "true|false", arity = "1",
      description = "StepStream, or unary Step (default ${DEFAULT-VALUE})")
  boolean streaming = true;

  public static void main(String[] args) {
    Cli.main(new ClientBench(), args);
  }

  @Override
  public Integer call() {
    SessionOptions options = SessionOptions.builder().streaming(streaming).clientName("kindred-java-bench").build();
    try (KindredClient client = KindredClient.connect(session.target);
         RemoteVectorEnv env = client.make(session.world, session.config(), copies, 1L, options)) {
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
        out.println("steps_per_s " + (steps / s));
        out.flush();
      }
    }
    return 0;
  }
}
