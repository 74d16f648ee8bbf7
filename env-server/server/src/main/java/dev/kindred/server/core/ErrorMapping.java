package dev.kindred.server.core;

import dev.kindred.env.EnvException;
import dev.kindred.env.KindredException;
import dev.kindred.env.Quote;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How both protocols answer a failure: the one mapping from exceptions to gRPC statuses. A
 * request error ({@link EnvException}, or a {@link KindredException} naming a status code)
 * keeps its message under its code; sizes that overflow an int and running out of memory are
 * RESOURCE_EXHAUSTED, with what to ask for instead; anything else is a bug, answered INTERNAL
 * with an error id that the log line carrying the stack trace also has. The server keeps
 * running either way.
 *
 * <p>Every description is at most {@value #MAX_DESCRIPTION_CHARS} characters. Messages quote
 * client input as short excerpts ({@link Quote}); this cap is the backstop for any that do not,
 * because gRPC sends the description in a trailer and a trailer beyond the client's metadata limit
 * (8 KiB by default) reaches the client as an unrelated RESOURCE_EXHAUSTED instead of the error.
 *
 * <p>Only the advice differs between protocols (a kindred.v1 client asks for fewer copies, a
 * dm_env_rpc client for a smaller world), so each protocol has its own instance.
 */
public final class ErrorMapping {
  private static final Logger log = LoggerFactory.getLogger(ErrorMapping.class);
  /** The longest status description: the longest message we write (a list of keys) fits easily. */
  static final int MAX_DESCRIPTION_CHARS = 1024;
  /**
   * Bound on a description as gRPC sends it: percent-encoded, so up to 9 bytes per character
   * outside printable ASCII. Well under the 8 KiB the client allows for all trailers.
   */
  static final int MAX_ENCODED_BYTES = 6 * 1024;

  private final String askForLess;
  private final String freeMemory;

  /**
   * @param askForLess what to ask for when sizes overflow, e.g. {@code "use fewer copies or agents"}
   * @param freeMemory what to do when memory runs out, e.g.
   *                   {@code "use fewer copies or close other sessions"}
   */
  public ErrorMapping(String askForLess, String freeMemory) {
    this.askForLess = askForLess;
    this.freeMemory = freeMemory;
  }

  /**
   * The status a failure is answered with; unexpected failures are logged with an error id.
   *
   * @param method what failed, as the client knows it (e.g. {@code Step}); named in messages
   */
  public Status toStatus(String method, Throwable t) {
    if (t instanceof EnvException e) {
      return status(e);
    }
    if (t instanceof KindredException k && isFailureCode(k.code())) {
      return Status.fromCode(Status.Code.valueOf(k.code())).withDescription(capped(k.detail()));
    }
    if (t instanceof StatusRuntimeException s) {
      Status status = s.getStatus();
      String d = status.getDescription();
      return d == null || d.length() <= MAX_DESCRIPTION_CHARS ? status : status.withDescription(capped(d));
    }
    if (t instanceof ArithmeticException) {
      // Sizes that overflow an int (e.g. copies x observation bytes) are too large for any message.
      return Status.RESOURCE_EXHAUSTED.withDescription(capped(
          "the requested sizes overflow this server's buffers (" + t.getMessage() + "); " + askForLess));
    }
    if (t instanceof OutOfMemoryError) {
      log.atError().setMessage("out of memory").addKeyValue("method", method).setCause(t).log();
      return Status.RESOURCE_EXHAUSTED.withDescription(
          "the server ran out of memory serving " + method + "; " + freeMemory);
    }
    String errorId = UUID.randomUUID().toString().substring(0, 8);
    log.atError().setMessage("unexpected failure").addKeyValue("method", method)
        .addKeyValue("error_id", errorId).setCause(t).log();
    return Status.INTERNAL.withDescription("internal server error in " + method + " (error id " + errorId
        + ", see the server log): " + t.getClass().getSimpleName()).withCause(t);
  }

  /** The status of a request error: its kind's code, its message. */
  private static Status status(EnvException e) {
    Status s = switch (e.kind()) {
      case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
      case NOT_FOUND -> Status.NOT_FOUND;
      case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
      case RESOURCE_EXHAUSTED -> Status.RESOURCE_EXHAUSTED;
    };
    return s.withDescription(capped(e.getMessage()));
  }

  /**
   * {@code description}, cut to {@value #MAX_DESCRIPTION_CHARS} characters when longer, and
   * further when its encoding would exceed {@value #MAX_ENCODED_BYTES} bytes.
   */
  static String capped(String description) {
    if (description == null) {
      return null;
    }
    String d = description.length() <= MAX_DESCRIPTION_CHARS ? description
        : Quote.excerpt(description, MAX_DESCRIPTION_CHARS);
    return encodedBytes(d) <= MAX_ENCODED_BYTES ? d : Quote.excerpt(description, MAX_ENCODED_BYTES / 9 - 32);
  }

  /** An upper bound on the bytes of {@code s} percent-encoded as a grpc-message trailer. */
  private static long encodedBytes(String s) {
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      n += c >= ' ' && c < 0x7f && c != '%' ? 1 : 9;
    }
    return n;
  }

  private static boolean isFailureCode(String name) {
    for (Status.Code c : Status.Code.values()) {
      if (c != Status.Code.OK && c.name().equals(name)) {
        return true;
      }
    }
    return false;
  }
}
