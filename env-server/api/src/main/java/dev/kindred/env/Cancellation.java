package dev.kindred.env;

/**
 * Whether work in progress should stop: polled by long operations between units of work (a
 * sweep of a spin world, a copy of a batched step, a row of a coupling matrix being built), so
 * that a call whose client gave up, whose deadline passed, or whose host is shutting down stops
 * within one unit instead of running to the end. The host decides what stops work (a server:
 * the call's cancellation and deadline, CloseSession, shutdown); in process nothing does.
 *
 * <p>{@link #check} must be cheap (a volatile read) and must not allocate unless it throws:
 * worlds call it once per sweep, never per spin.
 */
@FunctionalInterface
public interface Cancellation {
  /** Never stops anything. */
  Cancellation NEVER = () -> { };

  /**
   * Returns when work may go on.
   *
   * @throws KindredException with code {@code CANCELLED}, {@code DEADLINE_EXCEEDED} or
   *                          {@code UNAVAILABLE} and a message saying why, when it must stop
   */
  void check();
}
