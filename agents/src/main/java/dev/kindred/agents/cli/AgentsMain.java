package dev.kindred.agents.cli;

import java.util.Arrays;

/**
 * Entry point of the agents' subcommands, run by the launcher: {@code train}, {@code evaluate}
 * and {@code bench train}. Bad input ends with one line on stderr saying what to do, exit 2.
 */
public final class AgentsMain {
  private AgentsMain() {}

  static final String HELP = """
      Usage: kindred <command> [flags]

      Commands of the agents:
        train         train a PPO policy (kindred train --help)
        evaluate      evaluate a checkpoint against baselines (kindred evaluate --help)
        bench train   training and inference throughput (kindred bench train --help)
      """;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String[] args) {
    if (args.length == 0) {
      System.out.print(HELP);
      return 2;
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    try {
      switch (args[0]) {
        case "train" -> {
          return TrainCommand.run(rest);
        }
        case "evaluate" -> {
          return EvaluateCommand.run(rest);
        }
        case "bench" -> {
          if (rest.length > 0 && rest[0].equals("train")) {
            return TrainBench.run(Arrays.copyOfRange(rest, 1, rest.length));
          }
          System.err.println("kindred: the agents module only has 'bench train'");
          return 2;
        }
        default -> {
          System.out.print(HELP);
          return 2;
        }
      }
    } catch (CommandFailure e) {
      System.err.println("kindred " + args[0] + ": " + e.getMessage());
      return 1;
    } catch (IllegalArgumentException e) {
      System.err.println("kindred " + args[0] + ": " + e.getMessage());
      return 2;
    } catch (dev.kindred.env.KindredException e) {
      System.err.println("kindred " + args[0] + ": the environment failed: " + e.getMessage()
          + ("UNAVAILABLE".equals(e.code()) ? " (the server went away; restart it and rerun with --resume)" : ""));
      return 1;
    } catch (Exception e) {
      System.err.println("kindred " + args[0] + ": " + e);
      return 1;
    }
  }
}
