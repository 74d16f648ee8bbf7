package dev.kindred.server;

import dev.kindred.env.WorldRegistry;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code kindred serve}: runs the environment server until SIGTERM or Ctrl-C. */
public final class ServeCommand {
  private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

  private ServeCommand() {}

  /** A command-line mistake; the message says what was wrong. */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  static String usage() {
    ServerConfig d = ServerConfig.defaults();
    return String.join("\n",
        "Usage: kindred serve [flags]",
        "",
        "Runs the Kindred environment server hosting every world on the class path: the",
        "kindred.v1.EnvService and DeepMind's dm_env_rpc.v1.Environment on one port, with",
        "health checking and server reflection. Stops gracefully on SIGTERM or Ctrl-C.",
        "",
        "Flags:",
        "  --port N            TCP port to listen on; 0 picks a free port (default " + d.port() + ")",
        "  --host ADDR         address to bind (default " + d.host() + ", every interface)",
        "  --max-sessions N    sessions held at once (default " + d.maxSessions() + ")",
        "  --max-copies N      world copies per session (default " + d.maxCopiesPerSession() + ")",
        "  --max-message-mb N  largest request or response message, in MiB (default "
            + (d.maxMessageBytes() >> 20) + ", at most 2047)",
        "  --idle-timeout-s N  close sessions unused for N seconds (default "
            + d.sessionIdleTimeout().toSeconds() + ")",
        "  --step-threads N    threads stepping the copies of a session in parallel (default "
            + d.stepThreads() + ", one per core; results do not depend on it)",
        "  --help              show this help",
        "",
        "Flags take their value as the next argument or after '=' (--port=50052).",
        "Logging: -Dkindred.log.level=DEBUG for more detail.",
        "");
  }

  /** Parses, starts with {@link WorldRegistry#builtIn()} and blocks; returns the exit code. */
  public static int run(String[] args) {
    return run(args, System.out, System.err);
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    ServerConfig config;
    try {
      config = parse(args);
    } catch (UsageException e) {
      err.println("kindred serve: " + e.getMessage());
      err.println();
      err.print(usage());
      return 2;
    }
    if (config == null) {
      out.print(usage());
      return 0;
    }
    KindredServer server;
    try {
      server = KindredServer.start(config, WorldRegistry.builtIn());
    } catch (UncheckedIOException e) {
      log.error("cannot start: {}", e.getMessage());
      err.println("kindred serve: " + e.getMessage());
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("received shutdown signal");
      server.close();
    }, "kindred-shutdown"));
    server.blockUntilShutdown();
    return 0;
  }

  /** The configuration the flags ask for, or null when {@code --help} is among them. */
  static ServerConfig parse(String[] args) throws UsageException {
    ServerConfig.Builder b = ServerConfig.builder();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) {
        return null;
      }
      if (!arg.startsWith("--")) {
        throw new UsageException("unexpected argument '" + arg + "'; flags start with --");
      }
      String flag = arg;
      String value;
      int eq = arg.indexOf('=');
      if (eq >= 0) {
        flag = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      } else {
        value = null;
      }
      if (!isFlag(flag)) {
        throw new UsageException("unknown flag '" + flag + "'");
      }
      if (value == null) {
        if (i + 1 >= args.length) {
          throw new UsageException(flag + " needs a value");
        }
        value = args[++i];
      }
      switch (flag) {
        case "--port" -> b.port(intValue(flag, value, 0, 65_535));
        case "--host" -> {
          if (value.isBlank()) {
            throw new UsageException("--host needs an address, got an empty string");
          }
          b.host(value);
        }
        case "--max-sessions" -> b.maxSessions(intValue(flag, value, 1, Integer.MAX_VALUE));
        case "--max-copies" -> b.maxCopiesPerSession(intValue(flag, value, 1, Integer.MAX_VALUE));
        case "--max-message-mb" -> b.maxMessageBytes(intValue(flag, value, 1, 2047) << 20);
        case "--idle-timeout-s" -> b.sessionIdleTimeout(Duration.ofSeconds(intValue(flag, value, 1, Integer.MAX_VALUE)));
        case "--step-threads" -> b.stepThreads(intValue(flag, value, 1, 1024));
        default -> throw new AssertionError(flag);
      }
    }
    return b.build();
  }

  private static boolean isFlag(String flag) {
    return switch (flag) {
      case "--port", "--host", "--max-sessions", "--max-copies", "--max-message-mb", "--idle-timeout-s",
          "--step-threads" -> true;
      default -> false;
    };
  }

  private static int intValue(String flag, String value, int min, int max) throws UsageException {
    long v;
    try {
      v = Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new UsageException(flag + " expects an integer, got '" + value + "'");
    }
    if (v < min || v > max) {
      throw new UsageException(flag + " must be between " + min + " and " + max + ", got " + v);
    }
    return (int) v;
  }
}
