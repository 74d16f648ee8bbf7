package dev.kindred.server;

import dev.kindred.proto.v1.EnvServiceGrpc;
import io.grpc.Context;
import io.grpc.ServerCallExecutorSupplier;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Which thread runs a call. gRPC delivers the kindred.v1 Step and StepStream calls, and a match
 * seat's StepSeat and StepSeatStream, on the connection's I/O thread (the Netty event loop that
 * read the request) and every other call on a worker ({@link #callExecutors}); for a step (or a
 * seat's submission, which steps the world when it is the last one in) this class decides, per
 * request, where it runs:
 * <ul>
 *   <li>right there, when the session's steps take at most {@link #INLINE_NANOS} (the shortest
 *       of its last four; see {@code Session.typicalStepNanos}) and no other call holds it now:
 *       no hand-off to a worker thread and no second hand-off back to the I/O thread to write the
 *       response (each costs tens of microseconds between the two vCPUs of the bench machine;
 *       docs/benchmarks.md, "Fewer thread hand-offs");</li>
 *   <li>on a worker thread otherwise: a session's first step (its length is not known yet), a
 *       session whose steps are long, and one whose lock another call holds (the I/O thread never
 *       waits for a lock; a match's submission, which takes the lock itself so that the seats are
 *       answered after it is released, may wait for a step that began in the instant between its
 *       check and its turn, a short one).</li>
 * </ul>
 * Other connections served by the same I/O thread therefore wait for at most about one short
 * step; a session whose steps are long never holds them up. One whose steps are mostly short
 * can hold them up by its occasional long step (an autoreset of many copies, say), whose work is
 * bounded by the session's admission ({@code max_call_work}).
 */
final class StepPlacement implements AutoCloseable {
  /** Sessions whose steps take at most this long are stepped on the I/O thread: 1 ms. */
  static final long INLINE_NANOS = 1_000_000L;

  /** The methods whose calls gRPC runs on the I/O thread (their handlers place each step themselves). */
  static final Set<String> IO_THREAD_METHODS = Set.of(EnvServiceGrpc.getStepMethod().getFullMethodName(),
      EnvServiceGrpc.getStepStreamMethod().getFullMethodName(), EnvServiceGrpc.getStepSeatMethod().getFullMethodName(),
      EnvServiceGrpc.getStepSeatStreamMethod().getFullMethodName());

  /** Steps on a session's lock, when it is free now: true when the step ran. */
  @FunctionalInterface
  interface Lock {
    boolean runIfFree(Runnable step);
  }

  private final ExecutorService workers;

  StepPlacement() {
    AtomicInteger n = new AtomicInteger();
    this.workers = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "kindred-call-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * gRPC's call executors, for a server whose own executor is direct
   * ({@code ServerBuilder.directExecutor()}): the I/O thread (null: the server's own) for
   * {@link #IO_THREAD_METHODS}, a worker for every other call. That way even a unary Step reaches
   * its handler without a hand-off: with a server executor that is not direct, gRPC looks each
   * call's method up on that executor before it asks for the call's own.
   */
  ServerCallExecutorSupplier callExecutors() {
    return new ServerCallExecutorSupplier() {
      @Override
      public <ReqT, RespT> Executor getExecutor(io.grpc.ServerCall<ReqT, RespT> call, io.grpc.Metadata metadata) {
        return IO_THREAD_METHODS.contains(call.getMethodDescriptor().getFullMethodName()) ? null : workers;
      }
    };
  }

  /**
   * Runs {@code step} exactly once: here, under the session's lock, when the session's steps
   * take at most {@link #INLINE_NANOS} and the lock is free; otherwise on a worker thread, in
   * the call's gRPC context (its deadline and cancellation).
   *
   * @param stepNanos how long the session's steps take
   *                  ({@link dev.kindred.server.core.Session#typicalStepNanos}); {@link Long#MAX_VALUE}
   *                  when unknown (the session is not found, or has not stepped yet)
   */
  void run(long stepNanos, Lock lock, Runnable step) {
    if (stepNanos <= INLINE_NANOS && lock.runIfFree(step)) {
      return;
    }
    workers.execute(Context.current().wrap(step));
  }

  /** Stops the workers once the calls they run have ended (the server has drained its calls before). */
  @Override
  public void close() {
    workers.shutdown();
    try {
      workers.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
