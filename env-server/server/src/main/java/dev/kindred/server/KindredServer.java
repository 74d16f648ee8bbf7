package dev.kindred.server;

import dev.kindred.dmenv.DmEnvRpcService;
import dev.kindred.env.WorldRegistry;
import dev.kindred.proto.v1.EnvServiceGrpc;
import dev.kindred.server.core.MalformedRequests;
import dev.kindred.server.core.RequestStreams;
import dev.kindred.server.core.SessionRegistry;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
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
  /** Null with one step thread. */
  private final ForkJoinPool stepPool;
  private final AtomicBoolean closing = new AtomicBoolean();
  private final Object closeLock = new Object();

  private KindredServer(ServerConfig config, Server server, HealthStatusManager health, SessionRegistry sessions,
      RequestStreams streams, ScheduledExecutorService sweeper, ForkJoinPool stepPool) {
    this.config = config;
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
   * @throws UncheckedIOException when the address cannot be bound (e.g. the port is in use)
   */
  public static KindredServer start(ServerConfig config, WorldRegistry registry) {
    NettyServerBuilder builder = NettyServerBuilder
        .forAddress(new InetSocketAddress(config.host(), config.port()))
        .maxInboundMessageSize(config.maxMessageBytes())
        .permitKeepAliveTime(10, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true);
    return start(config, registry, builder, System::nanoTime);
  }

  /**
   * Starts over any transport (tests use the in-process one) with a given monotonic clock in
   * nanoseconds.
   */
  static KindredServer start(ServerConfig config, WorldRegistry registry, ServerBuilder<?> builder,
      LongSupplier clock) {
    String version = version();
    SessionRegistry sessions = new SessionRegistry(config.maxSessions(), config.sessionIdleTimeout(), clock);
    RequestStreams streams = new RequestStreams();
    ForkJoinPool stepPool = config.stepThreads() > 1 ? stepPool(config.stepThreads()) : null;
    HealthStatusManager health = new HealthStatusManager();
    @SuppressWarnings("deprecation")
    io.grpc.BindableService reflectionV1Alpha = io.grpc.protobuf.services.ProtoReflectionService.newInstance();
    // Every service answers requests that do not parse with INVALID_ARGUMENT (not UNKNOWN).
    MalformedRequests malformed = new MalformedRequests(clock);
    builder.maxInboundMessageSize(config.maxMessageBytes())
        .addService(malformed.guard(
            new EnvServiceImpl(config, registry, new EnvSessions(sessions), streams, stepPool, version)))
        .addService(malformed.guard(new DmEnvRpcService(registry, sessions, streams, config.maxMessageBytes())))
        .addService(malformed.guard(health.getHealthService()))
        .addService(malformed.guard(ProtoReflectionServiceV1.newInstance()))
        .addService(malformed.guard(reflectionV1Alpha));
    Server server = builder.build();
    try {
      server.start();
    } catch (IOException e) {
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
    long period = sweepPeriodMillis(config);
    sweeper.scheduleWithFixedDelay(() -> {
      try {
        sessions.expireIdle();
      } catch (RuntimeException e) {
        log.error("session sweeper failed", e);
      }
    }, period, period, TimeUnit.MILLISECONDS);

    KindredServer ks = new KindredServer(config, server, health, sessions, streams, sweeper, stepPool);
    List<String> worlds = registry.ids();
    log.atInfo().setMessage("Kindred server {} listening on {}; serving {} world(s): {}")
        .addArgument(version)
        .addArgument(ks.address())
        .addArgument(worlds.size())
        .addArgument(worlds.isEmpty() ? "(none)" : String.join(", ", worlds))
        .addKeyValue("max_sessions", config.maxSessions())
        .addKeyValue("max_copies", config.maxCopiesPerSession())
        .addKeyValue("max_message_bytes", config.maxMessageBytes())
        .addKeyValue("idle_timeout_s", config.sessionIdleTimeout().toSeconds())
        .log();
    if (worlds.isEmpty()) {
      log.warn("no worlds are registered: sessions cannot be created. Worlds are found through "
          + "META-INF/services/dev.kindred.env.WorldType on the class path");
    }
    return ks;
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

  /** The server's version: the jar manifest's Implementation-Version, or "dev". */
  public static String version() {
    String v = KindredServer.class.getPackage().getImplementationVersion();
    return v == null || v.isBlank() ? "dev" : v;
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
      if (awaited(server::awaitTermination, config.shutdownGrace().toMillis())) {
        log.info("shutdown 3/4: all calls finished");
      } else {
        log.warn("shutdown 3/4: calls still running after the grace period; cancelling them");
        server.shutdownNow();
        if (!awaited(server::awaitTermination, 5_000)) {
          log.warn("shutdown 3/4: transport did not terminate within 5 s");
        }
      }
      sweeper.shutdownNow();
      int closed = sessions.closeAll();
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
