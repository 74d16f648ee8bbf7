package dev.kindred.server.auth;

import dev.kindred.server.core.Caller;
import dev.kindred.server.core.Connections;
import dev.kindred.server.core.Connections.Connection;
import dev.kindred.server.core.Principal;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds who every call comes from and puts it in the call's context ({@link Caller}), for both
 * protocols alike (kindred.v1 and dm_env_rpc share the port, so they share this interceptor).
 *
 * <p>With tokens, every call must carry the metadata {@code authorization: Bearer <token>} with a
 * token of the server's token file; a call without one, or with an unknown one, is answered
 * UNAUTHENTICATED before any service sees it (the token is never repeated back or logged). The
 * token's principal is the caller. Without tokens the caller is the connection's principal: the
 * client certificate's subject when client certificates are verified, else the connection.
 *
 * <p>Health checks ({@code grpc.health.v1.Health}) need no token, so that load balancers and
 * orchestrators can probe the server; they reveal nothing but whether it serves.
 */
public final class Authenticator implements ServerInterceptor {
  private static final Logger log = LoggerFactory.getLogger(Authenticator.class);
  static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final String BEARER = "bearer ";

  private final Tokens tokens;

  /** @param tokens the accepted tokens, or null to take every call's connection as its principal */
  public Authenticator(Tokens tokens) {
    this.tokens = tokens;
  }

  /** Installs the connection tracking and this interceptor on a server builder. */
  public static <B extends ServerBuilder<B>> B install(B builder, Connections connections, Tokens tokens) {
    return builder.addTransportFilter(connections).intercept(new Authenticator(tokens));
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    if (HealthGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())) {
      return next.startCall(call, headers);
    }
    Connection connection = call.getAttributes().get(Connections.KEY);
    if (connection == null) {
      // The transport filter was not installed: a wiring bug, not the client's fault.
      return refuse(call, Status.INTERNAL.withDescription("the server cannot tell who this call comes from "
          + "(its connection tracking is not installed); report this to the server's operator"), null, "no connection");
    }
    Principal principal;
    if (tokens == null) {
      principal = connection.principal();
    } else {
      String authorization = headers.get(AUTHORIZATION);
      if (authorization == null) {
        return refuse(call, Status.UNAUTHENTICATED.withDescription("this server requires a token: send the call "
            + "metadata 'authorization: Bearer <token>' (the token option of the Kindred clients); ask the "
            + "server's operator for a token"), connection, "no token");
      }
      if (authorization.length() <= BEARER.length()
          || !authorization.substring(0, BEARER.length()).toLowerCase(Locale.ROOT).equals(BEARER)) {
        return refuse(call, Status.UNAUTHENTICATED.withDescription("the 'authorization' metadata must be "
            + "'Bearer <token>'"), connection, "not a bearer token");
      }
      principal = tokens.lookup(authorization.substring(BEARER.length()).strip());
      if (principal == null) {
        return refuse(call, Status.UNAUTHENTICATED.withDescription("the token is not valid on this server (it is "
            + "not in the server's token file); check it, or ask the server's operator for a token"),
            connection, "unknown token");
      }
    }
    connection.calledBy(principal);
    Context context = new Caller(principal, connection).in(Context.current());
    return Contexts.interceptCall(context, call, headers, next);
  }

  private <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status, Connection connection,
      String why) {
    // The first refusal on a connection logs at WARN, later ones at DEBUG: a client cannot flood the log.
    boolean first = connection == null || connection.firstRefusal();
    (first ? log.atWarn() : log.atDebug()).setMessage("call refused")
        .addKeyValue("reason", why)
        .addKeyValue("method", call.getMethodDescriptor().getFullMethodName())
        .addKeyValue("peer", connection == null ? "unknown" : connection.peer())
        .log();
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() { };
  }
}
