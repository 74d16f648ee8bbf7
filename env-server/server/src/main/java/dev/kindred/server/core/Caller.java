package dev.kindred.server.core;

import dev.kindred.server.core.Connections.Connection;
import io.grpc.Context;
import java.util.Objects;

/**
 * Who a call comes from and over which connection. The server's authentication interceptor puts
 * it in the gRPC {@link Context} of every call before a service sees the call; services read it
 * with {@link #current()}.
 *
 * @param principal  the owner of what the call creates, and the holder of the quota it uses
 * @param connection the connection a session created by the call is bound to (it is closed when
 *                   that connection goes away for longer than the grace period), or null for a
 *                   session that outlives its connection
 */
public record Caller(Principal principal, Connection connection) {
  private static final Context.Key<Caller> KEY = Context.key("kindred-caller");

  public Caller {
    Objects.requireNonNull(principal, "principal");
  }

  /** The caller of the current call. */
  public static Caller current() {
    Caller c = KEY.get();
    if (c == null) {
      // Every service is reached through the interceptor; a call without a caller is a wiring bug.
      throw new IllegalStateException("the call has no caller: the server's authentication interceptor did not run");
    }
    return c;
  }

  /** {@code context} with this caller in it. */
  public Context in(Context context) {
    return context.withValue(KEY, this);
  }

  /** The same principal, for a session that is bound to no connection (survives it). */
  public Caller detached() {
    return connection == null ? this : new Caller(principal, null);
  }
}
