package dev.kindred.client;

import dev.kindred.env.KindredException;
import dev.kindred.env.SessionOptions;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.StepBatch;
import dev.kindred.env.VectorEnv;
import dev.kindred.proto.v1.CloseSessionRequest;
import dev.kindred.proto.v1.CloseSessionResponse;
import dev.kindred.proto.v1.EnvServiceGrpc;
import dev.kindred.proto.v1.EnvSpec;
import dev.kindred.proto.v1.FetchReplayRequest;
import dev.kindred.proto.v1.ReplayChunk;
import dev.kindred.proto.v1.ResetRequest;
import dev.kindred.proto.v1.StepRequest;
import dev.kindred.proto.v1.StepResponse;
import dev.kindred.protocol.Protos;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.lang.ref.Cleaner;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link VectorEnv} whose session lives on a Kindred server. Made by
 * {@link KindredClient#make}; every result is decoded into one reusable {@link StepBatch}, in
 * place: a sparse observation is written over the previous one (only the bytes that one set are
 * zeroed), so decoding costs the nonzero bytes, not the tensor's size, and allocates nothing once
 * warm. As in process, a caller who writes into the batch's observation buffers calls
 * {@link StepBatch#forgetObservationWriters()} afterwards (the next decode is then a whole one).
 *
 * <h2>Transports</h2>
 * {@link #reset} is a unary call. {@link #step} is either one unary {@code Step} call
 * ({@code SessionOptions.streaming(false)}) or one request/response on a long-lived
 * {@code StepStream} that this environment opens at its first streamed step and keeps open
 * ({@code streaming(true)}, the default).
 *
 * <h2>Retries</h2>
 * A unary {@code Step} carries {@code expected_step} (the session step of the last answer, plus
 * one), so the server applies it at most once: when the call fails with
 * {@code DEADLINE_EXCEEDED} or {@code UNAVAILABLE}, which leave the client unable to know
 * whether the server stepped, it is sent once more, and the server either steps (it had not)
 * or returns the same answer again (it had). A step that failed this way can take up to twice
 * {@link ClientOptions#deadline()}. Streamed steps are not retried (a failed stream abandons the
 * requests in flight).
 *
 * <h2>Pipelining</h2>
 * {@link #send} queues a step on the stream without waiting; {@link #receive} waits for the
 * oldest outstanding answer and decodes it into the batch. Several requests may be in flight:
 * the server answers them one by one, in order, so {@code send(a1); send(a2); receive();
 * receive()} gives exactly the results of {@code step(a1); step(a2)}. This lets the caller
 * compute the next actions (or step another environment) while the server works. Rules:
 * <ul>
 *   <li>{@link #step}, {@link #reset} and {@link #close} may be called only when nothing is in
 *       flight ({@link #inFlight()} is 0) &mdash; otherwise {@link IllegalStateException};
 *       {@link #close} is the exception: it abandons what is in flight.
 *   <li>A response is decoded into the batch only by {@link #receive}; the batch of a previous
 *       receive stays valid until the next receive, step or reset.
 *   <li>If a request fails, the server ends the stream with that request's status: the
 *       session is left as the failed request found it (earlier requests took effect), and
 *       the requests sent after it are discarded. {@link #receive} throws the
 *       {@link KindredException}, {@link #inFlight()} drops to 0, and the next send opens a
 *       new stream.
 *   <li>Each wait in {@link #receive} is bounded by {@link ClientOptions#deadline()}; on
 *       expiry the stream is cancelled and {@code DEADLINE_EXCEEDED} is thrown.
 * </ul>
 *
 * <p>Not thread-safe: one thread drives one environment. {@link #close} closes the server
 * session but never the client's channel.
 *
 * <h2>Life of the server session</h2>
 * The session closes with {@link #close}, with the {@link KindredClient#close() client}, or, for an
 * environment dropped without either, once the garbage collector finds it unreachable (a
 * {@link Cleaner} sends CloseSession without waiting for the answer). Use try-with-resources:
 * the collector may come late or, in a short program, never; the server then closes the session
 * shortly after the connection goes away.
 */
public final class RemoteVectorEnv implements VectorEnv {
  /** What a step stream's queue holds after its last answer when the server completed it. */
  static final Object END = new Object();
  /** Closes the sessions of environments that became unreachable without close(); one daemon thread. */
  private static final Cleaner CLEANER = Cleaner.create();

  private final KindredClient client;
  private final EnvServiceGrpc.EnvServiceBlockingStub blocking;
  private final EnvServiceGrpc.EnvServiceStub async;
  private final String sessionId;
  private final EnvSpec wireSpec;
  private final SessionSpec spec;
  private final SessionOptions sessionOptions;
  private final StepBatch batch;
  /** The decoder's memory of what it wrote into the batch. */
  private final Codec.Positions positions;
  private final long deadlineNanos;
  private final Lease lease;
  private final Cleaner.Cleanable cleanable;

  private int inFlight;
  /** The session_step of the last answer received (Reset or Step); -1 before the first. */
  private long lastSessionStep = -1;

  RemoteVectorEnv(KindredClient client, EnvServiceGrpc.EnvServiceBlockingStub blocking,
      EnvServiceGrpc.EnvServiceStub async, String sessionId, EnvSpec spec, SessionOptions sessionOptions) {
    this.client = client;
    this.blocking = blocking;
    this.async = async;
    this.sessionId = sessionId;
    this.wireSpec = spec;
    this.spec = Protos.sessionSpec(spec);
    this.sessionOptions = sessionOptions;
    this.batch = StepBatch.forSpec(this.spec);
    this.positions = new Codec.Positions(batch.observationCount());
    this.deadlineNanos = client.options().deadline().toNanos();
    this.lease = new Lease(client, blocking, async, sessionId, deadlineNanos);
    // The action holds the lease, never this environment, or the environment could not become unreachable.
    this.cleanable = CLEANER.register(this, lease::release);
  }

  /**
   * What the server holds for one environment, apart from the environment itself, so that the
   * client can close it, and the {@link Cleaner} can once the environment is unreachable.
   */
  static final class Lease {
    private final KindredClient client;
    private final EnvServiceGrpc.EnvServiceBlockingStub blocking;
    private final EnvServiceGrpc.EnvServiceStub async;
    private final String sessionId;
    private final long deadlineNanos;
    /** The open StepStream, or null. Written by the environment's thread; read by the cleaner after it is unreachable. */
    volatile Stream<StepRequest> stream;
    private volatile boolean closed;
    private volatile CloseSessionResponse closeResponse;

    Lease(KindredClient client, EnvServiceGrpc.EnvServiceBlockingStub blocking, EnvServiceGrpc.EnvServiceStub async,
        String sessionId, long deadlineNanos) {
      this.client = client;
      this.blocking = blocking;
      this.async = async;
      this.sessionId = sessionId;
      this.deadlineNanos = deadlineNanos;
    }

    /**
     * Closes the server session now, waiting for the answer: abandons the stream and sends
     * CloseSession. Idempotent; NOT_FOUND (already closed, expired) counts as closed.
     *
     * @throws KindredException when the server cannot be reached or refuses
     */
    synchronized void close() {
      if (closed) {
        return;
      }
      closed = true;
      try {
        cancelStream();
        closeResponse = blocking.withDeadlineAfter(deadlineNanos, TimeUnit.NANOSECONDS)
            .closeSession(CloseSessionRequest.newBuilder().setSessionId(sessionId).build());
      } catch (StatusRuntimeException e) {
        KindredException k = client.translate(e, "CloseSession");
        if (!"NOT_FOUND".equals(k.code())) {
          throw k;
        }
      } finally {
        client.forget(this);
      }
    }

    /** The cleaner's action: the environment is unreachable; close its session without waiting. */
    void release() {
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
      }
      client.forget(this);
      try {
        cancelStream();
        async.withDeadlineAfter(deadlineNanos, TimeUnit.NANOSECONDS).closeSession(
            CloseSessionRequest.newBuilder().setSessionId(sessionId).build(), IGNORE);
      } catch (RuntimeException e) {
        // Best effort: the channel may be shut down; the server then closes the session itself.
      }
    }

    private void cancelStream() {
      Stream<StepRequest> s = stream;
      stream = null;
      if (s != null && s.requests != null) {
        s.requests.cancel("session closed by the client", null);
      }
    }

    boolean isClosed() {
      return closed;
    }
  }

  private static final StreamObserver<CloseSessionResponse> IGNORE = new StreamObserver<>() {
    @Override
    public void onNext(CloseSessionResponse value) {}

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  };

  Lease lease() {
    return lease;
  }

  @Override
  public SessionSpec spec() {
    return spec;
  }

  /** The spec as the server sent it (the kindred.v1 message). */
  public EnvSpec wireSpec() {
    return wireSpec;
  }

  /** The server's opaque id of this session. */
  public String sessionId() {
    return sessionId;
  }

  public SessionOptions sessionOptions() {
    return sessionOptions;
  }

  /** The reusable result buffers (the object every call returns). */
  public StepBatch batch() {
    return batch;
  }

  /** Number of requests sent with {@link #send} whose answers have not been received. */
  public int inFlight() {
    return inFlight;
  }

  public boolean isClosed() {
    return lease.isClosed();
  }

  /**
   * The replay file (gzip bytes, docs/replay-format.md) of {@code copy}'s latest finished episode,
   * recorded by the server for a session made with {@link SessionOptions.Builder#record}.
   *
   * @throws KindredException FAILED_PRECONDITION when the copy is not recorded, has no finished
   *                          episode yet or its latest episode's recording was cut;
   *                          INVALID_ARGUMENT for a copy out of range
   */
  public byte[] fetchReplay(int copy) {
    checkUsable("fetchReplay");
    if (copy < 0) {
      throw new KindredException("INVALID_ARGUMENT", "copy: copy index " + copy + " is out of range; expected "
          + "0 <= copy < " + spec.copies());
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try {
      java.util.Iterator<ReplayChunk> chunks = blocking.withDeadlineAfter(deadlineNanos, TimeUnit.NANOSECONDS)
          .fetchReplay(FetchReplayRequest.newBuilder().setSessionId(sessionId).setCopy(copy).build());
      while (chunks.hasNext()) {
        chunks.next().getData().writeTo(out);
      }
    } catch (StatusRuntimeException e) {
      throw client.translate(e, "FetchReplay");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e); // a ByteArrayOutputStream does not throw
    }
    return out.toByteArray();
  }

  /**
   * Writes {@link #fetchReplay}'s bytes to {@code file} (by convention {@code *.replay.jsonl.gz}),
   * replacing it, and returns the number of bytes written.
   */
  public long saveReplay(int copy, java.nio.file.Path file) throws java.io.IOException {
    byte[] bytes = fetchReplay(copy);
    java.nio.file.Files.write(file, bytes);
    return bytes.length;
  }

  /** The server's totals for the session, once {@link #close} has closed it; else null. */
  public CloseSessionResponse closeResponse() {
    return lease.closeResponse;
  }

  @Override
  public StepBatch reset(Long seed, int[] copies) {
    checkUsable("reset");
    ResetRequest.Builder r = ResetRequest.newBuilder().setSessionId(sessionId);
    if (seed != null) {
      r.setSeed(seed);
    }
    if (copies != null) {
      for (int c : copies) {
        if (c < 0) {
          throw new KindredException("INVALID_ARGUMENT", "copies: copy index " + c
              + " is out of range; expected 0 <= copy < " + spec.copies());
        }
        r.addCopies(c);
      }
    }
    StepResponse resp;
    try {
      resp = blocking.withDeadlineAfter(deadlineNanos, TimeUnit.NANOSECONDS).reset(r.build());
    } catch (StatusRuntimeException e) {
      throw client.translate(e, "Reset");
    }
    return decode(resp);
  }

  @Override
  public StepBatch step(int[] actions) {
    checkUsable("step");
    if (sessionOptions.streaming()) {
      send(actions);
      return receive();
    }
    StepRequest.Builder request = request(actions).toBuilder();
    if (lastSessionStep >= 0) {
      request.setExpectedStep(lastSessionStep + 1);
    }
    StepResponse resp;
    try {
      resp = unaryStep(request.build());
    } catch (StatusRuntimeException e) {
      if (!request.hasExpectedStep() || !retriable(e)) {
        throw client.translate(e, "Step");
      }
      // Safe: the server steps only if the first attempt did not (expected_step).
      try {
        resp = unaryStep(request.build());
      } catch (StatusRuntimeException again) {
        throw client.translate(again, "Step");
      }
    }
    return decode(resp);
  }

  private StepResponse unaryStep(StepRequest request) {
    return blocking.withDeadlineAfter(deadlineNanos, TimeUnit.NANOSECONDS).step(request);
  }

  /** Failures after which the client cannot know whether the server applied the Step. */
  private static boolean retriable(StatusRuntimeException e) {
    io.grpc.Status.Code code = e.getStatus().getCode();
    return code == io.grpc.Status.Code.DEADLINE_EXCEEDED || code == io.grpc.Status.Code.UNAVAILABLE;
  }

  private StepBatch decode(StepResponse response) {
    StepBatch b = Codec.decode(response, batch, positions);
    lastSessionStep = response.getSessionStep();
    return b;
  }

  /**
   * Sends one step on the stream without waiting for its answer (opening the stream when none
   * is open). Pair every send with one {@link #receive}. The actions are copied: the array may
   * be reused at once.
   */
  public void send(int[] actions) {
    checkOpen("send");
    StepRequest request = request(actions);
    Stream<StepRequest> stream = lease.stream;
    if (stream == null) {
      stream = new Stream<>();
      async.stepStream(stream);
      lease.stream = stream;
    }
    try {
      stream.requests.onNext(request);
    } catch (RuntimeException e) {
      abandonStream();
      throw client.translate(e, "StepStream");
    }
    inFlight++;
  }

  /**
   * Waits (at most {@link ClientOptions#deadline()}) for the answer to the oldest request
   * still in flight and decodes it into the batch.
   *
   * @throws IllegalStateException when nothing is in flight
   * @throws KindredException      the failed request's status (the stream is then closed and
   *                               every later request in flight discarded)
   */
  public StepBatch receive() {
    checkOpen("receive");
    if (inFlight == 0) {
      throw new IllegalStateException("nothing is in flight: call send(actions) before receive()");
    }
    Stream<StepRequest> s = lease.stream;
    Object item;
    try {
      item = s.responses.poll(deadlineNanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      abandonStream();
      throw new KindredException("CANCELLED", "interrupted while waiting for a StepStream response"
          + " from " + client.target() + "; the stream was cancelled", e);
    }
    if (item instanceof StepResponse resp) {
      inFlight--;
      return decode(resp);
    }
    abandonStream();
    if (item == null) {
      throw new KindredException("DEADLINE_EXCEEDED", "StepStream got no answer from the Kindred server at "
          + client.target() + " within " + client.options().deadline() + "; the stream was cancelled."
          + " The server may be overloaded or the step too slow: raise ClientOptions.deadline if"
          + " steps legitimately take longer");
    }
    if (item instanceof Throwable t) {
      throw client.translate(t, "StepStream");
    }
    throw new KindredException("INTERNAL", "the server at " + client.target()
        + " ended the StepStream with requests still unanswered");
  }

  /**
   * Closes the server session and ends the stream (abandoning anything in flight). Idempotent;
   * a session the server already forgot (NOT_FOUND, e.g. after its idle timeout) counts as
   * closed. Does not close the client's channel.
   *
   * @throws KindredException when the server cannot be reached (the environment is closed
   *                          on this side regardless)
   */
  @Override
  public void close() {
    if (lease.isClosed()) {
      return;
    }
    try {
      Stream stream = lease.stream;
      if (stream != null && inFlight == 0) {
        // Nothing in flight: end the stream politely rather than cancelling it.
        stream.requests.onCompleted();
        lease.stream = null;
      }
      inFlight = 0;
      lease.close();
    } finally {
      cleanable.clean(); // the lease is closed: the cleaner's action does nothing and is unregistered
    }
  }

  @Override
  public String toString() {
    return "RemoteVectorEnv{" + spec.worldId() + ", session=" + sessionId + ", copies="
        + spec.copies() + ", server=" + client.target() + (lease.isClosed() ? ", closed" : "") + "}";
  }

  private StepRequest request(int[] actions) {
    return StepRequest.newBuilder().setSessionId(sessionId).setActions(Codec.encodeActions(actions)).build();
  }

  private void checkOpen(String what) {
    if (lease.isClosed()) {
      throw new KindredException("NOT_FOUND", "session " + sessionId + " has been closed; cannot " + what
          + " (make a new environment)");
    }
  }

  private void checkUsable(String what) {
    checkOpen(what);
    if (inFlight > 0) {
      throw new IllegalStateException(inFlight + " pipelined request(s) in flight: receive() them before " + what);
    }
  }

  private void abandonStream() {
    Stream<StepRequest> s = lease.stream;
    lease.stream = null;
    inFlight = 0;
    if (s != null && s.requests != null) {
      s.requests.cancel("abandoned by the client", null);
    }
  }

  /**
   * One step stream (a session's StepStream, a seat's StepSeatStream): its requests, and its
   * answers queued in order as they arrive, then the failure that ended it or {@link #END}.
   */
  static final class Stream<Req> implements ClientResponseObserver<Req, StepResponse> {
    final LinkedBlockingQueue<Object> responses = new LinkedBlockingQueue<>();
    ClientCallStreamObserver<Req> requests;

    @Override
    public void beforeStart(ClientCallStreamObserver<Req> requestStream) {
      this.requests = requestStream;
    }

    @Override
    public void onNext(StepResponse value) {
      responses.add(value);
    }

    @Override
    public void onError(Throwable t) {
      responses.add(t);
    }

    @Override
    public void onCompleted() {
      responses.add(END);
    }
  }
}
