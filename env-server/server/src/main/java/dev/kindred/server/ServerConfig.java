package dev.kindred.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The settings of a {@link KindredServer}: where it listens and the limits it enforces.
 * Exceeding a limit is RESOURCE_EXHAUSTED; the message names the command-line flag that
 * raises it.
 *
 * @param port                port to listen on; 0 picks a free (ephemeral) port
 * @param host                address to bind (default 0.0.0.0: every interface)
 * @param maxSessions         sessions held at once
 * @param maxCopiesPerSession copies of a world in one session
 * @param maxMessageBytes     largest request or response message; a session whose actions or
 *                            step results cannot fit is refused at CreateSession
 * @param sessionIdleTimeout  a session unused for this long is closed
 * @param shutdownGrace       how long a graceful shutdown waits for in-flight calls
 * @param stepThreads         threads that step the copies of one session in parallel (1: the
 *                            calling thread only); results are identical whatever the number
 * @param dataDir             the only directory whose files configurations may name
 *                            ({@code couplings_file}, {@code map_file}), by paths relative to
 *                            it; null (the default): none, and such keys are refused
 * @param maxDataFileBytes    largest data file a configuration may name
 * @param maxWorldBytes       estimated memory of one session's world (all its copies; a
 *                            dm_env_rpc world is one copy), checked before it is built
 * @param maxCallWork         estimated work of one call (building a world, a Reset, a Step over
 *                            every copy), in updates (one spin update, one observation cell
 *                            written; a few nanoseconds each), checked before the world is built
 * @param creationThreads     threads that build worlds (CreateSession, CreateWorld, ResetWorld),
 *                            apart from the threads that serve other calls
 * @param creationQueue       world builds that may wait for a creation thread; beyond that,
 *                            creation is refused (RESOURCE_EXHAUSTED) until one finishes
 */
