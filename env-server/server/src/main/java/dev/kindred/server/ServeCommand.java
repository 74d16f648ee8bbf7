package dev.kindred.server;

import dev.kindred.env.WorldRegistry;
import java.io.UncheckedIOException;
import java.nio.file.Path;
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
      description = "address to bind (default ${DEFAULT-VALUE}: this machine only; 0.0.0.0 for every interface)")
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
      description = "threads stepping the copies of a session in parallel when its steps take 100 us or more "
          + "(default ${DEFAULT-VALUE}: one per core; results do not depend on it)")
  int stepThreads = ServerConfig.DEFAULT_STEP_THREADS;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "the only directory whose files configurations may name (couplings_file, map_file), by paths "
          + "relative to it (default: none, and no file is ever read)")
  Path dataDir;

  @Option(names = "--max-file-mb", paramLabel = "N",
      description = "largest data file a configuration may name, in MiB (default ${DEFAULT-VALUE})")
  long maxFileMb = ServerConfig.DEFAULT_MAX_DATA_FILE_BYTES >> 20;

  @Option(names = "--record-dir", paramLabel = "DIR",
      description = "write the replays of sessions created with record here, one file per episode named "
          + "<session>-c<copy>-e<episode>.replay.jsonl.gz (default: none; the server keeps each recorded copy's "
          + "latest episode in memory)")
  Path recordDir;

  @Option(names = "--max-recording-mb", paramLabel = "N",
      description = "without --record-dir: MiB of replays one recorded session may hold in memory; an episode "
          + "beyond is cut (default ${DEFAULT-VALUE})")
  long maxRecordingMb = ServerConfig.DEFAULT_MAX_RECORDING_BYTES >> 20;

  @Option(names = "--max-world-mb", paramLabel = "N",
      description = "estimated memory of one session's world (all copies), in MiB; larger worlds are refused "
          + "before they are built (default ${DEFAULT-VALUE})")
  long maxWorldMb = ServerConfig.DEFAULT_MAX_WORLD_BYTES >> 20;

  @Option(names = "--max-call-work", paramLabel = "N",
      description = "estimated work of one call (building a world, a Reset or a Step of every copy), in updates "
          + "(a spin update, an observation cell: a few ns each); more is refused at creation (default ${DEFAULT-VALUE})")
  long maxCallWork = ServerConfig.DEFAULT_MAX_CALL_WORK;

  @Option(names = "--creation-threads", paramLabel = "N",
      description = "threads that build worlds, apart from those serving other calls (default ${DEFAULT-VALUE})")
  int creationThreads = ServerConfig.DEFAULT_CREATION_THREADS;

  @Option(names = "--creation-queue", paramLabel = "N",
      description = "world builds that may wait for a creation thread; beyond that, creation is refused "
          + "(default ${DEFAULT-VALUE})")
  int creationQueue = ServerConfig.DEFAULT_CREATION_QUEUE;

  @Option(names = "--token-file", paramLabel = "FILE",
      description = "bearer tokens, one 'TOKEN PRINCIPAL [sessions=N copies=N cells=N creations=N]' per line; "
          + "every call but health checks then needs 'authorization: Bearer <token>' (default: none)")
  Path tokenFile;

  @Option(names = "--tls-cert", paramLabel = "PEM",
      description = "certificate chain the server presents; with --tls-key the port speaks TLS only")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "PEM", description = "PKCS#8 PEM private key of --tls-cert")
  Path tlsKey;

  @Option(names = "--tls-client-ca", paramLabel = "PEM",
      description = "require client certificates issued by these authorities; without tokens the "
          + "certificate's subject is the principal")
  Path tlsClientCa;

  @Option(names = "--disconnect-grace-s", paramLabel = "N",
      description = "close a client's sessions N s after its connection goes, unless its principal "
          + "reconnects; detached sessions stay (default ${DEFAULT-VALUE})")
  int disconnectGraceS = (int) ServerConfig.DEFAULT_DISCONNECT_GRACE.toSeconds();

  @Option(names = "--principal-quota", paramLabel = "'KEY=N ...'",
      description = "what one principal (token, client certificate or connection) may hold at once: sessions, "
          + "copies, cells, creations in progress; the token file overrides it per principal "
          + "(default '${DEFAULT-VALUE}')")
  String principalQuota = ServerConfig.DEFAULT_PRINCIPAL_QUOTA.toString();

  /** The configuration the flags ask for; a value out of range is a usage error. */
  ServerConfig config() {
    if (host.isBlank()) {
      throw new ParameterException(spec.commandLine(), "--host needs an address, got an empty string");
    }
    ServerConfig.Builder b = ServerConfig.builder()
        .port(range("--port", port, 0, 65_535))
        .host(host)
        .maxSessions(range("--max-sessions", maxSessions, 1, Integer.MAX_VALUE))
        .maxCopiesPerSession(range("--max-copies", maxCopies, 1, Integer.MAX_VALUE))
        .maxMessageBytes(range("--max-message-mb", maxMessageMb, 1, 2047) << 20)
        .sessionIdleTimeout(Duration.ofSeconds(range("--idle-timeout-s", idleTimeoutS, 1, Integer.MAX_VALUE)))
        .stepThreads(range("--step-threads", stepThreads, 1, 1024))
        .disconnectGrace(Duration.ofSeconds(range("--disconnect-grace-s", disconnectGraceS, 0, Integer.MAX_VALUE)))
        .dataDir(dataDir)
        .recordDir(recordDir)
        .maxRecordingBytes(range("--max-recording-mb", maxRecordingMb, 1, 1L << 20) << 20)
        .maxDataFileBytes(range("--max-file-mb", maxFileMb, 1, 1L << 20) << 20)
        .maxWorldBytes(range("--max-world-mb", maxWorldMb, 1, 1L << 30) << 20)
        .maxCallWork(range("--max-call-work", maxCallWork, 1, Long.MAX_VALUE))
        .creationThreads(range("--creation-threads", creationThreads, 1, 1024))
        .creationQueue(range("--creation-queue", creationQueue, 0, 1_000_000));
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new ParameterException(spec.commandLine(), "--tls-cert and --tls-key go together; got only "
          + (tlsCert == null ? "--tls-key" : "--tls-cert"));
    }
    if (tlsCert != null) {
      b.tls(tlsCert, tlsKey);
    }
    try {
      return b.tlsClientCa(tlsClientCa).tokenFile(tokenFile)
          .principalQuota(ServerConfig.DEFAULT_PRINCIPAL_QUOTA.with(principalQuota)).build();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
  }

  private int range(String flag, int value, int min, int max) {
    return (int) range(flag, (long) value, min, max);
  }

  private long range(String flag, long value, long min, long max) {
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
