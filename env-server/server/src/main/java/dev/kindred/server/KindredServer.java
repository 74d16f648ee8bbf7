package dev.kindred.server;

import dev.kindred.build.BuildInfo;
import dev.kindred.dmenv.DmEnvRpcService;
import dev.kindred.env.DataFiles;
import dev.kindred.env.WorldRegistry;
import dev.kindred.proto.v1.EnvServiceGrpc;
import dev.kindred.server.auth.Authenticator;
import dev.kindred.server.auth.Tokens;
import dev.kindred.server.core.Connections;
import dev.kindred.server.core.MalformedRequests;
import dev.kindred.server.core.RequestStreams;
import dev.kindred.server.core.SessionRegistry;
import dev.kindred.server.core.WorldFactory;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kindred environment server: the kindred.v1 EnvService and the dm_env_rpc Environment
 * service over one session registry (one limit, one idle timeout, whose idle sessions a
 * background sweeper closes), standard gRPC health checking (SERVING for "" and
 * "kindred.v1.EnvService") and server reflection (v1 and v1alpha).
 *
 * <p>Every call passes the {@link Authenticator}, which finds its principal (the token's, the
 * client certificate's, or the connection's): sessions belong to their principal, principals
 * have quotas, and the sessions of a connection that goes away close after
 * {@link ServerConfig#disconnectGrace()}. With {@link ServerConfig#tls()} the port speaks TLS only.
 *
 * <pre>{@code
 * KindredServer server = KindredServer.start(ServerConfig.defaults().withPort(0), WorldRegistry.builtIn());
 * int port = server.port();
 * ...
 * server.close(); // graceful
 * }</pre>
 */
public final class KindredServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KindredServer.class);

  private final ServerConfig config;
  private final Server server;
  private final HealthStatusManager health;
  private final SessionRegistry sessions;
  private final RequestStreams streams;
  private final ScheduledExecutorService sweeper;
  /** The deadlines of matches. */
  private final Matches matches;
  /** The deadlines of seated dm_env_rpc worlds. */
  private final DmEnvRpcService dmEnvRpc;
  private final WorldFactory factory;
  /** Null with one step thread. */
  private final ForkJoinPool stepPool;
  private final StepPlacement placement;
  private final AtomicBoolean closing = new AtomicBoolean();
  private final Object closeLock = new Object();

  private KindredServer(ServerConfig config, Server server, HealthStatusManager health, SessionRegistry sessions,
      RequestStreams streams, ScheduledExecutorService sweeper, WorldFactory factory, ForkJoinPool stepPool,
      StepPlacement placement, Matches matches, DmEnvRpcService dmEnvRpc) {
    this.placement = placement;
    this.matches = matches;
    this.dmEnvRpc = dmEnvRpc;
    this.config = config;
    this.factory = factory;
    this.server = server;
    this.health = health;
    this.sessions = sessions;
    this.streams = streams;
    this.sweeper = sweeper;
    this.stepPool = stepPool;
  }

  /**
   * Starts a server listening on {@code config.host():config.port()} (port 0: a free port; see
   * {@link #port()}) that hosts the worlds of {@code registry}.
   *
   * @throws UncheckedIOException when the address cannot be bound (e.g. the port is in use), or
   *                              a file the configuration names (TLS certificate or key, token
   *                              file) cannot be read or is malformed; the message names it
   * @throws IllegalArgumentException when the data directory is not an existing directory
   */
  public static KindredServer start(ServerConfig config, WorldRegistry registry) {
    NettyServerBuilder builder;
    try {
      builder = NettyServerBuilder.forAddress(new InetSocketAddress(config.host(), config.port()), credentials(config));
    } catch (IllegalArgumentException e) {
      // Netty reads the key and certificates here, and reports a bad file as an illegal argument.
      if (!config.tls()) {
        throw e;
      }
      throw new UncheckedIOException("cannot use the TLS certificate " + config.tlsCert() + " with the key "
          + config.tlsKey() + (config.tlsClientCa() == null ? "" : " and the client authorities " + config.tlsClientCa())
          + " (expected PEM certificates and a PEM private key in PKCS#8, '-----BEGIN PRIVATE KEY-----'): "
          + e.getMessage(), new IOException(e));
    }
    builder.maxInboundMessageSize(config.maxMessageBytes())
        .permitKeepAliveTime(10, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true);
    return start(config, registry, builder, System::nanoTime);
  }

  /** Creates the record directory if needed; UncheckedIOException (the server does not start) when it cannot be written. */
  private static void checkRecordDir(java.nio.file.Path dir) {
    if (dir == null) {
      return;
    }
    try {
      java.nio.file.Files.createDirectories(dir);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("--record-dir " + dir + " cannot be created: " + e.getMessage(), e);
    }
    if (!java.nio.file.Files.isWritable(dir)) {
      String why = "--record-dir " + dir + " is not writable by the server";
      throw new java.io.UncheckedIOException(why, new java.io.IOException(why));
    }
    log.atInfo().setMessage("recording sessions into {}").addArgument(dir.toAbsolutePath()).log();
  }

  /**
   * Starts over any transport (tests use the in-process one) with a given monotonic clock in
   * nanoseconds.
   */
  static KindredServer start(ServerConfig config, WorldRegistry registry, ServerBuilder<?> builder,
      LongSupplier clock) {
    String version = version();
    Tokens tokens = tokens(config);
    DataFiles dataFiles = config.dataDir() == null ? DataFiles.none()
        : DataFiles.in(config.dataDir(), config.maxDataFileBytes(), "restart the server with a larger --max-file-mb");
    checkRecordDir(config.recordDir());
    SessionRegistry sessions = new SessionRegistry(config.maxSessions(), config.sessionIdleTimeout(),
        config.disconnectGrace(), clock);
    Connections connections = new Connections(config.principalQuota(), clock);
    builder.addTransportFilter(connections).intercept(new Authenticator(tokens));
    RequestStreams streams = new RequestStreams();
    // A dm_env_rpc broadcast may expand to as many values as one message could carry as 4-byte numbers.
    WorldFactory factory = new WorldFactory(new WorldFactory.Limits(config.maxWorldBytes(), config.maxCallWork(),
        config.maxMessageBytes() / 4), dataFiles, config.creationThreads(), config.creationQueue());
    ForkJoinPool stepPool = config.stepThreads() > 1 ? stepPool(config.stepThreads()) : null;
    StepPlacement placement = new StepPlacement();
    // Step and StepStream calls run on the I/O thread (each step then goes where StepPlacement says),
    // every other call on StepPlacement's workers.
    builder.directExecutor().callExecutor(placement.callExecutors());
    HealthStatusManager health = new HealthStatusManager();
    @SuppressWarnings("deprecation")
    io.grpc.BindableService reflectionV1Alpha = io.grpc.protobuf.services.ProtoReflectionService.newInstance();
    // Every service answers requests that do not parse with INVALID_ARGUMENT (not UNKNOWN).
    MalformedRequests malformed = new MalformedRequests(clock);
    EnvSessions envSessions = new EnvSessions(sessions);
    Matches matches = new Matches(sessions, envSessions, clock);
    DmEnvRpcService dmEnvRpc = new DmEnvRpcService(registry, sessions, streams, factory, config.maxMessageBytes());
    builder.maxInboundMessageSize(config.maxMessageBytes())
        .addService(malformed.guard(new EnvServiceImpl(config, registry, envSessions, matches, streams, factory,
            stepPool, placement, version, builder instanceof NettyServerBuilder)))
        .addService(malformed.guard(dmEnvRpc))
        .addService(malformed.guard(health.getHealthService()))
        .addService(malformed.guard(ProtoReflectionServiceV1.newInstance()))
        .addService(malformed.guard(reflectionV1Alpha));
    Server server = builder.build();
    try {
      server.start();
    } catch (IOException e) {
      placement.close();
      factory.close();
      matches.close();
      dmEnvRpc.close();
      throw new UncheckedIOException("cannot listen on " + config.host() + ":" + config.port() + ": "
          + e.getMessage(), e);
    }
    health.setStatus("", ServingStatus.SERVING);
    health.setStatus(EnvServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);

    ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "kindred-session-sweeper");
      t.setDaemon(true);
      return t;
    });
    Runnable closeAbandoned = () -> {
      try {
        sessions.closeAbandoned(connections::liveConnectionOf);
      } catch (RuntimeException e) {
        log.error("closing the sessions of closed connections failed", e);
      }
    };
    // A connection's sessions close one grace period after it, unless their principal is back by then.
    connections.onClosed(c -> {
      matches.connectionClosed();
      try {
        sweeper.schedule(closeAbandoned, config.disconnectGrace().toNanos(), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        // Shutting down: every session closes anyway.
      }
    });
    long period = sweepPeriodMillis(config);
    sweeper.scheduleWithFixedDelay(() -> {
      try {
        sessions.expireIdle();
      } catch (RuntimeException e) {
        log.error("session sweeper failed", e);
      }
      // Also catches sessions that opened after their connection had already gone.
      closeAbandoned.run();
    }, period, period, TimeUnit.MILLISECONDS);

    KindredServer ks = new KindredServer(config, server, health, sessions, streams, sweeper, factory, stepPool,
        placement, matches, dmEnvRpc);
    List<String> worlds = registry.ids();
    log.atInfo().setMessage("Kindred server {} listening on {}; services: kindred.v1 EnvService (sessions and "
            + "matches), dm_env_rpc.v1 Environment, gRPC health and reflection; {} world(s): {}")
        .addArgument(version)
        .addArgument(ks.address())
        .addArgument(worlds.size())
        .addArgument(worlds.isEmpty() ? "(none)" : String.join(", ", worlds))
        .addKeyValue("max_sessions", config.maxSessions())
        .addKeyValue("max_copies", config.maxCopiesPerSession())
        .addKeyValue("max_message_bytes", config.maxMessageBytes())
        .addKeyValue("idle_timeout_s", config.sessionIdleTimeout().toSeconds())
        .addKeyValue("tls", !config.tls() ? "off" : config.tlsClientCa() == null ? "on" : "client certificates")
        .addKeyValue("auth", tokens == null ? "none" : "tokens")
        .addKeyValue("principal_quota", config.principalQuota())
        .addKeyValue("disconnect_grace_s", config.disconnectGrace().toMillis() / 1000.0)
        .addKeyValue("max_world_bytes", config.maxWorldBytes())
        .addKeyValue("max_call_work", config.maxCallWork())
        .addKeyValue("creation_threads", config.creationThreads())
        .addKeyValue("data_dir", dataFiles.directory().map(Object::toString).orElse("(none: no files are read)"))
        .log();
    warnIfExposed(config, tokens != null, builder instanceof NettyServerBuilder);
    if (worlds.isEmpty()) {
      log.warn("no worlds are registered: sessions cannot be created. Worlds are found through "
          + "META-INF/services/dev.kindred.env.WorldType on the class path");
    }
    return ks;
  }

  /** TLS credentials from the configured files, or plaintext. */
  private static ServerCredentials credentials(ServerConfig config) {
    if (!config.tls()) {
      return InsecureServerCredentials.create();
    }
    readable(config.tlsCert(), "TLS certificate (--tls-cert)");
    readable(config.tlsKey(), "TLS private key (--tls-key)");
    TlsServerCredentials.Builder tls = TlsServerCredentials.newBuilder();
    try {
      tls.keyManager(config.tlsCert().toFile(), config.tlsKey().toFile());
    } catch (IOException | RuntimeException e) {
      throw new UncheckedIOException("cannot use the TLS certificate " + config.tlsCert() + " with the key "
          + config.tlsKey() + " (expected a PEM certificate chain and its PEM private key in PKCS#8, "
          + "'-----BEGIN PRIVATE KEY-----'): " + e.getMessage(), asIo(e));
    }
    if (config.tlsClientCa() != null) {
      readable(config.tlsClientCa(), "client certificate authorities (--tls-client-ca)");
      try {
        tls.trustManager(config.tlsClientCa().toFile());
      } catch (IOException | RuntimeException e) {
        throw new UncheckedIOException("cannot use the client certificate authorities " + config.tlsClientCa()
            + " (expected PEM certificates): " + e.getMessage(), asIo(e));
      }
      tls.clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
    }
    return tls.build();
  }

  private static void readable(Path file, String what) {
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new UncheckedIOException("cannot read the " + what + " " + file + ": "
          + (Files.exists(file) ? "not a readable file" : "no such file"), new IOException(file.toString()));
    }
  }

  private static IOException asIo(Exception e) {
    return e instanceof IOException io ? io : new IOException(e);
  }

  /** The operator's tokens, or null without a token file. */
  private static Tokens tokens(ServerConfig config) {
    if (config.tokenFile() == null) {
      return null;
    }
    readable(config.tokenFile(), "token file (--token-file)");
    Tokens tokens;
    try {
      tokens = Tokens.load(config.tokenFile(), config.principalQuota());
    } catch (IllegalArgumentException e) {
      throw new UncheckedIOException(e.getMessage(), new IOException(e.getMessage(), e));
    }
    if (tokens.size() == 0) {
      throw new UncheckedIOException("the token file " + config.tokenFile() + " has no tokens: every call would "
          + "be refused; add lines 'TOKEN PRINCIPAL', or start without --token-file",
          new IOException(config.tokenFile().toString()));
    }
    warnIfOthersCanRead(config.tokenFile());
    log.atInfo().setMessage("token authentication on").addKeyValue("tokens", tokens.size())
        .addKeyValue("principals", tokens.principals()).log();
    return tokens;
  }

  private static void warnIfOthersCanRead(Path file) {
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      if (perms.contains(PosixFilePermission.OTHERS_READ) || perms.contains(PosixFilePermission.GROUP_READ)) {
        log.warn("the token file {} can be read by other users; restrict it (chmod 600)", file);
      }
    } catch (UnsupportedOperationException | IOException e) {
      // Not a POSIX file system: nothing to check.
    }
  }

  /** Logs {@link #exposureWarning} when there is one (only for a real network listener). */
  private static void warnIfExposed(ServerConfig config, boolean tokens, boolean network) {
    String warning = network ? exposureWarning(config, tokens) : null;
    if (warning != null) {
      log.warn(warning);
    }
  }

  /**
   * The one warning due when the server can be reached beyond this machine without
   * authentication, or with tokens that travel in the clear; null when bound to loopback.
   */
  static String exposureWarning(ServerConfig config, boolean tokens) {
    if (isLoopback(config.host())) {
      return null;
    }
    if (!tokens && config.tlsClientCa() == null) {
      return "listening on " + config.host() + " beyond loopback without authentication: anyone who can reach this "
          + "port can create sessions and use this server's CPU and memory. Give a token file (--token-file), or "
          + "bind 127.0.0.1 (--host 127.0.0.1)";
    }
    if (tokens && !config.tls()) {
      return "listening on " + config.host() + " beyond loopback with tokens but without TLS: tokens travel in the "
          + "clear. Give --tls-cert and --tls-key";
    }
    return null;
  }

  private static boolean isLoopback(String host) {
    try {
      for (InetAddress a : InetAddress.getAllByName(host)) {
        if (!a.isLoopbackAddress()) {
          return false;
        }
      }
      return true;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** Steps the copies of a session in parallel (see {@link ServerConfig#stepThreads()}). */
  private static ForkJoinPool stepPool(int threads) {
    return new ForkJoinPool(threads, pool -> {
      ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
      t.setName("kindred-step-" + t.getPoolIndex());
      return t;
    }, null, false);
  }

  private static long sweepPeriodMillis(ServerConfig config) {
    long quarter = config.sessionIdleTimeout().toMillis() / 4;
    return Math.max(10, Math.min(quarter, 30_000));
  }

  /** The server's version: the project version and the commit it was built from ({@link BuildInfo}). */
  public static String version() {
    return BuildInfo.current().codeVersion();
  }

  /** The port the server listens on (the chosen one when started with port 0); -1 in-process. */
  public int port() {
    return server.getPort();
  }

  /** host:port the server listens on. */
  String address() {
    List<? extends SocketAddress> addrs = server.getListenSockets();
    if (!addrs.isEmpty() && addrs.get(0) instanceof InetSocketAddress a) {
      return config.host() + ":" + a.getPort();
    }
    return addrs.isEmpty() ? "(no socket)" : addrs.get(0).toString();
  }

  public ServerConfig config() {
    return config;
  }

  /** The live sessions of both protocols (for tests and monitoring). */
  SessionRegistry sessions() {
    return sessions;
  }

  /**
   * Shuts down gracefully: health turns NOT_SERVING, new calls are refused, open streams end
   * with UNAVAILABLE (at once when idle, else after the request they are answering), calls in
   * flight get up to {@link ServerConfig#shutdownGrace()} to finish, the rest are cancelled,
   * every session is closed and the step threads stop. Idempotent; a second caller waits for
   * the first to finish.
   */
  @Override
  public void close() {
    synchronized (closeLock) {
      if (!closing.compareAndSet(false, true)) {
        return;
      }
      long t0 = System.nanoTime();
      log.info("shutdown 1/4: health NOT_SERVING");
      health.enterTerminalState();
      log.info("shutdown 2/4: refusing new calls; ending open streams; draining calls in flight (up to {} ms)",
          config.shutdownGrace().toMillis());
      server.shutdown();
      streams.shutDown();
      matches.shutDown(); // seats waiting for a step would otherwise hold the drain for the whole grace
      if (awaited(server::awaitTermination, config.shutdownGrace().toMillis())) {
        log.info("shutdown 3/4: all calls finished");
      } else {
        log.warn("shutdown 3/4: calls still running after the grace period; cancelling them");
        // Worlds stop long work (burn-in, sweeps, building) at their next poll.
        sessions.stopWork();
        server.shutdownNow();
        if (!awaited(server::awaitTermination, 5_000)) {
          log.warn("shutdown 3/4: transport did not terminate within 5 s");
        }
      }
      sweeper.shutdownNow();
      sessions.stopWork(); // nothing may keep a session's lock from closeAll
      int closed = sessions.closeAll();
      placement.close();
      factory.close();
      matches.close();
      dmEnvRpc.close();
      if (stepPool != null) {
        stepPool.shutdown();
        if (!awaited(stepPool::awaitTermination, 5_000)) {
          log.warn("shutdown 4/4: step threads still running after 5 s");
        }
      }
      log.atInfo().setMessage("shutdown 4/4: stopped")
          .addKeyValue("sessions_closed", closed)
          .addKeyValue("shutdown_ms", (System.nanoTime() - t0) / 1_000_000)
          .log();
    }
  }

  /** Something that terminates: a server or an executor. */
  @FunctionalInterface
  private interface Termination {
    boolean await(long timeout, TimeUnit unit) throws InterruptedException;
  }

  /** Waits up to {@code millis} for it; false on timeout or interrupt (the interrupt flag is kept). */
  private static boolean awaited(Termination termination, long millis) {
    try {
      return termination.await(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Blocks until the server has terminated (after {@link #close()}, e.g. from a shutdown hook)
   * and its sessions are closed. Returns early, with the thread's interrupt flag set, when the
   * waiting thread is interrupted.
   */
  public void blockUntilShutdown() {
    try {
      server.awaitTermination();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    // close() holds the lock until it has closed every session.
    synchronized (closeLock) {
      log.debug("server terminated");
    }
  }
}
