package dev.kindred.client;

import dev.kindred.env.KindredException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;

/** Failures of gRPC calls as {@link KindredException}s with messages a person can act on. */
final class GrpcErrors {
  private GrpcErrors() {}

  /**
   * Translates a failure of a gRPC call.
   *
   * @param target the server address, named in the message of connection failures
   * @param what   the call that failed (e.g. "Step"), named in the message of timeouts
   */
  static KindredException translate(Throwable t, String target, String what) {
    if (t instanceof KindredException k) {
      return k;
    }
    Status status;
    if (t instanceof StatusRuntimeException s) {
      status = s.getStatus();
    } else if (t instanceof StatusException s) {
      status = s.getStatus();
    } else {
      status = Status.fromThrowable(t);
    }
    String description = status.getDescription() != null ? status.getDescription()
        : status.getCause() != null ? String.valueOf(status.getCause().getMessage()) : "(no message)";
    String code = status.getCode().name();
    String detail = switch (status.getCode()) {
      case UNAVAILABLE -> "cannot reach the Kindred server at " + target + " (" + description
          + "); check that the server is running and listening on that host and port, that"
          + " no firewall or proxy blocks gRPC, and that client and server agree on TLS (a TLS"
          + " server needs ClientOptions.tlsRootCert or tls, and must present a certificate that"
          + " root trusts for this host name)";
      case UNAUTHENTICATED -> description + " (server " + target + "; set ClientOptions.token)";
      case DEADLINE_EXCEEDED -> what + " got no answer from the Kindred server at " + target
          + " in time (" + description + "); the server may be overloaded or the step too slow:"
          + " raise ClientOptions.deadline if steps legitimately take longer";
      default -> description;
    };
    return new KindredException(code, detail, t);
  }
}
