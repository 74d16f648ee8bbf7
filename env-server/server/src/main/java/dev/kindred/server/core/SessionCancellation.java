package dev.kindred.server.core;

import dev.kindred.env.Cancellation;
import dev.kindred.env.KindredException;
import io.grpc.Context;
import io.grpc.Deadline;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The {@link Cancellation} a session's world polls (given to it at creation, through its
 * WorldContext): work on the session stops at the next poll when the gRPC call doing it is
 * cancelled or passes its deadline, when another call closes the session, or when the server
 * stops work at shutdown. Calls on a session are serialised by its lock, so one call at a time
 * is {@linkplain #enter entered}; the world's threads (the step pool's too) read the flags
 * without locking.
 */
public final class SessionCancellation implements Cancellation {
  private final BooleanSupplier serverStopping;
  /** The call working on the session now, or null. */
  private volatile Call current;
  /** Why another call is closing the session, or null. */
  private volatile String closing;

  SessionCancellation(BooleanSupplier serverStopping) {
    this.serverStopping = serverStopping;
  }

  /** One gRPC call working on the session, told by its context when it is cancelled. */
  private static final class Call implements Context.CancellationListener {
    final Context context;
    volatile boolean cancelled;

    Call(Context context) {
      this.context = context;
    }

    @Override
    public void cancelled(Context context) {
      cancelled = true;
    }
  }

  /** {@code context}'s call now works on the session (until {@link #exit}). */
  void enter(Context context) {
    Call call = new Call(context);
    current = call;
    // Runs at once when already cancelled; a context that cannot be cancelled ignores it.
    context.addListener(call, Runnable::run);
  }

  void exit() {
    Call call = current;
    current = null;
    if (call != null) {
      call.context.removeListener(call);
    }
  }

  /** Another call is closing the session: the call working on it stops. Null: no longer. */
  void closing(String why) {
    closing = why;
  }

  @Override
  public void check() {
    if (serverStopping.getAsBoolean()) {
      throw new KindredException("UNAVAILABLE", "the server is shutting down and stopped this call's work; "
          + "retry against another server");
    }
    String why = closing;
    if (why != null) {
      throw new KindredException("CANCELLED", "the session is being closed (" + why + "); this call's work "
          + "stopped");
    }
    Call call = current;
    if (call != null && call.cancelled) {
      throw cancelled(call.context, "stopped while the server was working on it");
    }
  }

  /**
   * The failure of a call whose context is cancelled: DEADLINE_EXCEEDED when its deadline
   * passed, CANCELLED otherwise; null when it is not cancelled.
   */
  static KindredException ifCancelled(Context context, String when) {
    return context.isCancelled() ? cancelled(context, when) : null;
  }

  private static KindredException cancelled(Context context, String when) {
    Deadline d = context.getDeadline();
    if (d != null && d.isExpired()) {
      return new KindredException("DEADLINE_EXCEEDED", "the call's deadline passed; it was " + when
          + " (deadline exceeded by " + (-d.timeRemaining(TimeUnit.MILLISECONDS)) + " ms)");
    }
    return new KindredException("CANCELLED", "the client cancelled the call; it was " + when);
  }
}
