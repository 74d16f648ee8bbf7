package dev.kindred.client;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;

/**
 * The one exception every Kindred call throws, whichever path it takes (a server over gRPC or
 * a world in the same process). It carries the gRPC status code name ({@code INVALID_ARGUMENT},
 * {@code NOT_FOUND}, {@code FAILED_PRECONDITION}, {@code RESOURCE_EXHAUSTED}, {@code UNAVAILABLE},
 * {@code DEADLINE_EXCEEDED}, ...) and the server's message, which names what was wrong and what
 * was expected. {@link #getMessage()} is {@code "CODE: message"}.
 */
public class KindredException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String code;
  private final String detail;

  /**
   * @param code   a gRPC status code name, e.g. {@code "INVALID_ARGUMENT"}
   * @param detail the message, as the server (or the in-process core) worded it
   */
  public KindredException(String code, String detail) {
    this(code, detail, null);
  }

  public KindredException(String code, String detail, Throwable cause) {
    super(code + ": " + detail, cause);
    this.code = code;
    this.detail = detail;
  }

  /** The gRPC status code name, e.g. {@code "INVALID_ARGUMENT"}. */
  public String code() {
    return code;
  }

  /** The code as a gRPC status code ({@code UNKNOWN} for a name gRPC does not define). */
  public Status.Code statusCode() {
    try {
      return Status.Code.valueOf(code);
    } catch (IllegalArgumentException e) {
      return Status.Code.UNKNOWN;
    }
  }

  /** The message without the code prefix: what was wrong and what was expected. */
  public String detail() {
    return detail;
  }

  /**
   * Translates a failure of a gRPC call.
   *
   * @param target the server address, named in the message of connection failures
   * @param what   the call that failed (e.g. "Step"), named in the message of timeouts
   */
  static KindredException fromGrpc(Throwable t, String target, String what) {
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
          + "); check that the server is running and listening on that host and port, and that"
          + " no firewall or proxy blocks plaintext gRPC";
      case DEADLINE_EXCEEDED -> what + " got no answer from the Kindred server at " + target
          + " in time (" + description + "); the server may be overloaded or the step too slow:"
          + " raise ClientOptions.deadline if steps legitimately take longer";
      default -> description;
    };
    return new KindredException(code, detail, t);
  }
}
