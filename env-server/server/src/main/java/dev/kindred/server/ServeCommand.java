package dev.kindred.server;

import dev.kindred.env.WorldRegistry;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code kindred serve}: runs the environment server until SIGTERM or Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {
        "Run the environment server (gRPC, kindred.v1).",
        "",
        "Hosts every world on the class path: the kindred.v1.EnvService and DeepMind's "
            + "dm_env_rpc.v1.Environment on one port, with health checking and server reflection. "
            + "Stops gracefully on SIGTERM or Ctrl-C."},
    footer = "Logging: -Dkindred.log.level=DEBUG (in KINDRED_JAVA_OPTS) for more detail.")
public final class ServeCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

  @Spec
  CommandSpec spec;

  @Option(names = "--port", paramLabel = "N",
      description = "TCP port to listen on; 0 picks a free port (default ${DEFAULT-VALUE})")
  int port = ServerConfig.DEFAULT_PORT;

  @Option(names = "--host", paramLabel = "ADDR",
      description = "address to bind (default ${DEFAULT-VALUE}, every interface)")
  String host = ServerConfig.DEFAULT_HOST;

  @Option(names = "--max-sessions", paramLabel = "N", description = "sessions held at once (default ${DEFAULT-VALUE})")
  int maxSessions = ServerConfig.DEFAULT_MAX_SESSIONS;

  @Option(names = "--max-copies", paramLabel = "N",
      description = "world copies per session (default ${DEFAULT-VALUE})")
  int maxCopies = ServerConfig.DEFAULT_MAX_COPIES;

  @Option(names = "--max-message-mb", paramLabel = "N",
      description = "largest request or response message, in MiB (default ${DEFAULT-VALUE}, at most 2047)")
  int maxMessageMb = ServerConfig.DEFAULT_MAX_MESSAGE_BYTES >> 20;

  @Option(names = "--idle-timeout-s", paramLabel = "N",
      description = "close sessions unused for N seconds (default ${DEFAULT-VALUE})")
  int idleTimeoutS = (int) ServerConfig.DEFAULT_IDLE_TIMEOUT.toSeconds();

  @Option(names = "--step-threads", paramLabel = "N",
      description = "threads stepping the copies of a session in parallel (default ${DEFAULT-VALUE}: one per "
          + "core; results do not depend on it)")
  int stepThreads = ServerConfig.DEFAULT_STEP_THREADS;

  /** The configuration the flags ask for; a value out of range is a usage error. */
  ServerConfig config() {
    if (host.isBlank()) {
      throw new ParameterException(spec.commandLine(), "--host needs an address, got an empty string");
    }
    return ServerConfig.builder()
        .port(range("--port", port, 0, 65_535))
        .host(host)
        .maxSessions(range("--max-sessions", maxSessions, 1, Integer.MAX_VALUE))
        .maxCopiesPerSession(range("--max-copies", maxCopies, 1, Integer.MAX_VALUE))
        .maxMessageBytes(range("--max-message-mb", maxMessageMb, 1, 2047) << 20)
        .sessionIdleTimeout(Duration.ofSeconds(range("--idle-timeout-s", idleTimeoutS, 1, Integer.MAX_VALUE)))
        .stepThreads(range("--step-threads", stepThreads, 1, 1024))
        .build();
  }

  private int range(String flag, int value, int min, int max) {
    if (value < min || value > max) {
      throw new ParameterException(spec.commandLine(), flag + " must be between " + min + " and " + max
          + ", got " + value);
    }
    return value;
  }

  /** Starts with {@link WorldRegistry#builtIn()} and blocks until shutdown; returns the exit code. */
  @Override
  public Integer call() {
    ServerConfig config = config();
    KindredServer server;
    try {
      server = KindredServer.start(config, WorldRegistry.builtIn());
    } catch (UncheckedIOException e) {
      log.error("cannot start: {}", e.getMessage());
      spec.commandLine().getErr().println(spec.qualifiedName() + ": " + e.getMessage());
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("received shutdown signal");
      server.close();
    }, "kindred-shutdown"));
    server.blockUntilShutdown();
    return 0;
  }
}
