package dev.kindred.cli.support;

import dev.kindred.build.BuildInfo;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The conventions every Kindred command line follows, on top of picocli, so that each command
 * declares only its options and its work:
 *
 * <ul>
 *   <li>one help style: {@code -h/--help} and {@code -V/--version} on every command, the
 *       description, then the options in declaration order, then the footer;
 *   <li>a flag given twice: the last value wins ({@code --steps 10 --steps 20} is 20); list
 *       flags ({@code --only A,B}, {@code --config}) collect every value;
 *   <li>integers may have {@code _} separators ({@code 1_000_000}); a value out of the option's
 *       range (e.g. beyond a 32-bit int) is an error, never truncated;
 *   <li>a usage error (unknown flag or command, bad value) prints {@code kindred <command>: what
 *       was wrong} on stderr, the closest flag or command names when it looks like a typo, and
 *       exits with 2; {@code --help} prints to stdout and exits with 0;
 *   <li>an {@link IllegalArgumentException} from a command is bad input: its message, exit 2;
 *       any other exception: the exception, exit 1.
 * </ul>
 */
public final class Cli {
  private Cli() {}

  /** Exit code of a usage error or bad input. */
  public static final int USAGE = CommandLine.ExitCode.USAGE;

  /** Prints the message of an exception that escapes a command: bad input 2, anything else 1. */
  public static final IExecutionExceptionHandler FAILURE = (e, cl, parsed) -> {
    PrintWriter err = cl.getErr();
    String name = cl.getCommandSpec().qualifiedName();
    boolean badInput = e instanceof IllegalArgumentException && e.getMessage() != null;
    err.println(name + ": " + (badInput ? e.getMessage() : e.toString()));
    err.flush();
    return badInput ? USAGE : CommandLine.ExitCode.SOFTWARE;
  };

  /** {@code command} (an {@code @Command} object) with the conventions applied to it. */
  public static CommandLine commandLine(Object command) {
    return configure(new CommandLine(command));
  }

  /**
   * Applies the conventions to a command tree. Call it once every subcommand is added: what it
   * sets reaches the subcommands present.
   */
  public static CommandLine configure(CommandLine cl) {
    each(cl, c -> {
      CommandSpec spec = c.getCommandSpec();
      spec.mixinStandardHelpOptions(true);
      if (spec.version().length == 0) {
        spec.version("Kindred " + version());
      }
      spec.usageMessage()
          .abbreviateSynopsis(true)
          .sortOptions(false)
          .width(100)
          .longOptionsMaxWidth(30)
          .synopsisSubcommandLabel("<command>")
          .descriptionHeading("%n")
          .optionListHeading("%nOptions:%n")
          .commandListHeading("%nCommands:%n")
          .footerHeading(spec.usageMessage().footer().length > 0 ? "%n" : "");
    });
    cl.setOverwrittenOptionsAllowed(true);
    cl.registerConverter(Integer.class, Cli::toInt);
    cl.registerConverter(int.class, Cli::toInt);
    cl.registerConverter(Long.class, Cli::toLong);
    cl.registerConverter(long.class, Cli::toLong);
    cl.setParameterExceptionHandler(Cli::usageError);
    cl.setExecutionExceptionHandler(FAILURE);
    return cl;
  }

  /** Runs a configured command tree with these streams; returns the exit code. */
  public static int execute(CommandLine cl, PrintStream out, PrintStream err, String... args) {
    each(cl, c -> {
      if (c.getCommand() instanceof PrintingCommand p) {
        p.streams(out, err);
      }
    });
    PrintWriter o = new PrintWriter(out, true);
    PrintWriter e = new PrintWriter(err, true);
    cl.setOut(o);
    cl.setErr(e);
    try {
      return cl.execute(args);
    } finally {
      o.flush();
      e.flush();
    }
  }

  /**
   * The whole {@code main} of a command run on its own ({@code java -cp ... SomeCommand args}):
   * runs it with System.out and System.err and exits with its code when that is not 0.
   */
  public static void main(Object command, String[] args) {
    exit(execute(commandLine(command), System.out, System.err, args));
  }

