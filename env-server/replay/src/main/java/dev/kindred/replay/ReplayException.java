package dev.kindred.replay;

/**
 * A replay file that cannot be read: not gzip, truncated, not JSON, a wrong hash, a newer format
 * version, a malformed field. The message names the file and, where one is at fault, the line.
 */
public final class ReplayException extends RuntimeException {
  private final String file;
  private final int line;

  /**
   * @param line the 1-based line at fault, or 0 when the problem is the file as a whole
   */
  public ReplayException(String file, int line, String message) {
    super(file + (line > 0 ? ": line " + line : "") + ": " + message);
    this.file = file;
    this.line = line;
  }

  public ReplayException(String file, int line, String message, Throwable cause) {
    this(file, line, message);
    initCause(cause);
  }

  /** The file, as the caller named it. */
  public String file() {
    return file;
  }

  /** The 1-based line at fault, or 0. */
  public int line() {
    return line;
  }
}
