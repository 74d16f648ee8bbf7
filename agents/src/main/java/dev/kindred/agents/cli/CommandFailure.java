package dev.kindred.agents.cli;

/** A command failed for a reason outside the input (a server went away); the message says what to do. */
final class CommandFailure extends RuntimeException {
  CommandFailure(String message, Throwable cause) {
    super(message, cause);
  }
}