  /**
   * Exits with {@code code} unless it is 0: after a successful run (e.g. a server stopped by
   * SIGTERM) the JVM may be running its shutdown hooks, and System.exit would block forever.
   */
  public static void exit(int code) {
    if (code != 0) {
      System.exit(code);
    }
  }

  /** Parses {@code args} into {@code command}'s options (no run); a bad flag throws. */
  public static <T> T parse(T command, String... args) {
    commandLine(command).parseArgs(args);
    return command;
  }

  /** {@code value}, or bad input naming {@code flag} when it is below {@code min}. */
  public static int atLeast(String flag, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(flag + " must be at least " + min + ", got " + value);
    }
    return value;
  }

  /** {@code value}, or bad input naming {@code flag} when it is below 1. */
  public static int positive(String flag, int value) {
    return atLeast(flag, value, 1);
  }

  /** The version and commit stamped at build time (the same as the server and checkpoints report). */
  public static String version() {
    return BuildInfo.current().codeVersion();
  }

  private static void each(CommandLine cl, Consumer<CommandLine> f) {
    f.accept(cl);
    cl.getSubcommands().values().forEach(c -> each(c, f));
  }

  // ------------------------------------------------------------------ values

  static long toLong(String s) {
    String digits = s.strip().replace("_", "");
    try {
      return Long.parseLong(digits);
    } catch (NumberFormatException e) {
      throw new TypeConversionException(digits.matches("[-+]?[0-9]+")
          ? "'" + s + "' is out of range (at most " + Long.MAX_VALUE + ")" : "'" + s + "' is not an integer");
    }
  }

  static int toInt(String s) {
    long v = toLong(s);
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw new TypeConversionException("'" + s + "' is out of range (at most " + Integer.MAX_VALUE + ")");
    }
    return (int) v;
  }

  // ------------------------------------------------------------------ usage errors

  /** {@code kindred <command>: message}, typo suggestions, and where to read more; exit 2. */
  static int usageError(ParameterException ex, String[] args) {
    CommandLine cl = ex.getCommandLine();
    PrintWriter err = cl.getErr();
    String name = cl.getCommandSpec().qualifiedName();
    String message = ex.getMessage();
    List<String> suggestions = List.of();
    if (ex instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
      String arg = u.getUnmatched().get(0);
      if (arg.startsWith("-")) {
        String flag = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
        message = "unknown option '" + flag + "'";
        suggestions = closest(flag, cl.getCommandSpec().optionsMap().keySet());
      } else if (!cl.getSubcommands().isEmpty()) {
        message = "unknown command '" + arg + "'";
        suggestions = closest(arg, cl.getSubcommands().keySet()).stream().map(s -> name + " " + s).toList();
      } else {
        message = "unexpected argument '" + arg + "'";
      }
    }
    err.println(name + ": " + message);
    if (!suggestions.isEmpty()) {
      err.println("Did you mean: " + String.join(" or ", suggestions) + "?");
    }
    if (cl.getSubcommands().isEmpty()) {
      err.println("Run '" + name + " --help' for its options.");
    } else {
      err.println();
      cl.usage(err);
    }
    err.flush();
    return USAGE;
  }

  /** The names a mistyped {@code typed} most likely meant: a small edit away, or extending it. */
  static List<String> closest(String typed, Collection<String> names) {
    String t = typed.toLowerCase(Locale.ROOT);
    int core = t.replaceFirst("^-+", "").length();
    int allowed = core >= 6 ? 2 : 1;
    List<String> out = new ArrayList<>();
    for (String n : names) {
      boolean longEnough = core >= 3 && n.startsWith(t) && !n.equals(t);
      if (n.length() > 2 && (distance(t, n.toLowerCase(Locale.ROOT)) <= allowed || longEnough)) {
        out.add(n);
      }
    }
    out.sort(Comparator.comparingInt((String n) -> n.startsWith(t) ? 0 : distance(t, n)).thenComparing(n -> n));
    return out.size() > 3 ? out.subList(0, 3) : out;
  }

  /** Edits (insert, delete, substitute, swap two neighbours) that turn {@code a} into {@code b}. */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
