package dev.kindred.server.core;

import dev.kindred.env.EnvException;
import dev.kindred.env.KindredException;
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
 * <p>Only the advice differs between protocols (a kindred.v1 client asks for fewer copies, a
 * dm_env_rpc client for a smaller world), so each protocol has its own instance.
 */
public final class ErrorMapping {
  private static final Logger log = LoggerFactory.getLogger(ErrorMapping.class);

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
      return Status.fromCode(Status.Code.valueOf(k.code())).withDescription(k.detail());
    }
    if (t instanceof StatusRuntimeException s) {
      return s.getStatus();
    }
    if (t instanceof ArithmeticException) {
      // Sizes that overflow an int (e.g. copies x observation bytes) are too large for any message.
      return Status.RESOURCE_EXHAUSTED.withDescription(
          "the requested sizes overflow this server's buffers (" + t.getMessage() + "); " + askForLess);
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
    return s.withDescription(e.getMessage());
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
