package dev.kindred.server.core;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * The request/response streams of a server (kindred.v1 StepStream, dm_env_rpc Process): one
 * response per request, in order. Requests are pulled one at a time and only while the client is
 * reading responses (manual flow control), so a client that pipelines without reading cannot
 * make the server buffer without bound. A client that finishes sending while its last request is
 * being answered gets that answer, then the stream's OK end.
 *
 * <p>{@link #shutDown} ends every open stream with UNAVAILABLE ({@value #SHUTTING_DOWN}): an
 * idle one at once, one answering a request as soon as its answer is sent. Otherwise a client
 * that keeps a stream open would hold the server's shutdown for the whole grace period and then
 * see its stream reset.
 */
public final class RequestStreams {
  static final String SHUTTING_DOWN = "server shutting down; retry against another server";

  /** Answers the requests of one stream. */
  public interface Handler<Req, Resp> {

    /** The response to one request; a throw ends the stream with the failure's status. */
    Resp answer(Req request);

    /** Called once when the stream ends, however it ends; never while {@link #answer} runs. */
    default void ended() {}
  }

  /**
   * Answers the requests of one stream when the answer may come later, from another thread (a
   * match seat's step, answered when the world takes it). The next request is read only once
   * the previous one is answered.
   */
  public interface AsyncHandler<Req, Resp> {

    /**
     * Starts answering {@code request}; {@code done} is called exactly once, with the response
     * or with the failure that ends the stream, on any thread.
     */
    void answer(Req request, BiConsumer<Resp, Throwable> done);

    /**
     * Called once when the stream ends, however it ends; while an answer is pending only when the
     * client cancelled (the answer is then dropped).
     */
    default void ended() {}
  }

  private final Set<Stream<?, ?>> open = ConcurrentHashMap.newKeySet();
  private volatile boolean shuttingDown;

  /**
   * Serves one stream.
   *
   * @param responses the call's response observer, as gRPC passed it to the service method
   * @param method    the call's name, for the status of a failure
   * @param errors    the mapping that turns a failed answer into the stream's status
   * @return the observer of the call's requests, for the service method to return
   */
  public <Req, Resp> StreamObserver<Req> serve(StreamObserver<Resp> responses, String method, ErrorMapping errors,
      Handler<Req, Resp> handler) {
    return serveAsync(responses, method, errors, new AsyncHandler<Req, Resp>() {
      @Override
      public void answer(Req request, BiConsumer<Resp, Throwable> done) {
        Resp response;
        try {
          response = handler.answer(request);
        } catch (Throwable t) {
          done.accept(null, t);
          return;
        }
        done.accept(response, null);
      }

      @Override
      public void ended() {
        handler.ended();
      }
    });
  }

  /** As {@link #serve}, for answers that may come later from another thread. */
  public <Req, Resp> StreamObserver<Req> serveAsync(StreamObserver<Resp> responses, String method,
      ErrorMapping errors, AsyncHandler<Req, Resp> handler) {
    Stream<Req, Resp> s = new Stream<>((ServerCallStreamObserver<Resp>) responses, method, errors, handler);
    s.start();
    return s;
  }

  /** Ends every open stream, and every stream opened from now on, with UNAVAILABLE. */
  public void shutDown() {
    shuttingDown = true;
    for (Stream<?, ?> s : open) {
      s.shutDown();
    }
  }

  /**
   * One stream. gRPC delivers requests, half-close, cancellation and readiness one at a time;
   * {@link #shutDown} comes from another thread, so the state is guarded by the stream's
   * monitor. Whoever marks the stream done owns the response observer from then on.
   */
  private final class Stream<Req, Resp> implements StreamObserver<Req> {
    private final ServerCallStreamObserver<Resp> out;
    private final String method;
    private final ErrorMapping errors;
    private final AsyncHandler<Req, Resp> handler;
    private boolean done;
    /** A request is being answered: shutdown leaves the stream to end after the answer. */
    private boolean busy;
    private boolean wasReady;
    /** The client finished sending while a request was being answered. */
    private boolean halfClosed;

    Stream(ServerCallStreamObserver<Resp> out, String method, ErrorMapping errors, AsyncHandler<Req, Resp> handler) {
      this.out = out;
      this.method = method;
      this.errors = errors;
      this.handler = handler;
    }

    void start() {
      out.disableAutoRequest();
      out.setOnCancelHandler(() -> {
        if (markDone()) {
          ended();
        }
      });
      out.setOnReadyHandler(() -> {
        synchronized (this) {
          if (!done && out.isReady() && !wasReady) {
            wasReady = true;
            out.request(1);
          }
        }
      });
      open.add(this);
      if (shuttingDown) {
        shutDown();
      }
    }

    @Override
    public void onNext(Req request) {
      synchronized (this) {
        if (done) {
          return;
        }
        busy = true;
      }
      try {
        handler.answer(request, this::answered);
      } catch (Throwable t) {
        answered(null, t);
      }
    }

    /** The answer to the request in progress (on whichever thread it came). */
    private void answered(Resp response, Throwable failure) {
      boolean complete;
      synchronized (this) {
        busy = false;
        if (done) {
          return; // the client cancelled while the answer was pending: nobody reads it
        }
        if (failure == null) {
          out.onNext(response);
          if (!shuttingDown && !halfClosed) {
            if (out.isReady()) {
              out.request(1);
            } else {
              wasReady = false;
            }
            return;
          }
        }
        done = true;
        complete = failure == null && halfClosed;
      }
      ended();
      if (complete) {
        out.onCompleted(); // the client had finished sending: this was its last answer
        return;
      }
      out.onError((failure == null ? Status.UNAVAILABLE.withDescription(SHUTTING_DOWN)
          : errors.toStatus(method, failure)).asRuntimeException());
    }

    @Override
    public void onError(Throwable t) {
      // The client cancelled or the connection broke; nothing to answer.
      if (markDone()) {
        ended();
      }
    }

    @Override
    public void onCompleted() {
      synchronized (this) {
        if (done) {
          return;
        }
        if (busy) {
          halfClosed = true; // the answer in progress is the last; the stream ends after it
          return;
        }
        done = true;
      }
      ended();
      out.onCompleted();
    }

    void shutDown() {
      synchronized (this) {
        if (done || busy) {
          return;
        }
        done = true;
      }
      ended();
      out.onError(Status.UNAVAILABLE.withDescription(SHUTTING_DOWN).asRuntimeException());
    }

    /** Whether this caller ended the stream (false when it had already ended). */
    private synchronized boolean markDone() {
      if (done) {
        return false;
      }
      done = true;
      return true;
    }

    private void ended() {
      open.remove(this);
      handler.ended();
    }
  }
}
