package dev.kindred.cli;

import dev.kindred.bench.EnergyBench;
import dev.kindred.bench.SpinBench;
import dev.kindred.bench.SpinMeasure;
import dev.kindred.server.KindredServer;
import dev.kindred.server.ServeCommand;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Entry point of the Kindred jar: {@code java -jar kindred-server.jar <command> [flags]}.
 *
 * <p>To add a subcommand, add one line to {@link #COMMANDS}: its name, a one-line summary and a
 * {@link Command} (usually {@code SomeCommand::run}, with {@code public static int run(String[] args)}
 * that prints its own {@code --help}).
 */
public final class Main {
  private Main() {}

  /** A subcommand as the top-level help lists it. */
  record Subcommand(String summary, Command command) {}

  static final String BENCH_HELP = """
      Usage: kindred bench <suite> [flags]

      Suites:
        spin       single-spin updates per second: lattice (async, sweep, sync, checkerboard),
                   SK n=1024, and the gRPC path against in-process (kindred bench spin --help)
        clients    batched steps per second through the Python client against the Java client,
                   same server, same run (kindred bench clients --help)
        train      end-to-end PPO training throughput, in process and over gRPC, and
                   inference alone (agents module; kindred bench train --help)
        energy     energy/kinship world agent-steps per second on S1-S3, in process and over
                   gRPC against in-process (kindred bench energy --help)
        jmh        the JMH benchmarks behind the in-process rows of spin and energy, with JMH's
                   own options: kindred bench jmh -l lists them, kindred bench jmh -h the options,
                   e.g. kindred bench jmh EnergyStepBenchmark -p scenario=S1 -prof gc

      Every suite prints a table; --json prints one JSON object per measured row instead.
      """;

  static final String SPIN_HELP = """
      Usage: kindred spin <tool> [flags]

      Tools:
        measure    magnetisation and energy of the 2-D lattice against temperature, as a table
                   and a PNG with Yang's and Onsager's exact curves (kindred spin measure --help)
      """;

  static final String ENERGY_HELP = """
      Usage: kindred energy <tool> [flags]

      Tools:
        render     run an energy world with random actions and draw PNG frames (a contact
                   sheet or one file per frame) or print the text rendering
                   (kindred energy render --help)
      """;

  /** Subcommands by name, in the order the help lists them. */
  static final Map<String, Subcommand> COMMANDS = new LinkedHashMap<>();

  static {
    COMMANDS.put("serve", new Subcommand("run the environment server (gRPC, kindred.v1)", ServeCommand::run));
    COMMANDS.put("bench", new Subcommand("benchmarks that print figures (bench spin, bench energy; --help)",
        new CommandGroup("bench", BENCH_HELP, Map.of("spin", SpinBench::run, "energy", EnergyBench::run,
            "jmh", Main::jmh))));
    COMMANDS.put("spin", new Subcommand("spin-world tools (spin measure: m and E against T, with a plot)",
        new CommandGroup("spin", SPIN_HELP, Map.of("measure", SpinMeasure::run))));
    COMMANDS.put("energy", new Subcommand("energy-world tools (energy render: PNG frames or text of a run)",
        new CommandGroup("energy", ENERGY_HELP, Map.of("render", RenderCommand::run))));
  }

  /** JMH's own command line over the benchmarks in this jar; JMH exits the JVM with 1 on errors. */
  private static int jmh(String[] args) throws Exception {
    org.openjdk.jmh.Main.main(args);
    return 0;
  }

  public static void main(String[] args) {
    int code = run(args, System.out, System.err);
    // Exit only on failure: on success (e.g. after SIGTERM) the JVM may already be running its
    // shutdown hooks, and System.exit would then block forever.
    if (code != 0) {
      System.exit(code);
    }
  }

  /** Dispatches to a subcommand; returns the exit code. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0) {
      out.print(help());
      return 0;
    }
    String name = args[0];
    if (name.equals("--help") || name.equals("-h") || name.equals("help")) {
      if (args.length > 1 && COMMANDS.containsKey(args[1])) {
        return invoke(args[1], new String[] {"--help"}, err);
      }
      out.print(help());
      return 0;
    }
    if (!COMMANDS.containsKey(name)) {
      err.println("kindred: unknown command '" + name + "'");
      err.println();
      err.print(help());
      return 2;
    }
    return invoke(name, Arrays.copyOfRange(args, 1, args.length), err);
  }

  private static int invoke(String name, String[] args, PrintStream err) {
    try {
      return COMMANDS.get(name).command().run(args);
    } catch (Exception e) {
      err.println("kindred " + name + ": " + e);
      return 1;
    }
  }

  static String help() {
    StringBuilder b = new StringBuilder();
    b.append("Kindred ").append(KindredServer.version())
        .append(": gym-style reinforcement-learning environments over gRPC\n\n");
    b.append("Usage: kindred <command> [flags]\n\nCommands:\n");
    COMMANDS.forEach((name, c) -> b.append(String.format("  %-10s %s%n", name, c.summary())));
    b.append(String.format("  %-10s %s%n", "help", "show this help (help <command>: the command's flags)"));
    b.append("\nThe ./kindred launcher also has:\n");
    b.append(String.format("  %-10s %s%n", "train", "train a neural policy with PPO (agents module; train --help)"));
    b.append(String.format("  %-10s %s%n", "evaluate", "evaluate a checkpoint against random and scripted baselines"));
    b.append(String.format("  %-10s %s%n", "test", "run every test (Java and every client language)"));
    b.append(String.format("  %-10s %s%n", "build", "rebuild the project (done automatically when sources change)"));
    b.append("\nRun 'kindred <command> --help' for a command's flags.\n");
    return b.toString();
  }
}
