package dev.kindred.client;

import dev.kindred.env.KindredException;
import dev.kindred.env.SessionOptions;
import dev.kindred.env.StepBatch;
import dev.kindred.env.VectorEnv;
import dev.kindred.proto.v1.CreateSessionRequest;
import dev.kindred.proto.v1.RecordOptions;
import dev.kindred.proto.v1.CreateSessionResponse;
import dev.kindred.proto.v1.EnvServiceGrpc;
import dev.kindred.proto.v1.GetServerInfoRequest;
import dev.kindred.proto.v1.JoinSessionRequest;
import dev.kindred.proto.v1.JoinSessionResponse;
import dev.kindred.proto.v1.ListWorldsRequest;
import dev.kindred.proto.v1.ServerInfo;
import dev.kindred.proto.v1.WorldInfo;
import dev.kindred.protocol.Protos;
import dev.kindred.protocol.Structs;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptors;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A connection to a Kindred server. One client (one channel) serves any number of
 * environments; it is thread-safe, the environments it makes are not.
 *
 * <pre>{@code
 * try (KindredClient client = KindredClient.connect("localhost:50051");
 *      VectorEnv env = client.make("spin.lattice", Map.of("beta", 0.4), 64, 7L)) {
 *   StepBatch b = env.reset();
 *   while (...) { b = env.step(actions); }
 * }
 * }</pre>
 *
 * Every failure is a {@link KindredException} carrying the gRPC status code name and the
 * server's message. Every unary call has the deadline of {@link ClientOptions#deadline()}.
 *
 * <p>Sessions do not outlive their client: {@link #close()} closes them, and an environment that
 * becomes unreachable without being closed has its session closed once the garbage collector
 * finds it (see {@link RemoteVectorEnv}). A process that dies leaves its sessions to the server,
 * which closes them shortly after the connection goes away.
 */
public final class KindredClient implements AutoCloseable {
  /** The protocol this client speaks, as {@code ServerInfo.protocol} names it. */
  public static final String PROTOCOL = "kindred.v1";

  private final ManagedChannel ownedChannel;
  private final String target;
  private final ClientOptions options;
  private final EnvServiceGrpc.EnvServiceBlockingStub blocking;
  private final EnvServiceGrpc.EnvServiceStub async;
  /** The server sessions of the environments made here and not closed yet (not the environments: they may be collected). */
  private final Set<RemoteVectorEnv.Lease> open = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private KindredClient(Channel channel, ManagedChannel owned, String target, ClientOptions options) {
    if (options.token() != null) {
      channel = ClientInterceptors.intercept(channel, new BearerToken(options.token()));
    }
    this.ownedChannel = owned;
    this.target = target;
    this.options = options;
    this.blocking = EnvServiceGrpc.newBlockingStub(channel)
        .withMaxInboundMessageSize(options.maxInboundMessageBytes());
    this.async = EnvServiceGrpc.newStub(channel)
        .withMaxInboundMessageSize(options.maxInboundMessageBytes());
  }

  /** Connects to {@code "host:port"} over plaintext with {@link ClientOptions#defaults()}. */
  public static KindredClient connect(String target) {
    return connect(target, ClientOptions.defaults());
  }

  /**
   * Connects to {@code "host:port"}: over TLS when the options ask for it, else plaintext; with
   * the options' token on every call when they have one.
   *
   * @throws KindredException         UNAVAILABLE naming the address when {@code verifyOnConnect}
   *                                  is on and no server answers there (or the TLS handshake
   *                                  fails), UNAUTHENTICATED when the server refuses the token
   * @throws UncheckedIOException     when a certificate or key file of the options cannot be read
   */
  public static KindredClient connect(String target, ClientOptions options) {
    if (target == null || target.isBlank()) {
      throw new IllegalArgumentException("target must be \"host:port\", got " + target);
    }
    ManagedChannel channel = NettyChannelBuilder.forTarget(target, credentials(options))
        .maxInboundMessageSize(options.maxInboundMessageBytes())
        // Callbacks only hand messages to a queue, so they may run on the transport's thread.
        .directExecutor()
        .userAgent("kindred-java")
        .build();
    KindredClient client = new KindredClient(channel, channel, target, options);
    if (options.verifyOnConnect()) {
      try {
        client.verify();
      } catch (RuntimeException e) {
        channel.shutdownNow();
        throw e;
      }
    }
    return client;
  }

  /** TLS from the options' files, or plaintext. */
  private static ChannelCredentials credentials(ClientOptions options) {
    if (!options.tls()) {
      return InsecureChannelCredentials.create();
    }
    TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder();
    try {
      if (options.tlsRootCert() != null) {
        tls.trustManager(readable(options.tlsRootCert(), "TLS root certificate (tlsRootCert)").toFile());
      }
      if (options.tlsClientCert() != null) {
        tls.keyManager(readable(options.tlsClientCert(), "TLS client certificate").toFile(),
            readable(options.tlsClientKey(), "TLS client key").toFile());
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new UncheckedIOException("cannot use the TLS files of the client options (PEM certificates and a "
          + "PKCS#8 PEM key expected): " + e.getMessage(), e instanceof IOException io ? io : new IOException(e));
    }
    return tls.build();
  }

  private static Path readable(Path file, String what) throws IOException {
    if (!Files.isReadable(file)) {
      throw new IOException("cannot read the " + what + " " + file);
    }
    return file;
  }

  /**
   * A client over a channel the caller owns (e.g. an in-process channel in tests, or one with
   * custom credentials): {@link #close()} closes the sessions made through it but not the
   * channel. The options' token, if any, goes with every call. Does not contact the server.
   *
   * @param target how to name the server in error messages
   */
  public static KindredClient wrap(Channel channel, String target, ClientOptions options) {
    return new KindredClient(channel, null, target, options);
  }

  /** The server's version, protocol, limits and world ids. */
  public ServerInfo serverInfo() {
    try {
      return unary().getServerInfo(GetServerInfoRequest.getDefaultInstance());
    } catch (StatusRuntimeException e) {
      throw translate(e, "GetServerInfo");
    }
  }

  /** The worlds the server hosts, with their descriptions and configuration schemas. */
  public List<WorldInfo> listWorlds() {
    return listWorlds(List.of(), false);
  }

  /**
   * The listed worlds (every hosted world when {@code worldIds} is empty), in full or, with
   * {@code summary}, only ids, titles and the first paragraph of each description.
   */
  public List<WorldInfo> listWorlds(List<String> worldIds, boolean summary) {
    try {
      return unary().listWorlds(ListWorldsRequest.newBuilder().addAllWorldIds(worldIds).setSummary(summary).build())
          .getWorldsList();
    } catch (StatusRuntimeException e) {
      throw translate(e, "ListWorlds");
    }
  }

  /** The caller's recorded sessions (those created with {@link SessionOptions.Builder#record}), by id. */
  public List<dev.kindred.proto.v1.RecordedSession> listRecordings() {
    try {
      return unary().listRecordings(dev.kindred.proto.v1.ListRecordingsRequest.getDefaultInstance())
          .getSessionsList();
    } catch (StatusRuntimeException e) {
      throw translate(e, "ListRecordings");
    }
  }

  /**
   * Follows a recorded copy of one of the caller's sessions as it runs: every replay line
   * (docs/replay-format.md; the current header and a state line first, then step, end and the
   * next header lines; a state line again after lines were dropped for a slow reader) goes to
   * {@code onLine}, then {@code onEnd} once, with null when the session closed or the failure
   * (a {@link KindredException}: NOT_FOUND, FAILED_PRECONDITION, RESOURCE_EXHAUSTED...). Both run
   * on a gRPC thread; a slow {@code onLine} never slows the world (the server drops lines
   * instead). Closing the returned handle ends the watch ({@code onEnd} is then not called).
   */
  public AutoCloseable watchRecording(String sessionId, int copy, java.util.function.Consumer<String> onLine,
      java.util.function.Consumer<KindredException> onEnd) {
    io.grpc.Context.CancellableContext context = io.grpc.Context.current().withCancellation();
    dev.kindred.proto.v1.WatchRecordingRequest request = dev.kindred.proto.v1.WatchRecordingRequest.newBuilder()
        .setSessionId(sessionId).setCopy(copy).build();
    context.run(() -> async.watchRecording(request, new io.grpc.stub.StreamObserver<>() {
      @Override
      public void onNext(dev.kindred.proto.v1.ReplayLine line) {
        onLine.accept(line.getLine());
      }

      @Override
      public void onError(Throwable t) {
        if (!context.isCancelled()) {
          onEnd.accept(translate(t, "WatchRecording"));
        }
      }

      @Override
      public void onCompleted() {
        onEnd.accept(null);
      }
    }));
    return () -> context.cancel(null);
  }

  /** A session with {@link SessionOptions#defaults()}. */
  public RemoteVectorEnv make(String worldId, Map<String, ?> config, int copies, long seed) {
    return make(worldId, config, copies, seed, SessionOptions.defaults());
  }

  /**
   * Creates a session of {@code copies} copies of a world. The environment must be reset
   * before its first step.
   *
   * @param config plain Java values (Boolean, Number, String, List or array, nested lists for
   *               matrices); absent keys take their defaults; null: all defaults
   * @param copies number of copies (0 means 1)
   * @param seed   the session seed (an unsigned 64-bit value on the wire)
   */
  public RemoteVectorEnv make(String worldId, Map<String, ?> config, int copies, long seed,
      SessionOptions sessionOptions) {
    if (closed) {
      throw new IllegalStateException("this KindredClient has been closed");
    }
    if (copies < 0) {
      throw new KindredException("INVALID_ARGUMENT", "num_copies: got " + copies + "; expected at least 1 (0 means 1)");
    }
    CreateSessionRequest request = createRequest(worldId, config, copies, seed, sessionOptions).build();
    CreateSessionResponse response;
    try {
      response = unary().createSession(request);
    } catch (StatusRuntimeException e) {
      throw translate(e, "CreateSession");
    }
    RemoteVectorEnv env = new RemoteVectorEnv(this, blocking, async, response.getSessionId(),
        response.getSpec(), sessionOptions);
    open.add(env.lease());
    return env;
  }

  /**
   * Creates a match: a session whose agents are played by several controllers, one per seat (see
   * {@link MatchConfig}). The server resets its world at once; hand each seat
   * ({@link RemoteMatch#seats()}, with its token) to the controller that is to play it.
   *
   * @param config the world's configuration (plain Java values); null: all defaults
   * @param copies number of copies (0 means 1); every copy is seated the same way
   * @param seed   the session seed
   */
  public RemoteMatch createMatch(String worldId, Map<String, ?> config, int copies, long seed, MatchConfig match) {
    if (closed) {
      throw new IllegalStateException("this KindredClient has been closed");
    }
    CreateSessionRequest request = createRequest(worldId, config, Math.max(0, copies), seed, match.sessionOptions())
        .addAllSeats(match.seats())
        .setSeatPerAgent(match.seatPerAgent())
        .setMatch(match.options())
        .build();
    CreateSessionResponse response;
    try {
      response = unary().createSession(request);
    } catch (StatusRuntimeException e) {
      throw translate(e, "CreateSession");
    }
    return new RemoteMatch(this, blocking, response.getSessionId(), Protos.sessionSpec(response.getSpec()),
        response.getSeatsList());
  }

  /** Joins a seat of a match, stepping over a stream (see {@link SeatEnv}). */
  public SeatEnv joinSeat(RemoteMatch.Seat seat) {
    return joinSeat(seat.sessionId(), seat.name(), seat.token(), true);
  }

  /**
   * Joins a seat of a match, from this process or any other that was given the seat's token.
   *
   * @param streaming step over one StepSeatStream (true) or one unary StepSeat per step
   * @throws KindredException NOT_FOUND (no such match or seat), PERMISSION_DENIED (wrong token),
   *                          ALREADY_EXISTS (another live controller holds the seat)
   */
  public SeatEnv joinSeat(String sessionId, String seat, String token, boolean streaming) {
    if (closed) {
      throw new IllegalStateException("this KindredClient has been closed");
    }
    JoinSessionResponse joined;
    try {
      joined = unary().joinSession(JoinSessionRequest.newBuilder().setSessionId(sessionId).setSeat(seat)
          .setJoinToken(token).setClientName("kindred-java").build());
    } catch (StatusRuntimeException e) {
      throw translate(e, "JoinSession");
    }
    return new SeatEnv(this, blocking, async, sessionId, seat, token, streaming, joined);
  }

  private static CreateSessionRequest.Builder createRequest(String worldId, Map<String, ?> config, int copies,
      long seed, SessionOptions o) {
    CreateSessionRequest.Builder b = CreateSessionRequest.newBuilder();
    if (o.recorded()) {
      RecordOptions.Builder r = RecordOptions.newBuilder().setAllCopies(o.recordAllCopies());
      for (int c : o.recordCopies()) {
        if (c < 0) {
          throw new KindredException("INVALID_ARGUMENT", "record: copy index " + c + " is out of range; expected "
              + "0 <= copy < num_copies");
        }
        r.addCopies(c);
      }
      b.setRecord(r);
    }
    return b
        .setWorldId(worldId == null ? "" : worldId)
        .setConfig(Structs.toStruct(config))
        .setNumCopies(copies)
        .setSeed(seed)
        .setAutoreset(Protos.autoresetMode(o.autoreset()))
        .addAllObservations(o.observations())
        .setClientName(o.clientName())
        .setSparseObservations(o.sparseObservations())
        .setFirstCopy(o.firstCopy());
  }

  public String target() {
    return target;
  }

  public ClientOptions options() {
    return options;
  }

  /**
   * Closes every environment made through this client that is still open (best effort), then
   * shuts down the channel when the client owns it. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (RemoteVectorEnv.Lease lease : new ArrayList<>(open)) {
      try {
        lease.close();
      } catch (KindredException e) {
        // The server is gone or refused; the channel closes regardless.
      }
    }
    if (ownedChannel != null) {
      ownedChannel.shutdown();
      try {
        if (!ownedChannel.awaitTermination(5, TimeUnit.SECONDS)) {
          ownedChannel.shutdownNow();
        }
      } catch (InterruptedException e) {
        ownedChannel.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public String toString() {
    return "KindredClient{" + target + (closed ? ", closed" : "") + "}";
  }

  void forget(RemoteVectorEnv.Lease lease) {
    open.remove(lease);
  }

  /** Number of sessions made through this client and not closed yet. */
  public int openSessions() {
    return open.size();
  }

  KindredException translate(Throwable t, String what) {
    return GrpcErrors.translate(t, target, what);
  }

  private EnvServiceGrpc.EnvServiceBlockingStub unary() {
    return blocking.withDeadlineAfter(options.deadline().toNanos(), TimeUnit.NANOSECONDS);
  }

  private void verify() {
    ServerInfo info = serverInfo();
    if (!info.getProtocol().isEmpty() && !PROTOCOL.equals(info.getProtocol())) {
      throw new KindredException("FAILED_PRECONDITION", "the server at " + target + " speaks protocol '"
          + info.getProtocol() + "' (server " + info.getServerVersion() + "); this client speaks '"
          + PROTOCOL + "': use a client of the server's version");
    }
  }
}
