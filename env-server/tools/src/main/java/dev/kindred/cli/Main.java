package dev.kindred.cli;

import dev.kindred.bench.EnergyBench;
import dev.kindred.bench.LoadBench;
import dev.kindred.bench.SpinBench;
import dev.kindred.bench.SpinMeasure;
import dev.kindred.cli.support.Cli;
import dev.kindred.server.ServeCommand;
import java.io.PrintStream;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Entry point of the Kindred jar: {@code java -jar kindred-server.jar <command> [options]}.
 *
 * <p>To add a subcommand, write an {@code @Command} class (a {@link Runnable} or a
 * {@code Callable<Integer>} returning the exit code; {@link dev.kindred.cli.support.PrintingCommand}
 * when tests give it streams) and list it in {@link #tree()}. {@link Cli} gives every command the
 * same help, flag and exit-code conventions.
 */
@Command(name = "kindred",
    description = "Gym-style reinforcement-learning environments over gRPC.",
    footer = {
        "The ./kindred launcher also has:",
        "  train      train a neural policy with PPO (agents module; train --help)",
        "  evaluate   evaluate a checkpoint against baselines, or brains on a behavioural suite (--suite)",
        "  curves     learning curves of several runs (seeds) in one PNG, mean and 95%% band",
        "  tournament rate brains against each other on several scenarios (leaderboard, replays)",
        "  test       run every test (Java, Python, the RL-library adapters, the viewer, Go, Kubernetes,",
        "             the container image)",
        "  fuzz       coverage-guided fuzzing of every RPC (fuzz --minutes N, default 10)",
        "  build      rebuild the project (done automatically when sources change)",
        "  image      build the server's container image, env-server/target/kindred-server-image.tar (Jib)",
        "",
        "Run 'kindred <command> --help' for a command's options."})
public final class Main implements Runnable {
  @Spec
  CommandSpec spec;

  /** {@code kindred} alone prints the help. */
  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "bench",
      description = "Benchmarks that print figures (bench spin, bench energy, bench load; bench jmh for raw JMH).",
      footer = {
          "The ./kindred launcher also runs:",
          "  clients    batched steps per second through the Python client against the Java client,",
          "             same server, rounds alternated in one run (kindred bench clients --help)",
          "  train      end-to-end PPO training throughput, in process and over gRPC, and",
          "             inference alone (agents module; kindred bench train --help)",
          "",
          "spin and energy print a table (--json: one JSON object per row instead); jmh is JMH's own",
          "command line over the benchmarks behind their in-process rows."})
  static final class Bench {}

  @Command(name = "spin", description = "Spin-world tools (spin measure: m and E against T, with a plot).")
  static final class Spin {}

  @Command(name = "energy", description = "Energy-world tools (energy render: PNG frames or text of a run).")
  static final class Energy {}

  /**
   * Every command of the jar, not yet configured: the agents module adds its own (train,
   * evaluate, bench train) to the same tree before {@link Cli#configure}.
   */
  public static CommandLine tree() {
    CommandLine cl = new CommandLine(new Main());
    cl.addSubcommand(new ServeCommand());
    cl.addSubcommand(new CommandLine(new Bench()).addSubcommand(new SpinBench()).addSubcommand(new EnergyBench())
        .addSubcommand(new LoadBench.LoadCommand()).addSubcommand(new JmhCommand()));
    cl.addSubcommand(new CommandLine(new Spin()).addSubcommand(new SpinMeasure()));
    cl.addSubcommand(new CommandLine(new Energy()).addSubcommand(new RenderCommand()));
    cl.addSubcommand(new CommandLine(new ReplayCommand()).addSubcommand(new ReplayCommand.Info())
        .addSubcommand(new ReplayCommand.Verify()));
    cl.addSubcommand(new ViewCommand());
    cl.addSubcommand(new HelpCommand());
    CommandLine completion = new CommandLine(new AutoComplete.GenerateCompletion());
    completion.getCommandSpec().usageMessage().hidden(false)
        .description("Print a bash/zsh completion script: source <(./kindred generate-completion)");
    cl.addSubcommand(completion);
    return cl;
  }

  public static void main(String[] args) {
    Cli.exit(run(args, System.out, System.err));
  }

  /** Runs a command of the jar; returns the exit code. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    return Cli.execute(Cli.configure(tree()), out, err, args);
  }
}
