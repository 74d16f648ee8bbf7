package dev.kindred.cli;

import java.util.Arrays;
import java.util.Map;

/**
 * A subcommand with its own subcommands ({@code kindred bench spin}, {@code kindred spin
 * measure}): dispatches on the first argument, prints the group's help for none or
 * {@code --help}, and rejects unknown names with exit code 2.
 */
record CommandGroup(String name, String help, Map<String, Command> members) implements Command {

  @Override
  public int run(String[] args) throws Exception {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
      System.out.print(help);
      return args.length == 0 ? 2 : 0;
    }
    Command member = members.get(args[0]);
    if (member == null) {
      System.err.println("kindred " + name + ": unknown subcommand '" + args[0] + "'");
      System.err.print(help);
      return 2;
    }
    return member.run(Arrays.copyOfRange(args, 1, args.length));
  }
}
