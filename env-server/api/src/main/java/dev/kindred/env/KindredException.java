package dev.kindred.env;

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

  /** The message without the code prefix: what was wrong and what was expected. */
  public String detail() {
    return detail;
  }
}