public record ServerConfig(
    int port,
    String host,
    int maxSessions,
    int maxCopiesPerSession,
    int maxMessageBytes,
    Duration sessionIdleTimeout,
    Duration shutdownGrace,
    int stepThreads,
    Path dataDir,
    long maxDataFileBytes,
    long maxWorldBytes,
    long maxCallWork,
    int creationThreads,
    int creationQueue) {

  public static final int DEFAULT_PORT = 50051;
  public static final String DEFAULT_HOST = "0.0.0.0";
  public static final int DEFAULT_MAX_SESSIONS = 256;
  public static final int DEFAULT_MAX_COPIES = 65_536;
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 64 << 20;
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(600);
  public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(10);
  /** One step thread per core. */
  public static final int DEFAULT_STEP_THREADS = Runtime.getRuntime().availableProcessors();
  public static final long DEFAULT_MAX_DATA_FILE_BYTES = 64L << 20;
  /** 1 GiB: every world of the tests, benchmarks and examples, and an SK glass of n = 8000. */
  public static final long DEFAULT_MAX_WORLD_BYTES = 1L << 30;
  /** 10^10 updates: about half a minute of one core on a lattice. */
  public static final long DEFAULT_MAX_CALL_WORK = 10_000_000_000L;
  /** Half the cores (at least one), so world building never takes every core from the steps. */
  public static final int DEFAULT_CREATION_THREADS = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
  public static final int DEFAULT_CREATION_QUEUE = 64;

  public ServerConfig {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(sessionIdleTimeout, "sessionIdleTimeout");
    Objects.requireNonNull(shutdownGrace, "shutdownGrace");
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
    }
    if (host.isBlank()) {
      throw new IllegalArgumentException("host must not be blank");
    }
    if (maxSessions < 1) {
      throw new IllegalArgumentException("maxSessions must be >= 1, got " + maxSessions);
    }
    if (maxCopiesPerSession < 1) {
      throw new IllegalArgumentException("maxCopiesPerSession must be >= 1, got " + maxCopiesPerSession);
    }
    if (maxMessageBytes < 1024) {
      throw new IllegalArgumentException("maxMessageBytes must be >= 1024, got " + maxMessageBytes);
    }
    if (sessionIdleTimeout.isNegative() || sessionIdleTimeout.isZero()) {
      throw new IllegalArgumentException("sessionIdleTimeout must be positive, got " + sessionIdleTimeout);
    }
    if (stepThreads < 1 || stepThreads > 1024) {
      throw new IllegalArgumentException("stepThreads must be in [1, 1024], got " + stepThreads);
    }
    if (shutdownGrace.isNegative()) {
      throw new IllegalArgumentException("shutdownGrace must not be negative, got " + shutdownGrace);
    }
    if (maxDataFileBytes < 1) {
      throw new IllegalArgumentException("maxDataFileBytes must be >= 1, got " + maxDataFileBytes);
    }
    if (maxWorldBytes < 1) {
      throw new IllegalArgumentException("maxWorldBytes must be >= 1, got " + maxWorldBytes);
    }
    if (maxCallWork < 1) {
      throw new IllegalArgumentException("maxCallWork must be >= 1, got " + maxCallWork);
    }
    if (creationThreads < 1 || creationThreads > 1024) {
      throw new IllegalArgumentException("creationThreads must be in [1, 1024], got " + creationThreads);
    }
    if (creationQueue < 0 || creationQueue > 1_000_000) {
      throw new IllegalArgumentException("creationQueue must be in [0, 1000000], got " + creationQueue);
    }
  }

  /**
   * Port 50051 on 0.0.0.0, 256 sessions, 65536 copies, 64 MiB messages, 600 s idle, 10 s grace,
   * one step thread per core; no data directory (64 MiB files once there is one), 1 GiB and
   * 10^10 updates per world, world building on half the cores with 64 waiting.
   */
  public static ServerConfig defaults() {
    return new ServerConfig(DEFAULT_PORT, DEFAULT_HOST, DEFAULT_MAX_SESSIONS, DEFAULT_MAX_COPIES,
        DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_IDLE_TIMEOUT, DEFAULT_SHUTDOWN_GRACE, DEFAULT_STEP_THREADS,
        null, DEFAULT_MAX_DATA_FILE_BYTES, DEFAULT_MAX_WORLD_BYTES, DEFAULT_MAX_CALL_WORK, DEFAULT_CREATION_THREADS,
        DEFAULT_CREATION_QUEUE);
  }

  public static Builder builder() {
    return new Builder(defaults());
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  public ServerConfig withPort(int port) {
    return toBuilder().port(port).build();
  }

  /** Builds a {@link ServerConfig} starting from the defaults (or another config). */
  public static final class Builder {
    private int port;
    private String host;
    private int maxSessions;
    private int maxCopiesPerSession;
    private int maxMessageBytes;
    private Duration sessionIdleTimeout;
    private Duration shutdownGrace;
    private int stepThreads;
    private Path dataDir;
    private long maxDataFileBytes;
    private long maxWorldBytes;
    private long maxCallWork;
    private int creationThreads;
    private int creationQueue;

    private Builder(ServerConfig c) {
      port = c.port;
      host = c.host;
      maxSessions = c.maxSessions;
      maxCopiesPerSession = c.maxCopiesPerSession;
      maxMessageBytes = c.maxMessageBytes;
      sessionIdleTimeout = c.sessionIdleTimeout;
      shutdownGrace = c.shutdownGrace;
      stepThreads = c.stepThreads;
      dataDir = c.dataDir;
      maxDataFileBytes = c.maxDataFileBytes;
      maxWorldBytes = c.maxWorldBytes;
      maxCallWork = c.maxCallWork;
      creationThreads = c.creationThreads;
      creationQueue = c.creationQueue;
    }

    public Builder port(int port) {
      this.port = port;
      return this;
    }

    public Builder host(String host) {
      this.host = host;
      return this;
    }

    public Builder maxSessions(int maxSessions) {
      this.maxSessions = maxSessions;
      return this;
    }

    public Builder maxCopiesPerSession(int maxCopiesPerSession) {
      this.maxCopiesPerSession = maxCopiesPerSession;
      return this;
    }

    public Builder maxMessageBytes(int maxMessageBytes) {
      this.maxMessageBytes = maxMessageBytes;
      return this;
    }

    public Builder sessionIdleTimeout(Duration sessionIdleTimeout) {
      this.sessionIdleTimeout = sessionIdleTimeout;
      return this;
    }

    public Builder shutdownGrace(Duration shutdownGrace) {
      this.shutdownGrace = shutdownGrace;
      return this;
    }

    public Builder stepThreads(int stepThreads) {
      this.stepThreads = stepThreads;
      return this;
    }

    /** The directory configurations may name files in; null: none. */
    public Builder dataDir(Path dataDir) {
      this.dataDir = dataDir;
      return this;
    }

    public Builder maxDataFileBytes(long maxDataFileBytes) {
      this.maxDataFileBytes = maxDataFileBytes;
      return this;
    }

    public Builder maxWorldBytes(long maxWorldBytes) {
      this.maxWorldBytes = maxWorldBytes;
      return this;
    }

    public Builder maxCallWork(long maxCallWork) {
      this.maxCallWork = maxCallWork;
      return this;
    }

    public Builder creationThreads(int creationThreads) {
      this.creationThreads = creationThreads;
      return this;
    }

    public Builder creationQueue(int creationQueue) {
      this.creationQueue = creationQueue;
      return this;
    }

    public ServerConfig build() {
      return new ServerConfig(port, host, maxSessions, maxCopiesPerSession, maxMessageBytes,
          sessionIdleTimeout, shutdownGrace, stepThreads, dataDir, maxDataFileBytes, maxWorldBytes, maxCallWork,
          creationThreads, creationQueue);
    }
  }
}
