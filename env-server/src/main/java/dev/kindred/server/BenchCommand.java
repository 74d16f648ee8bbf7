package dev.kindred.server;

import dev.kindred.bench.SpinBench;
import java.util.Arrays;

/** {@code kindred bench <suite>}: benchmarks that print figures (table, or JSON rows). */
final class BenchCommand {
  private BenchCommand() {}

  static final String HELP = """
      Usage: kindred bench <suite> [flags]

      Suites:
        spin       single-spin updates per second: lattice (async, sweep, sync, checkerboard),
                   SK n=1024, and the gRPC path against in-process (kindred bench spin --help)

      Every suite prints a table; --json prints one JSON object per measured row instead.
      """;

  static int run(String[] args) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
      System.out.print(HELP);
      return args.length == 0 ? 2 : 0;
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    switch (args[0]) {
      case "spin":
        return SpinBench.run(rest);
      default:
        System.err.println("kindred bench: unknown suite '" + args[0] + "'");
        System.err.print(HELP);
        return 2;
    }
  }
}
