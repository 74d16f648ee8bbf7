package dev.kindred.env;

/**
 * An error caused by a request, with the kind of failure it is. Worlds and the session layer
 * throw these; the server maps {@link Kind} to a gRPC status without knowing any world's
 * rules. The message names what was wrong and what was expected.
 */
public class EnvException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The kinds of request failure, each mapped to one gRPC status code by the server. */
  public enum Kind {
    INVALID_ARGUMENT,
    NOT_FOUND,
    FAILED_PRECONDITION,
    RESOURCE_EXHAUSTED
  }

  private final Kind kind;

  public EnvException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  /** A malformed or out-of-range input; {@code field} names it (e.g. "config.beta"). */
  public static EnvException invalid(String field, String message) {
    return new EnvException(Kind.INVALID_ARGUMENT, field + ": " + message);
  }

  public static EnvException notFound(String message) {
    return new EnvException(Kind.NOT_FOUND, message);
  }

  public static EnvException precondition(String message) {
    return new EnvException(Kind.FAILED_PRECONDITION, message);
  }

  public static EnvException exhausted(String message) {
    return new EnvException(Kind.RESOURCE_EXHAUSTED, message);
  }
}
