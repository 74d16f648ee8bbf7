package dev.kindred.server.core;

import dev.kindred.env.Cancellation;
import dev.kindred.env.Config;
import dev.kindred.env.DataFiles;
import dev.kindred.env.EnvException;
import dev.kindred.env.KindredException;
import dev.kindred.env.World;
import dev.kindred.env.WorldContext;
import dev.kindred.env.WorldCost;
import dev.kindred.env.WorldType;
import io.grpc.Context;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * How both protocols build worlds: with the server's data directory, under the server's
 * limits, on creation threads of their own.
 *
 * <ul>
 *   <li><b>Limits.</b> A world declares its {@link WorldCost} before allocating anything large
 *       ({@link WorldContext#admit}); {@link #create} checks it against the memory of one
 *       session ({@code --max-world-mb}) and the work of one call ({@code --max-call-work}):
 *       building the world, a Reset of every copy, a Step of every copy (with its autoresets).
 *       Refusal is RESOURCE_EXHAUSTED naming the limit and the flag. Both protocols go through
 *       this one check, so a world one refuses the other refuses too.
 *   <li><b>Creation threads.</b> {@link #onCreationThread} runs world building on a bounded pool
 *       ({@code --creation-threads}, with at most {@code --creation-queue} waiting), so that one
 *       client's large worlds never take the threads and cores that serve health checks and
 *       other clients' steps. The task runs in the calling gRPC call's context: when the call is
 *       cancelled or its deadline passes, a task still waiting does nothing and one building
 *       stops at the world's next poll.
 * </ul>
 */
public final class WorldFactory implements AutoCloseable {

  /**
   * The limits on one world.
   *
   * @param maxWorldBytes     estimated memory of one session's world, all copies
   * @param maxCallWork       estimated updates of one call
   * @param maxConfigElements most values the settings of one request may expand to (dm_env_rpc
   *                          broadcasts a single element to a whole shape; see DmSettings)
   */
  public record Limits(long maxWorldBytes, long maxCallWork, long maxConfigElements) {}

  /**
   * How a protocol's client is told to ask for less.
   *
   * @param field   what names the configuration in messages ({@code "config"}, {@code "settings"})
   * @param smaller what to ask for instead, e.g. {@code "use fewer copies or a smaller world"}
   */
  public record Advice(String field, String smaller) {}

  private final Limits limits;
  private final DataFiles dataFiles;
  private final ThreadPoolExecutor creation;
  /** Builds running or waiting: threads + queue permits, given back when a build ends. */
  private final Semaphore admitted;
  private final int threads;
  private final int queue;

  /**
   * @param threads creation threads
   * @param queue   builds that may wait for a thread
   */
  public WorldFactory(Limits limits, DataFiles dataFiles, int threads, int queue) {
    this.limits = limits;
    this.dataFiles = dataFiles;
    this.threads = threads;
    this.queue = queue;
    this.admitted = new Semaphore(threads + queue);
    AtomicInteger n = new AtomicInteger();
    // The queue is bounded by the permits, not by the executor: a build that has just ended has
    // given its permit back, whether or not its thread is waiting for work yet.
    this.creation = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, "kindred-create-" + n.getAndIncrement());
      t.setDaemon(true);
      return t;
    });
    creation.allowCoreThreadTimeOut(true);
  }

  public Limits limits() {
    return limits;
  }

  public DataFiles dataFiles() {
    return dataFiles;
  }

  /**
   * Runs {@code task} on a creation thread, in the current gRPC call's context, and returns
   * its result (or throws what it threw).
   *
   * @throws EnvException RESOURCE_EXHAUSTED when every creation thread is busy and the queue full
   */
  public <T> T onCreationThread(Supplier<T> task) {
    Context call = Context.current();
    if (!admitted.tryAcquire()) {
      throw EnvException.exhausted("this server is already building " + threads + " world(s) with " + queue
          + " more waiting; try again shortly, or restart the server with more --creation-threads or a longer "
          + "--creation-queue");
    }
    Future<T> f;
    try {
      f = creation.submit(call.wrap(() -> {
        try {
          // A call that gave up while it waited for a thread builds nothing.
          KindredException gone = SessionCancellation.ifCancelled(Context.current(),
              "refused before its world was built (nothing was done)");
          if (gone != null) {
            throw gone;
          }
          return task.get();
        } finally {
          admitted.release();
        }
      }));
    } catch (RejectedExecutionException e) {
      admitted.release();
      throw new KindredException("UNAVAILABLE", "the server is shutting down; retry against another server");
    }
    try {
      return f.get();
    } catch (CancellationException e) {
      throw new KindredException("UNAVAILABLE", "the server is shutting down; the world was not built; retry "
          + "against another server");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      f.cancel(true);
      throw new KindredException("CANCELLED", "interrupted while waiting for the world to be built");
    }
  }

  /**
   * Builds {@code copies} copies of a world, refusing before anything large is allocated when the
   * cost it declares is over a limit.
   *
   * @param cancellation what the world polls for its whole life (the session's)
   * @param autoresets   whether a Step may also start episodes (so a Step costs a reset too)
   * @throws EnvException RESOURCE_EXHAUSTED over a limit, or what the world throws
   */
  public World create(WorldType type, Config config, int copies, Cancellation cancellation, boolean autoresets,
      Advice advice) {
    WorldContext context = new WorldContext(dataFiles, cancellation,
        cost -> admit(type.id(), cost, copies, autoresets, advice));
    return type.create(config, copies, context);
  }

  /** Checks a world's declared cost against the limits. */
  void admit(String worldId, WorldCost cost, long copies, boolean autoresets, Advice advice) {
    long bytes = cost.bytes(copies);
    if (bytes > limits.maxWorldBytes()) {
      throw EnvException.exhausted(advice.field() + ": this " + worldId + " world needs about " + bytes(bytes)
          + " of memory (" + cost.size() + ": " + bytes(cost.sharedBytes()) + " shared + " + bytes(cost.bytesPerCopy())
          + " per copy x " + copies + (copies == 1 ? " copy" : " copies") + "), more than this server's limit of "
          + bytes(limits.maxWorldBytes()) + " per session; " + advice.smaller() + ", or restart the server with a "
          + "larger --max-world-mb");
    }
    long perStep = WorldCost.saturatedAdd(cost.stepWork(), autoresets ? cost.resetWork() : 0);
    checkWork(worldId, "building it", cost.buildWork(), 1, cost, advice);
    checkWork(worldId, "a Reset", cost.resetWork(), copies, cost, advice);
    checkWork(worldId, "a Step", perStep, copies, cost, advice);
  }

  private void checkWork(String worldId, String call, long perCopy, long copies, WorldCost cost, Advice advice) {
    long total = WorldCost.saturatedMultiply(perCopy, copies);
    if (total > limits.maxCallWork()) {
      throw EnvException.exhausted(advice.field() + ": " + call + " of this " + worldId + " world would take about "
          + work(total) + " updates (" + cost.size() + (copies > 1 ? ": " + work(perCopy) + " per copy x " + copies
          + " copies" : "") + "), more than this server's limit of " + work(limits.maxCallWork()) + " updates per "
          + "call; " + advice.smaller() + ", or restart the server with a larger --max-call-work");
    }
  }

  /**
   * Stops the creation threads (at shutdown, after the sessions are closed); builds still
   * waiting for a thread are cancelled, so their callers stop waiting.
   */
  @Override
  public void close() {
    for (Runnable waiting : creation.shutdownNow()) {
      if (waiting instanceof Future<?> f) {
        f.cancel(false);
      }
    }
  }

  static String bytes(long b) {
    if (b == Long.MAX_VALUE) {
      return "more than 8 EiB";
    }
    String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = b;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0 ? b + " bytes" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  static String work(long w) {
    if (w == Long.MAX_VALUE) {
      return "more than 9.2e18";
    }
    return w < 1_000_000 ? Long.toString(w) : String.format(Locale.ROOT, "%.2g", (double) w);
  }
}
