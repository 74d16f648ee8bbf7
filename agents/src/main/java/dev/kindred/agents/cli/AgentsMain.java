package dev.kindred.agents.cli;

import dev.kindred.cli.Main;
import dev.kindred.cli.support.Cli;
import dev.kindred.env.KindredException;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * Entry point of the agents' subcommands, run by the launcher: {@code train}, {@code evaluate},
 * {@code curves} and {@code bench train}, added to the jar's command tree ({@link Main#tree()}) so that help,
 * flags and shell completion ({@code kindred generate-completion}) cover every command. Bad
 * input ends with one line on stderr saying what to do, exit 2; a failure outside the input
 * (a server going away), exit 1.
 */
public final class AgentsMain {
  private AgentsMain() {}

  static CommandLine commandLine() {
    CommandLine cl = Main.tree();
    cl.addSubcommand(new TrainCommand());
    cl.addSubcommand(new EvaluateCommand());
    cl.addSubcommand(new CurvesCommand());
    cl.addSubcommand(new TournamentCommand());
    cl.getSubcommands().get("bench").addSubcommand(new TrainBench());
    cl.getCommandSpec().usageMessage().footer("Run 'kindred <command> --help' for a command's options.");
    Cli.configure(cl);
    cl.setExecutionExceptionHandler(AgentsMain::failure);
    return cl;
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String... args) {
    return Cli.execute(commandLine(), System.out, System.err, args);
  }

  /** The agents' failures: a server that went away says how to continue; the rest as {@link Cli#FAILURE}. */
  private static int failure(Exception e, CommandLine cl, ParseResult parsed) throws Exception {
    String name = cl.getCommandSpec().qualifiedName();
    if (e instanceof CommandFailure) {
      cl.getErr().println(name + ": " + e.getMessage());
    } else if (e instanceof KindredException k) {
      cl.getErr().println(name + ": the environment failed: " + k.getMessage()
          + ("UNAVAILABLE".equals(k.code()) ? " (the server went away; restart it and rerun with --resume)" : ""));
    } else {
      return Cli.FAILURE.handleExecutionException(e, cl, parsed);
    }
    cl.getErr().flush();
    return CommandLine.ExitCode.SOFTWARE;
  }
}
