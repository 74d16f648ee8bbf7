package dev.kindred.server;

import dev.kindred.bench.SpinMeasure;
import java.util.Arrays;

/** {@code kindred spin <tool>}: spin-world tools that run in-process. */
final class SpinCommand {
  private SpinCommand() {}

  static final String HELP = """
      Usage: kindred spin <tool> [flags]

      Tools:
        measure    magnetisation and energy of the 2-D lattice against temperature, as a table
                   and a PNG with Yang's and Onsager's exact curves (kindred spin measure --help)
      """;

  static int run(String[] args) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
      System.out.print(HELP);
      return args.length == 0 ? 2 : 0;
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    switch (args[0]) {
      case "measure":
        return SpinMeasure.run(rest);
      default:
        System.err.println("kindred spin: unknown tool '" + args[0] + "'");
        System.err.print(HELP);
        return 2;
    }
  }
}
