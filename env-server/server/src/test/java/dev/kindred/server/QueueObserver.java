package dev.kindred.server;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The receiving end of a test's gRPC stream: every response in order, and how the stream ended.
 * Read the responses one at a time with {@link #next}, or wait for the end with {@link #await} and
 * look at all of them in {@link #responses}.
 */
public final class QueueObserver<T> implements StreamObserver<T> {
  /** How long {@link #next} and {@link #await} wait. */
  public static final long TIMEOUT_S = 30;

  /** Every response so far, in order (safe to read from any thread). */
  public final List<T> responses = new CopyOnWriteArrayList<>();
  /** Responses not yet taken by {@link #next}, then the end's status. */
  private final BlockingQueue<Object> unread = new LinkedBlockingQueue<>();
  private final CompletableFuture<Status> end = new CompletableFuture<>();

  @Override
  public void onNext(T value) {
    responses.add(value);
    unread.add(value);
  }

  @Override
  public void onError(Throwable t) {
    ended(Status.fromThrowable(t));
  }

  @Override
  public void onCompleted() {
    ended(Status.OK);
  }

  private void ended(Status status) {
    unread.add(status);
    end.complete(status);
  }

  /** The next response not yet taken; fails if the stream ends first or none comes in time. */
  @SuppressWarnings("unchecked")
  public T next() {
    Object o;
    try {
      o = unread.poll(TIMEOUT_S, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    if (o == null) {
      throw new AssertionError("no response within " + TIMEOUT_S + " s");
    }
    if (o instanceof Status s) {
      throw new AssertionError("stream ended: " + s);
    }
    return (T) o;
  }

  /** How the stream ended, waiting for it. */
  public Status await() throws Exception {
    return end.get(TIMEOUT_S, TimeUnit.SECONDS);
  }
}
