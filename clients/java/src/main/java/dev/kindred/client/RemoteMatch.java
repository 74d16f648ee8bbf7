package dev.kindred.client;

import dev.kindred.env.KindredException;
import dev.kindred.env.SessionSpec;
import dev.kindred.proto.v1.CloseSessionRequest;
import dev.kindred.proto.v1.CloseSessionResponse;
import dev.kindred.proto.v1.EnvServiceGrpc;
import dev.kindred.proto.v1.SeatGrant;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A match created on a server (see {@link KindredClient#createMatch}): its session id, the whole
 * world's spec, and every seat with the token that joins it. Hand a seat's {@link Seat} (id,
 * name, token) to whichever controller is to play it, in this process or any other, in any
 * language; {@link KindredClient#joinSeat} joins it. Closing the match ends it for every seat.
 */
public final class RemoteMatch implements AutoCloseable {
  /** A seat and its join token (a secret: whoever holds it may play the seat). */
  public record Seat(String sessionId, String name, int[] agents, String token) {
    public Seat {
      agents = agents.clone();
    }

    @Override
    public int[] agents() {
      return agents.clone();
    }

    @Override
    public String toString() {
      return "Seat{" + name + ", agents=" + java.util.Arrays.toString(agents) + "}"; // never the token
    }
  }

  private final KindredClient client;
  private final EnvServiceGrpc.EnvServiceBlockingStub blocking;
  private final String sessionId;
  private final SessionSpec spec;
  private final List<Seat> seats;
  private volatile boolean closed;

  RemoteMatch(KindredClient client, EnvServiceGrpc.EnvServiceBlockingStub blocking, String sessionId, SessionSpec spec,
      List<SeatGrant> grants) {
    this.client = client;
    this.blocking = blocking;
    this.sessionId = sessionId;
    this.spec = spec;
    this.seats = grants.stream().map(g -> new Seat(sessionId, g.getName(),
        g.getAgentsList().stream().mapToInt(Integer::intValue).toArray(), g.getJoinToken())).toList();
  }

  public String sessionId() {
    return sessionId;
  }

  /** The whole world's spec (every agent). */
  public SessionSpec spec() {
    return spec;
  }

  public List<Seat> seats() {
    return seats;
  }

  /** The seat of this name. */
  public Seat seat(String name) {
    return seats.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow(() ->
        new IllegalArgumentException("no seat '" + name + "'; this match has " + seats.stream().map(Seat::name).toList()));
  }

  /**
   * Ends the match (CloseSession): seats still waiting for a step get ABORTED. Idempotent; a match
   * the server already closed counts as closed.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      CloseSessionResponse r = blocking.withDeadlineAfter(client.options().deadline().toNanos(), TimeUnit.NANOSECONDS)
          .closeSession(CloseSessionRequest.newBuilder().setSessionId(sessionId).build());
      r.getSessionSteps();
    } catch (StatusRuntimeException e) {
      KindredException k = client.translate(e, "CloseSession");
      if (!"NOT_FOUND".equals(k.code())) {
        throw k;
      }
    }
  }

  @Override
  public String toString() {
    return "RemoteMatch{" + spec.worldId() + ", session=" + sessionId + ", seats=" + seats + "}";
  }
}
