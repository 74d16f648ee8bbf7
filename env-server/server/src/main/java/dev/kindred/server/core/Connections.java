package dev.kindred.server.core;

import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.ServerTransportFilter;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The live connections (transports) of a server. Installed as the server's transport filter, it
 * gives every transport a {@link Connection} in its attributes, where the calls over it find it,
 * and tells a listener when one goes away, so that the sessions of a client that vanished (a
 * crash, a SIGKILL, a pulled cable) do not hold their slots until the idle timeout.
 */
public final class Connections extends ServerTransportFilter {
  /** The {@link Connection} of a transport, in its (and its calls') attributes. */
  public static final Attributes.Key<Connection> KEY = Attributes.Key.create("kindred-connection");

  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, Connection> live = new ConcurrentHashMap<>();
  private final Quota quota;
  private final LongSupplier clock;
  private volatile Consumer<Connection> onClosed = c -> { };

  /**
   * @param quota the quota of the principals a connection stands for (a client certificate, or the
   *              connection itself)
   * @param clock monotonic time in nanoseconds, the registry's clock
   */
  public Connections(Quota quota, LongSupplier clock) {
    this.quota = quota;
    this.clock = clock;
  }

  /** One transport: who is at its other end, and which principals have called over it. */
  public static final class Connection {
    private final long id;
    private final String peer;
    private final Principal principal;
    private final Set<String> callers = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean refused = new AtomicBoolean();
    private volatile long closedAtNanos;
    private volatile boolean closed;

    Connection(long id, String peer, Principal principal) {
      this.id = id;
      this.peer = peer;
      this.principal = principal;
    }

    /**
     * The principal of a call without a token: the client's certificate subject when the client
     * presented a verified certificate, else this connection.
     */
    public Principal principal() {
      return principal;
    }

    /** The remote address, for logs and messages. */
    public String peer() {
      return peer;
    }

    /** Records that {@code p} called over this connection (so its sessions may move here). */
    public void calledBy(Principal p) {
      callers.add(p.name());
    }

    /** True the first time only: whether a refused call on this connection is the first one. */
    public boolean firstRefusal() {
      return refused.compareAndSet(false, true);
    }

    boolean carries(Principal p) {
      return !closed && callers.contains(p.name());
    }

    public boolean isClosed() {
      return closed;
    }

    long closedAtNanos() {
      return closedAtNanos;
    }

    @Override
    public String toString() {
      return "connection " + id + " (" + peer + ")";
    }
  }

  /** Called once per connection when its transport has terminated. */
  public void onClosed(Consumer<Connection> listener) {
    this.onClosed = listener;
  }

  /** Number of live connections. */
  public int size() {
    return live.size();
  }

  /** A live connection over which {@code p} has called, or null: where {@code p}'s sessions may move. */
  public Connection liveConnectionOf(Principal p) {
    for (Connection c : live.values()) {
      if (c.carries(p)) {
        return c;
      }
    }
    return null;
  }

  @Override
  public Attributes transportReady(Attributes attributes) {
    Connection c = newConnection(peer(attributes.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)),
        certificateSubject(attributes.get(Grpc.TRANSPORT_ATTR_SSL_SESSION)));
    return attributes.toBuilder().set(KEY, c).build();
  }

  @Override
  public void transportTerminated(Attributes attributes) {
    // Null when the transport never became ready (e.g. a failed TLS handshake).
    Connection c = attributes == null ? null : attributes.get(KEY);
    if (c != null) {
      close(c);
    }
  }

  /** A connection that is no transport (tests; callers that bypass the transport filter). */
  public Connection open(String peer) {
    return newConnection(peer, null);
  }

  private Connection newConnection(String peer, String certificateSubject) {
    long id = ids.incrementAndGet();
    Principal principal = certificateSubject != null ? Principal.certificate(certificateSubject, quota)
        : Principal.connection(id, peer, quota);
    Connection c = new Connection(id, peer, principal);
    live.put(id, c);
    return c;
  }

  /** Ends a connection: it is closed from now on, and the listener hears of it (once). */
  public void close(Connection c) {
    if (live.remove(c.id, c)) {
      c.closedAtNanos = clock.getAsLong();
      c.closed = true;
      onClosed.accept(c);
    }
  }

  private static String peer(SocketAddress address) {
    if (address == null) {
      return "unknown peer";
    }
    String s = address.toString();
    return s.startsWith("/") ? s.substring(1) : s;
  }

  /** The subject of the client's verified certificate, or null when it presented none. */
  private static String certificateSubject(SSLSession session) {
    if (session == null) {
      return null;
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      if (chain.length > 0 && chain[0] instanceof X509Certificate x) {
        return x.getSubjectX500Principal().getName();
      }
    } catch (SSLPeerUnverifiedException e) {
      // No client certificate: the connection is the principal.
    }
    return null;
  }
}
