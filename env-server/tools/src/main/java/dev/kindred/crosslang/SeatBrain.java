package dev.kindred.crosslang;

import dev.kindred.cli.support.Cli;
import dev.kindred.cli.support.PrintingCommand;
import dev.kindred.client.KindredClient;
import dev.kindred.client.SeatEnv;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.StepBatch;
import java.security.NoSuchAlgorithmException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The Java seat brain of the cross-language match test: joins one seat of a match and plays the
 * fixed action sequence of {@link TrajectoryHash} for the seat's agents, printing one SHA-256 per
 * step. Every client language implements the same contract (see clients/python/kindred/crosslang.py):
 *
 * <pre>
 * java -cp kindred-server.jar dev.kindred.crosslang.SeatBrain \
 *     --target HOST:PORT --session ID --seat NAME --token TOKEN --steps T
 * </pre>
 *
 * <ul>
 *   <li>JoinSession; line 0 hashes the join observation; then {@code T} seat steps.
 *   <li>The action of copy c, seat agent j, dimension d at step t is {@link TrajectoryHash}'s with
 *       {@code a} = the seat agent's index in the world (the seat's agent list), so a match whose
 *       seats all play this way applies exactly the actions of a single-controller
 *       {@link TrajectoryHash} run.
 *   <li>Line {@code t} is {@code "<t> <sha256 hex>"} of the seat's batch, hashed as
 *       {@link TrajectoryHash} hashes a whole session's.
 * </ul>
 */
@Command(name = "dev.kindred.crosslang.SeatBrain",
    description = "Join a seat of a match, play the fixed action sequence of the cross-language test for the seat's "
        + "agents and print one SHA-256 per step.")
public final class SeatBrain extends PrintingCommand {
  @Option(names = "--target", paramLabel = "HOST:PORT", description = "the server (default ${DEFAULT-VALUE})")
  String target = "localhost:50051";

  @Option(names = "--session", paramLabel = "ID", required = true, description = "the match's session id")
  String session;

  @Option(names = "--seat", paramLabel = "NAME", required = true, description = "the seat to join")
  String seat;

  @Option(names = "--token", paramLabel = "TOKEN", required = true, description = "the seat's join token")
  String token;

  @Option(names = "--steps", paramLabel = "T", description = "steps after the join (default ${DEFAULT-VALUE})")
  int steps = 10;

  public static void main(String[] args) {
    Cli.main(new SeatBrain(), args);
  }

  @Override
  public Integer call() throws NoSuchAlgorithmException {
    try (KindredClient client = KindredClient.connect(target);
         SeatEnv env = client.joinSeat(session, seat, token, true)) {
      SessionSpec spec = env.spec();
      int[] world = env.worldAgents();
      int copies = spec.copies();
      int dims = spec.actionDimensions();
      int[] nvec = new int[dims];
      for (int d = 0; d < dims; d++) {
        nvec[d] = spec.world().actions().dimensions().get(d).numValues();
      }
      StringBuilder lines = new StringBuilder();
      StepBatch batch = env.reset();
      lines.append(0).append(' ').append(TrajectoryHash.hash(batch)).append('\n');
      int[] actions = new int[copies * world.length * dims];
      for (int t = 1; t <= steps; t++) {
        int i = 0;
        for (int c = 0; c < copies; c++) {
          for (int a : world) {
            for (int d = 0; d < dims; d++) {
              actions[i++] = TrajectoryHash.action(t, c, a, d, nvec[d]);
            }
          }
        }
        batch = env.step(actions);
        lines.append(t).append(' ').append(TrajectoryHash.hash(batch)).append('\n');
      }
      out.print(lines);
      out.flush();
    }
    return 0;
  }
}
