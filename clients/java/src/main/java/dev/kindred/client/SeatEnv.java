package dev.kindred.client;

import dev.kindred.env.KindredException;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.StepBatch;
import dev.kindred.env.VectorEnv;
import dev.kindred.protocol.Protos;
import dev.kindred.proto.v1.EnvServiceGrpc;
import dev.kindred.proto.v1.EnvSpec;
import dev.kindred.proto.v1.JoinSessionResponse;
import dev.kindred.proto.v1.LeaveSessionRequest;
import dev.kindred.proto.v1.MatchOptions;
import dev.kindred.proto.v1.MatchStep;
import dev.kindred.proto.v1.SeatLayout;
import dev.kindred.proto.v1.StepResponse;
import dev.kindred.proto.v1.StepSeatRequest;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One seat of a match, as a {@link VectorEnv} over the seat's agents: a policy that plays a whole
 * world plays a seat of a remote match unchanged. Its {@link #spec()} is the seat's (the seat's
 * agents, in seat order; the observations the match lets it see); {@link #step} submits the
 * seat's actions and returns once the world has taken the step (every held seat submitted, or the
 * match's deadline passed), with the seat's part of it. {@link #lastMatchStep()} says how every
 * seat was driven in that step.
 *
 * <p>A seat never resets its match's world (the world resets itself, episode by episode):
 * {@link #reset()} returns the seat's current observations (at first those of the join, later
 * those of the last step), and a reset with a seed or copies is refused. Steps go over one
 * {@code StepSeatStream} by default ({@link KindredClient#joinSeat(RemoteMatch.Seat)}), or one
 * unary {@code StepSeat} each ({@code streaming} false), retried once after DEADLINE_EXCEEDED or
 * UNAVAILABLE. Every step carries {@code expected_step}: the server answers a retry of the seat's
 * last step with the same response, and a seat that was late (the world took the step without it,
 * its agents on the fallback) gets its part of that latest step at once, its actions not applied
 * ({@link StepBatch#sessionStep()} says where the match is); the next step plays on from there.
 *
 * <p>{@link #close()} leaves the seat (LeaveSession): its agents play the match's fallback until
 * someone joins it again; the match itself goes on. Not thread-safe.
 */
public final class SeatEnv implements VectorEnv {
  private final KindredClient client;
  private final EnvServiceGrpc.EnvServiceBlockingStub blocking;
  private final EnvServiceGrpc.EnvServiceStub async;
  private final String sessionId;
  private final String seat;
  private final String token;
  private final boolean streaming;
  private final EnvSpec wireSpec;
  private final SessionSpec spec;
  private final SeatLayout layout;
  private final List<SeatLayout> matchSeats;
  private final MatchOptions matchOptions;
  private final StepBatch batch;
  /** The decoder's memory of what it wrote into the batch. */
  private final Codec.Positions positions;
  private final long deadlineNanos;
  private StepResponse last;
  private RemoteVectorEnv.Stream<StepSeatRequest> stream;
  private boolean closed;

  SeatEnv(KindredClient client, EnvServiceGrpc.EnvServiceBlockingStub blocking, EnvServiceGrpc.EnvServiceStub async,
      String sessionId, String seat, String token, boolean streaming, JoinSessionResponse joined) {
    this.client = client;
    this.blocking = blocking;
    this.async = async;
    this.sessionId = sessionId;
    this.seat = seat;
    this.token = token;
    this.streaming = streaming;
    this.wireSpec = joined.getSpec();
    this.spec = Protos.sessionSpec(wireSpec);
    this.layout = joined.getSeat();
    this.matchSeats = joined.getSeatsList();
    this.matchOptions = joined.getMatch();
    this.batch = StepBatch.forSpec(spec);
    this.positions = new Codec.Positions(batch.observationCount());
    this.deadlineNanos = client.options().deadline().toNanos();
    this.last = joined.getObservation();
  }

  /** The seat's spec: its agents, the observations it sees. */
  @Override
  public SessionSpec spec() {
    return spec;
  }

  /** The spec as the server sent it. */
  public EnvSpec wireSpec() {
    return wireSpec;
  }

  public String sessionId() {
    return sessionId;
  }

  public String seatName() {
    return seat;
  }

  /** The world's agent index of each of the seat's agents, in seat order. */
  public int[] worldAgents() {
    return layout.getAgentsList().stream().mapToInt(Integer::intValue).toArray();
  }

  /** Every seat of the match (names and agents) and its options. */
  public List<SeatLayout> matchSeats() {
    return matchSeats;
  }

  public MatchOptions matchOptions() {
    return matchOptions;
  }

  /** How every seat was driven in the last step (absent before the first). */
  public MatchStep lastMatchStep() {
    return last.getMatch();
  }

  /**
   * How every seat was driven in the last step, by seat name: {@code SUBMITTED}, {@code TIMED_OUT}
   * or {@code ABSENT} (empty before the first step).
   */
  public java.util.Map<String, String> lastOutcomes() {
    java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
    MatchStep step = last.getMatch();
    for (int i = 0; i < step.getSeatsCount() && i < step.getOutcomesCount(); i++) {
      m.put(step.getSeats(i), step.getOutcomes(i).name().substring("SEAT_OUTCOME_".length()));
    }
    return m;
  }

  /** The last response as the server sent it (the seat's part of the step). */
  public StepResponse lastResponse() {
    return last;
  }

  /** The reusable result buffers. */
  public StepBatch batch() {
    return batch;
  }

  /**
   * The seat's current observations. A seat cannot reset its match's world: {@code seed} and
   * {@code copies} must be null.
   */
  @Override
  public StepBatch reset(Long seed, int[] copies) {
    checkOpen("reset");
    if (seed != null || (copies != null && copies.length > 0)) {
      throw new KindredException("FAILED_PRECONDITION", "seat '" + seat + "' cannot reset its match's world (it resets "
          + "itself, episode by episode); reset() without a seed or copies returns the seat's current observations");
    }
    return Codec.decode(last, batch, positions);
  }

  @Override
  public StepBatch step(int[] actions) {
    checkOpen("step");
    // expected_step: a late seat gets the step it missed at once (its actions not applied), and a
    // unary retry is answered again rather than submitted twice.
    StepSeatRequest request = StepSeatRequest.newBuilder().setSessionId(sessionId).setSeat(seat)
        .setJoinToken(token).setActions(Codec.encodeActions(actions)).setExpectedStep(last.getSessionStep() + 1)
        .build();
    StepResponse response = streaming ? streamed(request) : unary(request);
    last = response;
    return Codec.decode(response, batch, positions);
  }

  private StepResponse unary(StepSeatRequest request) {
    try {
      return blocking.withDeadlineAfter(deadlineNanos, TimeUnit.NANOSECONDS).stepSeat(request);
    } catch (StatusRuntimeException e) {
      io.grpc.Status.Code code = e.getStatus().getCode();
      if (code != io.grpc.Status.Code.DEADLINE_EXCEEDED && code != io.grpc.Status.Code.UNAVAILABLE) {
        throw client.translate(e, "StepSeat");
      }
      try {
        return blocking.withDeadlineAfter(deadlineNanos, TimeUnit.NANOSECONDS).stepSeat(request);
      } catch (StatusRuntimeException again) {
        throw client.translate(again, "StepSeat");
      }
    }
  }

  private StepResponse streamed(StepSeatRequest request) {
    if (stream == null) {
      stream = new RemoteVectorEnv.Stream<>();
      async.stepSeatStream(stream);
    }
    Object item;
    try {
      stream.requests.onNext(request);
      item = stream.responses.poll(deadlineNanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      abandonStream();
      throw new KindredException("CANCELLED", "interrupted while seat '" + seat + "' waited for its step", e);
    } catch (RuntimeException e) {
      abandonStream();
      throw client.translate(e, "StepSeatStream");
    }
    if (item instanceof StepResponse r) {
      return r;
    }
    abandonStream();
    if (item == null) {
      throw new KindredException("DEADLINE_EXCEEDED", "seat '" + seat + "' got no step from the Kindred server at "
          + client.target() + " within " + client.options().deadline() + "; the stream was cancelled (the match's "
          + "deadline is " + matchOptions.getMaxActionTimeMs() + " ms per step; raise ClientOptions.deadline above it)");
    }
    if (item instanceof Throwable t) {
      throw client.translate(t, "StepSeatStream");
    }
    throw new KindredException("INTERNAL", "the server at " + client.target() + " ended the StepSeatStream with a "
        + "step unanswered");
  }

  private void abandonStream() {
    RemoteVectorEnv.Stream<StepSeatRequest> s = stream;
    stream = null;
    if (s != null && s.requests != null) {
      s.requests.cancel("abandoned by the client", null);
    }
  }

  private void checkOpen(String what) {
    if (closed) {
      throw new KindredException("FAILED_PRECONDITION", "seat '" + seat + "' has been left; cannot " + what
          + " (join it again with KindredClient.joinSeat)");
    }
  }

  /** Leaves the seat (its agents play the fallback); the match goes on. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    RemoteVectorEnv.Stream<StepSeatRequest> s = stream;
    stream = null;
    if (s != null && s.requests != null) {
      s.requests.onCompleted();
    }
    try {
      blocking.withDeadlineAfter(deadlineNanos, TimeUnit.NANOSECONDS).leaveSession(LeaveSessionRequest.newBuilder()
          .setSessionId(sessionId).setSeat(seat).setJoinToken(token).build());
    } catch (StatusRuntimeException e) {
      KindredException k = client.translate(e, "LeaveSession");
      if (!"NOT_FOUND".equals(k.code())) {
        throw k;
      }
    }
  }

  @Override
  public String toString() {
    return "SeatEnv{" + seat + " of " + spec.worldId() + ", session=" + sessionId + ", agents="
        + layout.getAgentsList() + ", server=" + client.target() + (closed ? ", left" : "") + "}";
  }
}
