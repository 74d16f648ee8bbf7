package dev.kindred.server;

import dev.kindred.server.core.Quota;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The settings of a {@link KindredServer}: where it listens and the limits it enforces.
 * Exceeding a limit is RESOURCE_EXHAUSTED; the message names the command-line flag that
 * raises it.
 *
 * @param port                port to listen on; 0 picks a free (ephemeral) port
 * @param host                address to bind (default 127.0.0.1: this machine only; 0.0.0.0 for
 *                            every interface, which warns at start without authentication)
 * @param maxSessions         sessions held at once
 * @param maxCopiesPerSession copies of a world in one session
 * @param maxMessageBytes     largest request or response message; a session whose actions or
 *                            step results cannot fit is refused at CreateSession
 * @param sessionIdleTimeout  a session unused for this long is closed
 * @param shutdownGrace       how long a graceful shutdown waits for in-flight calls
 * @param stepThreads         threads that step the copies of one session in parallel (1: the
 *                            calling thread only); results are identical whatever the number
 * @param tokenFile           the operator's token file (see {@link dev.kindred.server.auth.Tokens}
 *                            for its format), or null: no token authentication
 * @param tlsCert             PEM certificate chain the server presents (TLS), or null: plaintext
 * @param tlsKey              PEM private key (PKCS#8) of {@code tlsCert}; set exactly when it is
 * @param tlsClientCa         PEM certificates of the authorities whose client certificates the
 *                            server requires (mutual TLS; the certificate's subject becomes the
 *                            principal when there are no tokens), or null: no client certificates
 * @param disconnectGrace     a session bound to its connection is closed this long after the
 *                            connection goes away, unless its principal has reconnected
 * @param principalQuota      what one principal may hold at once, unless its line of the token file
 *                            says otherwise
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
 * @param recordDir           where the replays of recorded sessions (CreateSessionRequest.record)
 *                            are written, one file per episode; null (the default): none, the
 *                            server keeps each recorded copy's latest episode in memory
 * @param maxRecordingBytes   without a record directory: bytes of replays one session may hold in
 *                            memory; an episode beyond is cut
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
    Path tokenFile,
    Path tlsCert,
    Path tlsKey,
    Path tlsClientCa,
    Duration disconnectGrace,
    Quota principalQuota,
    Path dataDir,
    long maxDataFileBytes,
    long maxWorldBytes,
    long maxCallWork,
    int creationThreads,
    int creationQueue,
    Path recordDir,
    long maxRecordingBytes) {

  public static final int DEFAULT_PORT = 50051;
  /** Loopback: a server reachable from other machines is an operator's explicit choice. */
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_MAX_SESSIONS = 256;
  public static final int DEFAULT_MAX_COPIES = 65_536;
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 64 << 20;
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(600);
  public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(10);
  /** One step thread per core. */
  public static final int DEFAULT_STEP_THREADS = Runtime.getRuntime().availableProcessors();
  public static final Duration DEFAULT_DISCONNECT_GRACE = Duration.ofSeconds(10);
  /**
   * A quarter of the default session limit, any number of copies and cells, 8 creations at once:
   * one principal cannot take every slot.
   */
  public static final Quota DEFAULT_PRINCIPAL_QUOTA = Quota.parse("sessions=64 creations=8");
  public static final long DEFAULT_MAX_DATA_FILE_BYTES = 64L << 20;
  /** 1 GiB: every world of the tests, benchmarks and examples, and an SK glass of n = 8000. */
  public static final long DEFAULT_MAX_WORLD_BYTES = 1L << 30;
  /** 10^10 updates: about half a minute of one core on a lattice. */
  public static final long DEFAULT_MAX_CALL_WORK = 10_000_000_000L;
  /** Half the cores (at least one), so world building never takes every core from the steps. */
  public static final int DEFAULT_CREATION_THREADS = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
  public static final int DEFAULT_CREATION_QUEUE = 64;
  /** 16 MiB: a dozen 1,000-step S1 episodes. */
  public static final long DEFAULT_MAX_RECORDING_BYTES = 16L << 20;

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
    Objects.requireNonNull(disconnectGrace, "disconnectGrace");
    Objects.requireNonNull(principalQuota, "principalQuota");
    if (disconnectGrace.isNegative()) {
      throw new IllegalArgumentException("disconnectGrace must not be negative, got " + disconnectGrace);
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException("TLS needs both a certificate and its private key (--tls-cert and "
          + "--tls-key); got only the " + (tlsCert == null ? "key" : "certificate"));
    }
    if (tlsClientCa != null && tlsCert == null) {
      throw new IllegalArgumentException("client certificates (--tls-client-ca) need TLS: give --tls-cert and "
          + "--tls-key too");
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
    if (maxRecordingBytes < 1) {
      throw new IllegalArgumentException("maxRecordingBytes must be >= 1, got " + maxRecordingBytes);
    }
  }

  /** Whether the server speaks TLS. */
  public boolean tls() {
    return tlsCert != null;
  }

  /**
   * Port 50051 on 127.0.0.1, 256 sessions, 65536 copies, 64 MiB messages, 600 s idle, 10 s grace,
   * one step thread per core; plaintext, no tokens, sessions closed 10 s after their connection,
   * {@link #DEFAULT_PRINCIPAL_QUOTA}; no data directory (64 MiB files once there is one), 1 GiB and
   * 10^10 updates per world, world building on half the cores with 64 waiting.
   */
  public static ServerConfig defaults() {
    return new ServerConfig(DEFAULT_PORT, DEFAULT_HOST, DEFAULT_MAX_SESSIONS, DEFAULT_MAX_COPIES,
        DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_IDLE_TIMEOUT, DEFAULT_SHUTDOWN_GRACE, DEFAULT_STEP_THREADS,
        null, null, null, null, DEFAULT_DISCONNECT_GRACE, DEFAULT_PRINCIPAL_QUOTA,
        null, DEFAULT_MAX_DATA_FILE_BYTES, DEFAULT_MAX_WORLD_BYTES, DEFAULT_MAX_CALL_WORK, DEFAULT_CREATION_THREADS,
        DEFAULT_CREATION_QUEUE, null, DEFAULT_MAX_RECORDING_BYTES);
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
    private Path tokenFile;
    private Path tlsCert;
    private Path tlsKey;
    private Path tlsClientCa;
    private Duration disconnectGrace;
    private Quota principalQuota;
    private Path dataDir;
    private long maxDataFileBytes;
    private long maxWorldBytes;
    private long maxCallWork;
    private int creationThreads;
    private int creationQueue;
    private Path recordDir;
    private long maxRecordingBytes;

    private Builder(ServerConfig c) {
      port = c.port;
      host = c.host;
      maxSessions = c.maxSessions;
      maxCopiesPerSession = c.maxCopiesPerSession;
      maxMessageBytes = c.maxMessageBytes;
      sessionIdleTimeout = c.sessionIdleTimeout;
      shutdownGrace = c.shutdownGrace;
      stepThreads = c.stepThreads;
      tokenFile = c.tokenFile;
      tlsCert = c.tlsCert;
      tlsKey = c.tlsKey;
      tlsClientCa = c.tlsClientCa;
      disconnectGrace = c.disconnectGrace;
      principalQuota = c.principalQuota;
      dataDir = c.dataDir;
      maxDataFileBytes = c.maxDataFileBytes;
      maxWorldBytes = c.maxWorldBytes;
      maxCallWork = c.maxCallWork;
      creationThreads = c.creationThreads;
      creationQueue = c.creationQueue;
      recordDir = c.recordDir;
      maxRecordingBytes = c.maxRecordingBytes;
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

    /** The token file (null: none); see {@link dev.kindred.server.auth.Tokens}. */
    public Builder tokenFile(Path tokenFile) {
      this.tokenFile = tokenFile;
      return this;
    }

    /** TLS with this PEM certificate chain and PKCS#8 PEM private key (both null: plaintext). */
    public Builder tls(Path cert, Path key) {
      this.tlsCert = cert;
      this.tlsKey = key;
      return this;
    }

    /** Require client certificates issued by these PEM authorities (null: none required). */
    public Builder tlsClientCa(Path clientCa) {
      this.tlsClientCa = clientCa;
      return this;
    }

    public Builder disconnectGrace(Duration disconnectGrace) {
      this.disconnectGrace = disconnectGrace;
      return this;
    }

    public Builder principalQuota(Quota principalQuota) {
      this.principalQuota = principalQuota;
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

    /** Where recorded sessions' replays are written; null: memory only. */
    public Builder recordDir(Path recordDir) {
      this.recordDir = recordDir;
      return this;
    }

    public Builder maxRecordingBytes(long maxRecordingBytes) {
      this.maxRecordingBytes = maxRecordingBytes;
      return this;
    }

    public ServerConfig build() {
      return new ServerConfig(port, host, maxSessions, maxCopiesPerSession, maxMessageBytes,
          sessionIdleTimeout, shutdownGrace, stepThreads, tokenFile, tlsCert, tlsKey, tlsClientCa,
          disconnectGrace, principalQuota, dataDir, maxDataFileBytes, maxWorldBytes, maxCallWork,
          creationThreads, creationQueue, recordDir, maxRecordingBytes);
    }
  }
}
