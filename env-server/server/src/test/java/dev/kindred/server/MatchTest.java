package dev.kindred.server;

import static dev.kindred.server.Harness.actions;
import static dev.kindred.server.Harness.assertStatus;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.kindred.env.energy.EnergyWorldType;
import dev.kindred.proto.v1.AutoresetMode;
import dev.kindred.proto.v1.CloseSessionRequest;
import dev.kindred.proto.v1.CreateSessionRequest;
import dev.kindred.proto.v1.CreateSessionResponse;
import dev.kindred.proto.v1.EnvServiceGrpc;
import dev.kindred.proto.v1.EpisodeStats;
import dev.kindred.proto.v1.JoinSessionRequest;
import dev.kindred.proto.v1.JoinSessionResponse;
import dev.kindred.proto.v1.LeaveSessionRequest;
import dev.kindred.proto.v1.MatchOptions;
import dev.kindred.proto.v1.ResetRequest;
import dev.kindred.proto.v1.SeatEpisodeStats;
import dev.kindred.proto.v1.SeatGrant;
import dev.kindred.proto.v1.SeatLayout;
import dev.kindred.proto.v1.SeatOutcome;
import dev.kindred.proto.v1.StepRequest;
import dev.kindred.proto.v1.StepResponse;
import dev.kindred.proto.v1.StepSeatRequest;
import dev.kindred.proto.v1.Tensor;
import dev.kindred.proto.v1.TensorEncoding;
import dev.kindred.protocol.Protos;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** Matches: several controllers (seats) drive the agents of one world, with deadlines and fallbacks. */
class MatchTest {
  private static final Map<String, Object> FOUR = Map.of("agents", 4, "max_steps", 5);

  /** Seats red = agents [0, 2] and blue = [3, 1] of a 4-agent counter world. */
  private static CreateSessionRequest.Builder match(int copies, long seed, MatchOptions options) {
    return Harness.create(copies, seed).setConfig(Harness.config(FOUR))
        .addSeats(SeatLayout.newBuilder().setName("red").addAgents(0).addAgents(2))
        .addSeats(SeatLayout.newBuilder().setName("blue").addAgents(3).addAgents(1))
        .setMatch(options);
  }

  private static Map<String, SeatGrant> grants(CreateSessionResponse r) {
    Map<String, SeatGrant> m = new HashMap<>();
    for (SeatGrant g : r.getSeatsList()) {
      m.put(g.getName(), g);
    }
    return m;
  }

  /** A match's id and its seats' grants by name. */
  private record Joined(String id, Map<String, SeatGrant> grants) {}

  /** A match of {@link #match} with both seats joined from the harness's connection. */
  private static Joined joinBoth(Harness h, int copies, long seed, MatchOptions options) {
    CreateSessionResponse m = h.stub.createSession(match(copies, seed, options).build());
    Map<String, SeatGrant> g = grants(m);
    h.stub.joinSession(join(m.getSessionId(), g.get("red")));
    h.stub.joinSession(join(m.getSessionId(), g.get("blue")));
    return new Joined(m.getSessionId(), g);
  }

  private static JoinSessionRequest join(String id, SeatGrant g) {
    return JoinSessionRequest.newBuilder().setSessionId(id).setSeat(g.getName()).setJoinToken(g.getJoinToken())
        .setClientName("test").build();
  }

  private static StepSeatRequest seatStep(String id, SeatGrant g, int... actions) {
    return StepSeatRequest.newBuilder().setSessionId(id).setSeat(g.getName()).setJoinToken(g.getJoinToken())
        .setActions(actions(actions)).build();
  }

  /** Submits without waiting: the answer comes when the world has taken the step. */
  private static CompletableFuture<StepResponse> submit(EnvServiceGrpc.EnvServiceStub async, StepSeatRequest r) {
    CompletableFuture<StepResponse> f = new CompletableFuture<>();
    async.stepSeat(r, new StreamObserver<>() {
      @Override
      public void onNext(StepResponse value) {
        f.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        f.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {}
    });
    return f;
  }

  /** Joins a seat whose last controller's connection has closed, once the server has seen it close. */
  private static JoinSessionResponse joinOnceFree(EnvServiceGrpc.EnvServiceBlockingStub stub, JoinSessionRequest r)
      throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try {
        return stub.joinSession(r);
      } catch (io.grpc.StatusRuntimeException e) {
        assertEquals(Status.Code.ALREADY_EXISTS, e.getStatus().getCode());
        assertTrue(System.nanoTime() < until, "the closed connection still holds the seat");
        Thread.sleep(20);
      }
    }
  }

  private static StepResponse get(CompletableFuture<StepResponse> f) {
    try {
      return f.get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the seat's step did not come", e);
    }
  }

  private static Tensor tensor(StepResponse r, String name) {
    return r.getObservationsList().stream().filter(t -> t.getName().equals(name)).findFirst().orElseThrow();
  }

  /** The rows of {@code agents} of a [copies, world agents, block] tensor, in that order. */
  private static ByteString rows(ByteString all, int copies, int worldAgents, int[] agents) {
    int block = all.size() / (copies * worldAgents);
    ByteString.Output out = ByteString.newOutput();
    for (int c = 0; c < copies; c++) {
      for (int a : agents) {
        out.write(all.substring((c * worldAgents + a) * block, (c * worldAgents + a + 1) * block).toByteArray(), 0,
            block);
      }
    }
    return out.toByteString();
  }

  /**
   * With sparse observations too: the seats' sparse grids are then cut from the world's list of the
   * batch's nonzero bytes (red's agents out of order, blocks moved), the rest scanned as before.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
  void twoSeatsReproduceTheSingleControllerTrajectoryBitForBit(boolean sparse) {
    Map<String, Object> config = Map.of("max_steps", 12.0, "kinship", "random", "groups", 2, "width", 40.0,
        "height", 40.0);
    int copies = 3;
    long seed = 99;
    try (Harness h = Harness.inProcess(Harness.testConfig().build(), System::nanoTime, new EnergyWorldType.S3())) {
      CreateSessionRequest.Builder base = CreateSessionRequest.newBuilder().setWorldId("energy.s3").setNumCopies(copies)
          .setSeed(seed).setConfig(Protos.toStruct(config)).setAutoreset(AutoresetMode.AUTORESET_SAME_STEP)
          .setSparseObservations(sparse);
      CreateSessionResponse plain = h.stub.createSession(base.build());
      int agents = plain.getSpec().getNumAgents();
      int dims = plain.getSpec().getActions().getDimensionsCount();
      int[] red = {1, agents - 1, 0};
      List<Integer> blueList = new ArrayList<>();
      for (int a = 2; a < agents - 1; a++) {
        blueList.add(a);
      }
      int[] blue = blueList.stream().mapToInt(Integer::intValue).toArray();
      SeatLayout.Builder r = SeatLayout.newBuilder().setName("red");
      for (int a : red) {
        r.addAgents(a);
      }
      SeatLayout.Builder b = SeatLayout.newBuilder().setName("blue");
      for (int a : blue) {
        b.addAgents(a);
      }
      CreateSessionResponse m = h.stub.createSession(base.addSeats(r).addSeats(b).build());
      Map<String, SeatGrant> g = grants(m);
      JoinSessionResponse jr = h.stub.joinSession(join(m.getSessionId(), g.get("red")));
      ManagedChannel other = h.newChannel();
      try {
        EnvServiceGrpc.EnvServiceBlockingStub blueStub = EnvServiceGrpc.newBlockingStub(other);
        JoinSessionResponse jb = blueStub.joinSession(join(m.getSessionId(), g.get("blue")));
        assertEquals(red.length, jr.getSpec().getNumAgents());
        assertEquals(blue.length, jb.getSpec().getNumAgents());
        StepResponse expected = h.stub.reset(ResetRequest.newBuilder().setSessionId(plain.getSessionId()).build());
        assertSlices(expected, jr.getObservation(), copies, agents, red);
        assertSlices(expected, jb.getObservation(), copies, agents, blue);
        EnvServiceGrpc.EnvServiceStub blueAsync = EnvServiceGrpc.newStub(other);
        SplittableRandom rng = new SplittableRandom(5);
        int episodes = 0;
        for (int t = 0; t < 40; t++) {
          int[] all = new int[copies * agents * dims];
          for (int i = 0; i < all.length; i++) {
            all[i] = rng.nextInt(plain.getSpec().getActions().getDimensions(i % dims).getNumValues());
          }
          CompletableFuture<StepResponse> fr = submit(h.async, seatStep(m.getSessionId(), g.get("red"),
              pick(all, copies, agents, dims, red)));
          CompletableFuture<StepResponse> fb = submit(blueAsync, seatStep(m.getSessionId(), g.get("blue"),
              pick(all, copies, agents, dims, blue)));
          expected = h.stub.step(StepRequest.newBuilder().setSessionId(plain.getSessionId())
              .setActions(actions(all)).build());
          StepResponse gotRed = get(fr);
          StepResponse gotBlue = get(fb);
          assertSlices(expected, gotRed, copies, agents, red);
          assertSlices(expected, gotBlue, copies, agents, blue);
          assertEquals(List.of(SeatOutcome.SEAT_OUTCOME_SUBMITTED, SeatOutcome.SEAT_OUTCOME_SUBMITTED),
              gotRed.getMatch().getOutcomesList());
          assertEquals(List.of("red", "blue"), gotRed.getMatch().getSeatsList());
          assertEquals(expected.getEpisodesCount(), gotRed.getEpisodesCount());
          for (int e = 0; e < expected.getEpisodesCount(); e++) {
            EpisodeStats full = expected.getEpisodes(e);
            EpisodeStats seat = gotBlue.getEpisodes(e);
            assertEquals(full.getLength(), seat.getLength());
            for (int j = 0; j < blue.length; j++) {
              assertEquals(full.getAgents(blue[j]), seat.getAgents(j));
            }
            SeatEpisodeStats sb = seat.getSeats(1);
            assertEquals("blue", sb.getSeat());
            assertEquals(full.getLength(), sb.getSubmitted(), "every step of the episode was submitted by blue");
            assertEquals(0, sb.getTimedOut() + sb.getAbsent());
            episodes++;
          }
        }
        assertTrue(episodes >= copies * 2, "episodes ended during the run: " + episodes);
      } finally {
        other.shutdownNow();
      }
    }
  }

  private static int[] pick(int[] all, int copies, int agents, int dims, int[] seat) {
    int[] out = new int[copies * seat.length * dims];
    for (int c = 0; c < copies; c++) {
      for (int j = 0; j < seat.length; j++) {
        System.arraycopy(all, (c * agents + seat[j]) * dims, out, (c * seat.length + j) * dims, dims);
      }
    }
    return out;
  }

  /** {@code seat}'s response is the single controller's response narrowed to its agents. */
  private static void assertSlices(StepResponse full, StepResponse seat, int copies, int agents, int[] seatAgents) {
    assertEquals(full.getObservationsCount(), seat.getObservationsCount());
    for (int i = 0; i < full.getObservationsCount(); i++) {
      Tensor f = full.getObservations(i);
      Tensor s = seat.getObservations(i);
      assertEquals(f.getName(), s.getName());
      boolean perAgent = f.getShapeCount() > 1 && f.getShape(1) == agents && s.getShape(1) == seatAgents.length
          && s.getShapeCount() == f.getShapeCount();
      ByteString want = perAgent ? rows(dense(f), copies, agents, seatAgents) : dense(f);
      assertEquals(want, dense(s), () -> "observation " + f.getName());
    }
    assertEquals(rows(full.getRewards(), copies, agents, seatAgents), seat.getRewards());
    assertEquals(rows(full.getActionSuccess(), copies, agents, seatAgents), seat.getActionSuccess());
    assertEquals(full.getTerminated(), seat.getTerminated());
    assertEquals(full.getTruncated(), seat.getTruncated());
    assertEquals(full.getResetMask(), seat.getResetMask());
    assertEquals(full.getSessionStep(), seat.getSessionStep());
    assertEquals(full.getFinalObservationsCount(), seat.getFinalObservationsCount());
  }

  /** A tensor's bytes, decoded when sparse (the readable decode: zeros, then each listed byte). */
  private static ByteString dense(Tensor t) {
    if (t.getEncoding() != TensorEncoding.TENSOR_ENCODING_SPARSE_BYTES) {
      return t.getData();
    }
    long elements = 1;
    for (long d : t.getShapeList()) {
      elements *= d;
    }
    byte[] out = new byte[Math.toIntExact(elements * Protos.dtype(t.getDtype()).bytes())];
    java.nio.ByteBuffer offsets = t.getSparseOffsets().asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (int k = 0; k < t.getData().size(); k++) {
      out[offsets.getInt(4 * k)] = t.getData().byteAt(k);
    }
    return ByteString.copyFrom(out);
  }

  @Test
  void badSeatCallsGetPreciseStatusesAndLeaveTheMatchPlaying() {
    try (Harness h = Harness.inProcess()) {
      CreateSessionResponse m = h.stub.createSession(match(2, 7, MatchOptions.getDefaultInstance()).build());
      String id = m.getSessionId();
      Map<String, SeatGrant> g = grants(m);
      SeatGrant red = g.get("red");
      SeatGrant blue = g.get("blue");
      assertEquals(32, red.getJoinToken().length());
      assertNotEquals(red.getJoinToken(), blue.getJoinToken());
      String unknown = "0".repeat(32);
      assertStatus(Status.Code.NOT_FOUND, () -> h.stub.joinSession(join(unknown, red)), "not found");
      assertStatus(Status.Code.NOT_FOUND, () -> h.stub.joinSession(join(id, red.toBuilder().setName("green").build())),
          "seat 'green' not found", "red, blue");
      assertStatus(Status.Code.PERMISSION_DENIED,
          () -> h.stub.joinSession(join(id, red.toBuilder().setJoinToken(blue.getJoinToken()).build())),
          "wrong join token for seat 'red'");
      assertStatus(Status.Code.INVALID_ARGUMENT,
          () -> h.stub.joinSession(join(id, red.toBuilder().setJoinToken("secret!").build())), "join_token",
          "malformed");
      h.stub.joinSession(join(id, red));
      ManagedChannel other = h.newChannel();
      try {
        EnvServiceGrpc.EnvServiceBlockingStub otherStub = EnvServiceGrpc.newBlockingStub(other);
        EnvServiceGrpc.EnvServiceStub otherAsync = EnvServiceGrpc.newStub(other);
        assertStatus(Status.Code.ALREADY_EXISTS, () -> otherStub.joinSession(join(id, red)), "seat 'red'",
            "already held");
        otherStub.joinSession(join(id, blue));
        // The whole world's shape: 2 copies x 4 agents.
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> h.stub.stepSeat(seatStep(id, red, new int[8])),
            "[2 copies, 2 agents, 1 action dimensions]", "whole world's shape");
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> h.stub.stepSeat(seatStep(id, red, 1, 3, 1, 1)),
            "copy 0, seat agent 1 (world agent 2)", "0 <= value < 3");
        // Plain calls on a match, and seat calls on a plain session, say which is which.
        assertStatus(Status.Code.FAILED_PRECONDITION, () -> h.step(id, new int[8]), "is a match", "StepSeat");
        assertStatus(Status.Code.FAILED_PRECONDITION, () -> h.reset(id), "is a match");
        String plainId = h.session(2, 7);
        assertStatus(Status.Code.FAILED_PRECONDITION,
            () -> h.stub.stepSeat(seatStep(plainId, red, 1, 1, 1, 1)), "created without seats", "Reset, Step");
        assertStatus(Status.Code.NOT_FOUND, () -> otherStub.stepSeat(seatStep(plainId, red, 1, 1, 1, 1)),
            "not found");
        // A second submission for the same world step.
        CompletableFuture<StepResponse> first = submit(h.async, seatStep(id, red, 2, 2, 2, 2));
        awaitPending();
        assertStatus(Status.Code.FAILED_PRECONDITION, () -> h.stub.stepSeat(seatStep(id, red, 1, 1, 1, 1)),
            "seat 'red' has already submitted its actions for step 1");
        assertFalse(first.isDone());
        // The match is untouched: blue's submission completes the step, with red's first actions.
        StepResponse b = otherStub.stepSeat(seatStep(id, blue, 1, 1, 1, 1));
        StepResponse r = get(first);
        assertEquals(1, r.getSessionStep());
        assertEquals(1, b.getSessionStep());
        assertArrayEquals(new float[] {1, 1, 1, 1}, floats(r.getRewards()), "red's actions 2 were applied");
        assertArrayEquals(new float[] {0, 0, 0, 0}, floats(b.getRewards()));
        // A retry of the seat's last step gets that answer again, without a second step; a skipped step is refused.
        StepSeatRequest retry = seatStep(id, blue, 1, 1, 1, 1).toBuilder().setExpectedStep(1).build();
        assertEquals(b, otherStub.stepSeat(retry));
        assertStatus(Status.Code.FAILED_PRECONDITION,
            () -> otherStub.stepSeat(retry.toBuilder().setExpectedStep(5).build()), "expected_step",
            "this match is at step 1");
      } finally {
        other.shutdownNow();
      }
    }
  }

  /** Waits until the match has red's submission (a second one is then refused rather than racing it). */
  private static void awaitPending() {
    // The asynchronous submission is on its way; the in-process transport delivers it within milliseconds.
    try {
      Thread.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static float[] floats(ByteString b) {
    ByteBuffer bb = b.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    float[] f = new float[b.size() / 4];
    for (int i = 0; i < f.length; i++) {
      f[i] = bb.getFloat(4 * i);
    }
    return f;
  }

  @Test
  void aSilentSeatTimesOutAndAnAbsentOneDoesNotHoldTheStep() {
    try (Harness h = Harness.inProcess()) {
      CreateSessionResponse m = h.stub.createSession(match(1, 3,
          MatchOptions.newBuilder().setMaxActionTimeMs(300).build()).build());
      String id = m.getSessionId();
      Map<String, SeatGrant> g = grants(m);
      h.stub.joinSession(join(id, g.get("red")));
      h.stub.joinSession(join(id, g.get("blue"))); // held, but never submits
      long t0 = System.nanoTime();
      StepResponse r = h.stub.stepSeat(seatStep(id, g.get("red"), 2, 2));
      double waited = (System.nanoTime() - t0) / 1e6;
      assertTrue(waited >= 290 && waited < 10_000, "the step came after the deadline: " + waited + " ms");
      assertEquals(List.of(SeatOutcome.SEAT_OUTCOME_SUBMITTED, SeatOutcome.SEAT_OUTCOME_TIMED_OUT),
          r.getMatch().getOutcomesList());
      assertTrue(r.getMatch().getWaitMicros() >= 290_000, "wait " + r.getMatch().getWaitMicros());
      // Blue leaves: from now on its agents play the fallback at once, without a deadline.
      h.stub.leaveSession(LeaveSessionRequest.newBuilder().setSessionId(id).setSeat("blue")
          .setJoinToken(g.get("blue").getJoinToken()).build());
      EpisodeStats ended = null;
      for (int t = 2; t <= 5; t++) {
        long s = System.nanoTime();
        r = h.stub.stepSeat(seatStep(id, g.get("red"), 2, 2));
        assertTrue((System.nanoTime() - s) / 1e6 < 250, "an absent seat does not hold the step");
        assertEquals(SeatOutcome.SEAT_OUTCOME_ABSENT, r.getMatch().getOutcomes(1));
        if (r.getEpisodesCount() > 0) {
          ended = r.getEpisodes(0);
        }
      }
      // max_steps 5: the episode ended at step 5, with each seat's part of it.
      assertEquals(5, ended.getLength());
      assertEquals(SeatEpisodeStats.newBuilder().setSeat("red").setSubmitted(5).build(), ended.getSeats(0));
      SeatEpisodeStats blue = ended.getSeats(1);
      assertEquals(1, blue.getTimedOut());
      assertEquals(4, blue.getAbsent());
      assertEquals(2, ended.getAgentsCount(), "red's response lists red's agents only");
    }
  }

  @Test
  void aLateSeatGetsTheStepItMissedAtOnceAndIsBackInStep() {
    try (Harness h = Harness.inProcess()) {
      Joined j = joinBoth(h, 1, 3, MatchOptions.newBuilder().setMaxActionTimeMs(200).build());
      String id = j.id();
      Map<String, SeatGrant> g = j.grants();
      // Blue thinks too long over step 1: red's step comes at the deadline, blue's agents on the fallback (noop).
      StepResponse r = h.stub.stepSeat(seatStep(id, g.get("red"), 2, 2));
      assertEquals(SeatOutcome.SEAT_OUTCOME_TIMED_OUT, r.getMatch().getOutcomes(1));
      // Blue's late submission for step 1 is answered at once with its part of step 1; its actions are dropped.
      long t0 = System.nanoTime();
      StepResponse late = h.stub.stepSeat(seatStep(id, g.get("blue"), 2, 2).toBuilder().setExpectedStep(1).build());
      assertTrue((System.nanoTime() - t0) / 1e6 < 150, "answered without waiting for another step");
      assertEquals(1, late.getSessionStep());
      assertEquals(SeatOutcome.SEAT_OUTCOME_TIMED_OUT, late.getMatch().getOutcomes(1));
      assertArrayEquals(new float[] {-1, -1}, floats(late.getRewards()), "blue's agents played the noop at step 1");
      // Back in step: both submit for step 2 and it is taken with both.
      CompletableFuture<StepResponse> fr = submit(h.async, seatStep(id, g.get("red"), 1, 1).toBuilder()
          .setExpectedStep(2).build());
      StepResponse b2 = h.stub.stepSeat(seatStep(id, g.get("blue"), 2, 2).toBuilder().setExpectedStep(2).build());
      assertEquals(2, b2.getSessionStep());
      assertEquals(List.of(SeatOutcome.SEAT_OUTCOME_SUBMITTED, SeatOutcome.SEAT_OUTCOME_SUBMITTED),
          b2.getMatch().getOutcomesList());
      assertArrayEquals(new float[] {1, 1}, floats(b2.getRewards()));
      assertEquals(2, get(fr).getSessionStep());
    }
  }

  @Test
  void theFirstStepWaitsForEverySeatToJoin() {
    try (Harness h = Harness.inProcess()) {
      CreateSessionResponse m = h.stub.createSession(match(1, 3,
          MatchOptions.newBuilder().setMaxActionTimeMs(200).build()).build());
      String id = m.getSessionId();
      Map<String, SeatGrant> g = grants(m);
      h.stub.joinSession(join(id, g.get("red")));
      CompletableFuture<StepResponse> f = submit(h.async, seatStep(id, g.get("red"), 1, 1));
      assertThrows(TimeoutException.class, () -> f.get(600, TimeUnit.MILLISECONDS));
      h.stub.joinSession(join(id, g.get("blue")));
      // The step's clock starts when the match does: blue gets its full deadline, then times out.
      StepResponse r = get(f);
      assertEquals(SeatOutcome.SEAT_OUTCOME_TIMED_OUT, r.getMatch().getOutcomes(1));
      assertTrue(r.getMatch().getWaitMicros() >= 190_000 && r.getMatch().getWaitMicros() < 550_000,
          "waited " + r.getMatch().getWaitMicros() + " us from the start");
    }
  }

  private static <T extends Throwable> void assertThrows(Class<T> type, org.junit.jupiter.api.function.Executable e) {
    org.junit.jupiter.api.Assertions.assertThrows(type, e);
  }

  @Test
  void aRetryOfAPendingSubmissionWaitsInItsPlace() {
    try (Harness h = Harness.inProcess()) {
      Joined j = joinBoth(h, 1, 5, MatchOptions.getDefaultInstance());
      String id = j.id();
      Map<String, SeatGrant> g = j.grants();
      StepSeatRequest red = seatStep(id, g.get("red"), 2, 2).toBuilder().setExpectedStep(1).build();
      assertStatus(Status.Code.DEADLINE_EXCEEDED,
          () -> h.stub.withDeadlineAfter(100, TimeUnit.MILLISECONDS).stepSeat(red)); // the client gives up
      CompletableFuture<StepResponse> retry = submit(h.async, red.toBuilder().setActions(actions(0, 0)).build());
      StepResponse b = h.stub.stepSeat(seatStep(id, g.get("blue"), 1, 1).toBuilder().setExpectedStep(1).build());
      StepResponse r = get(retry);
      assertEquals(1, b.getSessionStep());
      assertEquals(1, r.getSessionStep());
      assertArrayEquals(new float[] {1, 1}, floats(r.getRewards()), "the first submission's actions, applied once");
      // Without expected_step a second submission for the step is refused instead.
      CompletableFuture<StepResponse> next = submit(h.async, seatStep(id, g.get("red"), 1, 1));
      awaitPending();
      assertStatus(Status.Code.FAILED_PRECONDITION, () -> h.stub.stepSeat(seatStep(id, g.get("red"), 1, 1)),
          "already submitted");
      h.stub.stepSeat(seatStep(id, g.get("blue"), 1, 1));
      assertEquals(2, get(next).getSessionStep());
    }
  }

  @Test
  void aCancelledSeatCallDoesNotHarmTheMatch() {
    try (Harness h = Harness.inProcess()) {
      Joined j = joinBoth(h, 2, 11, MatchOptions.getDefaultInstance());
      String id = j.id();
      Map<String, SeatGrant> g = j.grants();
      // Red gives up waiting for blue (its call's deadline passes); its submission stands.
      assertStatus(Status.Code.DEADLINE_EXCEEDED,
          () -> h.stub.withDeadlineAfter(100, TimeUnit.MILLISECONDS).stepSeat(seatStep(id, g.get("red"), 2, 2, 2, 2)));
      StepResponse b = h.stub.stepSeat(seatStep(id, g.get("blue"), 1, 1, 1, 1));
      assertEquals(1, b.getSessionStep());
      assertEquals(List.of(SeatOutcome.SEAT_OUTCOME_SUBMITTED, SeatOutcome.SEAT_OUTCOME_SUBMITTED),
          b.getMatch().getOutcomesList());
      // Both keep playing: no episode was abandoned.
      for (int t = 2; t <= 8; t++) {
        CompletableFuture<StepResponse> fr = submit(h.async, seatStep(id, g.get("red"), 1, 1, 1, 1));
        StepResponse rb = h.stub.stepSeat(seatStep(id, g.get("blue"), 1, 1, 1, 1));
        assertEquals(t, rb.getSessionStep());
        assertEquals(t, get(fr).getSessionStep());
      }
    }
  }

  @Test
  void aSeatOfAClosedConnectionCanBeRejoinedWithItsToken() throws Exception {
    try (Harness h = Harness.inProcess()) {
      CreateSessionResponse m = h.stub.createSession(match(1, 3, MatchOptions.getDefaultInstance()).build());
      String id = m.getSessionId();
      SeatGrant blue = grants(m).get("blue");
      ManagedChannel first = h.newChannel();
      EnvServiceGrpc.newBlockingStub(first).joinSession(join(id, blue));
      assertStatus(Status.Code.ALREADY_EXISTS, () -> h.stub.joinSession(join(id, blue)), "already held");
      first.shutdownNow();
      first.awaitTermination(5, TimeUnit.SECONDS);
      JoinSessionResponse again = joinOnceFree(h.stub, join(id, blue));
      assertEquals(2, again.getSpec().getNumAgents());
    }
  }

  @Test
  void aStepWaitingForADisconnectedSeatIsTakenAtOnce() throws Exception {
    try (Harness h = Harness.inProcess()) {
      CreateSessionResponse m = h.stub.createSession(match(1, 3,
          MatchOptions.newBuilder().setMaxActionTimeMs(60_000).build()).build());
      String id = m.getSessionId();
      Map<String, SeatGrant> g = grants(m);
      h.stub.joinSession(join(id, g.get("red")));
      ManagedChannel blue = h.newChannel();
      EnvServiceGrpc.newBlockingStub(blue).joinSession(join(id, g.get("blue")));
      long t0 = System.nanoTime();
      CompletableFuture<StepResponse> waiting = submit(h.async, seatStep(id, g.get("red"), 2, 2));
      awaitPending();
      blue.shutdownNow();
      StepResponse r = get(waiting);
      assertTrue((System.nanoTime() - t0) / 1e9 < 20, "the step did not wait for the 60 s deadline");
      assertEquals(SeatOutcome.SEAT_OUTCOME_ABSENT, r.getMatch().getOutcomes(1));
    }
  }

  @Test
  void aNewControllerOfASeatWithdrawsWhatItsLastOneLeftPending() throws Exception {
    try (Harness h = Harness.inProcess()) {
      CreateSessionResponse m = h.stub.createSession(match(1, 3,
          MatchOptions.newBuilder().setMaxActionTimeMs(60_000).build()).build());
      String id = m.getSessionId();
      Map<String, SeatGrant> g = grants(m);
      h.stub.joinSession(join(id, g.get("red"))); // held, thinking
      ManagedChannel first = h.newChannel();
      EnvServiceGrpc.newBlockingStub(first).joinSession(join(id, g.get("blue")));
      CompletableFuture<StepResponse> abandoned = submit(EnvServiceGrpc.newStub(first),
          seatStep(id, g.get("blue"), 0, 0));
      awaitPending();
      first.shutdownNow(); // the first controller dies with its submission pending
      first.awaitTermination(5, TimeUnit.SECONDS);
      ManagedChannel second = h.newChannel();
      try {
        EnvServiceGrpc.EnvServiceBlockingStub s = EnvServiceGrpc.newBlockingStub(second);
        joinOnceFree(s, join(id, g.get("blue")));
        // The new controller plays step 1 (not refused as a second submission), with its own actions.
        CompletableFuture<StepResponse> mine = submit(EnvServiceGrpc.newStub(second), seatStep(id, g.get("blue"), 2, 2));
        h.stub.stepSeat(seatStep(id, g.get("red"), 1, 1));
        StepResponse b = get(mine);
        assertEquals(1, b.getSessionStep());
        assertArrayEquals(new float[] {1, 1}, floats(b.getRewards()), "the new controller's actions were applied");
        assertTrue(abandoned.isCompletedExceptionally());
      } finally {
        second.shutdownNow();
      }
    }
  }

  @Test
  void aSeatSeesOnlyTheCopyScopeObservationsTheMatchGivesIt() {
    try (Harness h = Harness.inProcess()) {
      CreateSessionRequest.Builder req = match(2, 5, MatchOptions.getDefaultInstance());
      req.setSeats(1, req.getSeats(1).toBuilder().addWithholdObservations("total"));
      CreateSessionResponse m = h.stub.createSession(req.build());
      Map<String, SeatGrant> g = grants(m);
      JoinSessionResponse red = h.stub.joinSession(join(m.getSessionId(), g.get("red")));
      JoinSessionResponse blue = h.stub.joinSession(join(m.getSessionId(), g.get("blue")));
      assertEquals(List.of("position", "total"), names(red));
      assertEquals(List.of("position"), names(blue));
      assertEquals(List.of("walker_3", "walker_1"), blue.getSpec().getAgentNamesList());
      assertEquals(1, blue.getObservation().getObservationsCount());
      assertEquals(List.of(2L, 2L, 2L), tensor(blue.getObservation(), "position").getShapeList());
      CreateSessionRequest.Builder bad = match(2, 5, MatchOptions.getDefaultInstance());
      bad.setSeats(1, bad.getSeats(1).toBuilder().addWithholdObservations("position"));
      assertStatus(Status.Code.INVALID_ARGUMENT, () -> h.stub.createSession(bad.build()),
          "'position' is an observation of each agent");
    }
  }

  private static List<String> names(JoinSessionResponse r) {
    return r.getSpec().getObservationsList().stream().map(t -> t.getName()).toList();
  }

  @Test
  void seatLayoutsAreChecked() {
    try (Harness h = Harness.inProcess()) {
      CreateSessionRequest.Builder overlap = Harness.create(1, 1).setConfig(Harness.config(FOUR))
          .addSeats(SeatLayout.newBuilder().setName("a").addAgents(0).addAgents(1))
          .addSeats(SeatLayout.newBuilder().setName("b").addAgents(1).addAgents(2).addAgents(3));
      assertStatus(Status.Code.INVALID_ARGUMENT, () -> h.stub.createSession(overlap.build()),
          "agent 1 is also in seat 'a'");
      CreateSessionRequest.Builder missing = Harness.create(1, 1).setConfig(Harness.config(FOUR))
          .addSeats(SeatLayout.newBuilder().setName("a").addAgents(0).addAgents(1));
      assertStatus(Status.Code.INVALID_ARGUMENT, () -> h.stub.createSession(missing.build()),
          "agents [2, 3] are in no seat");
      CreateSessionRequest.Builder range = Harness.create(1, 1).setConfig(Harness.config(FOUR))
          .addSeats(SeatLayout.newBuilder().setName("a").addAgents(0).addAgents(9));
      assertStatus(Status.Code.INVALID_ARGUMENT, () -> h.stub.createSession(range.build()), "agent 9",
          "agents 0..3");
      CreateSessionRequest.Builder name = Harness.create(1, 1)
          .addSeats(SeatLayout.newBuilder().setName("Red Team").addAgents(0).addAgents(1));
      assertStatus(Status.Code.INVALID_ARGUMENT, () -> h.stub.createSession(name.build()), "seats[0].name");
      assertStatus(Status.Code.INVALID_ARGUMENT, () -> h.stub.createSession(Harness.create(1, 1).setSeatPerAgent(true)
          .setAutoreset(AutoresetMode.AUTORESET_DISABLED).build()), "AUTORESET_NEXT_STEP or AUTORESET_SAME_STEP");
      assertStatus(Status.Code.INVALID_ARGUMENT, () -> h.stub.createSession(Harness.create(1, 1)
          .setMatch(MatchOptions.newBuilder().setMaxActionTimeMs(100)).build()), "match options need seats");
      assertStatus(Status.Code.INVALID_ARGUMENT, () -> h.stub.createSession(Harness.create(1, 1).setSeatPerAgent(true)
          .setMatch(MatchOptions.newBuilder().setFallback("forager")).build()), "match.fallback");
      CreateSessionResponse each = h.stub.createSession(Harness.create(1, 1).setSeatPerAgent(true).build());
      assertEquals(List.of("walker_0", "walker_1"), each.getSeatsList().stream().map(SeatGrant::getName).toList());
    }
  }

  @Test
  void absentSeatsPlayTheFallbackTheMatchNames() {
    for (String fallback : List.of("noop", "random")) {
      try (Harness h = Harness.inProcess()) {
        CreateSessionResponse m = h.stub.createSession(match(1, 3, MatchOptions.newBuilder().setFallback(fallback)
            .setStartBeforeAllJoined(true).build()).setConfig(Harness.config(Map.of("agents", 4, "max_steps", 1000)))
            .build());
        String id = m.getSessionId();
        Map<String, SeatGrant> g = grants(m);
        int[] counts = new int[3];
        for (int t = 0; t < 150; t++) {
          h.stub.stepSeat(seatStep(id, g.get("red"), 1, 1));
          // Blue's last step, as a controller joining now sees it: reward = action - 1 of its agents.
          JoinSessionResponse look = h.stub.joinSession(join(id, g.get("blue")));
          for (float r : floats(look.getObservation().getRewards())) {
            counts[(int) r + 1]++;
          }
          h.stub.leaveSession(LeaveSessionRequest.newBuilder().setSessionId(id).setSeat("blue")
              .setJoinToken(g.get("blue").getJoinToken()).build());
        }
        if (fallback.equals("noop")) {
          assertArrayEquals(new int[] {300, 0, 0}, counts, "noop is action 0 of every dimension");
        } else {
          for (int c : counts) {
            // 300 uniform draws over 3 actions: 100 each, sd 8.2; 5 sd either side.
            assertTrue(Math.abs(c - 100) < 41, "random fallback counts " + java.util.Arrays.toString(counts));
          }
        }
      }
    }
  }

  @Test
  void closingAMatchAnswersItsWaitingSeats() {
    try (Harness h = Harness.inProcess()) {
      Joined j = joinBoth(h, 1, 3, MatchOptions.getDefaultInstance());
      String id = j.id();
      Map<String, SeatGrant> g = j.grants();
      CompletableFuture<StepResponse> waiting = submit(h.async, seatStep(id, g.get("red"), 1, 1));
      awaitPending();
      h.stub.closeSession(CloseSessionRequest.newBuilder().setSessionId(id).build());
      Throwable t = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
          () -> waiting.get(10, TimeUnit.SECONDS)).getCause();
      assertEquals(Status.Code.ABORTED, Status.fromThrowable(t).getCode(), t.toString());
      assertStatus(Status.Code.NOT_FOUND, () -> h.stub.joinSession(join(id, g.get("blue"))), "not found");
    }
  }

  @Test
  void shutdownAnswersWaitingSeatsAtOnceInsteadOfDrainingForTheGrace() throws Exception {
    Harness h = Harness.inProcess(Harness.testConfig().shutdownGrace(java.time.Duration.ofSeconds(30)).build());
    try {
      Joined j = joinBoth(h, 1, 3, MatchOptions.getDefaultInstance());
      String id = j.id();
      Map<String, SeatGrant> g = j.grants();
      CompletableFuture<StepResponse> waiting = submit(h.async, seatStep(id, g.get("red"), 1, 1));
      awaitPending();
      long t0 = System.nanoTime();
      h.server.close();
      assertTrue((System.nanoTime() - t0) / 1e9 < 10, "the drain did not wait for the seat");
      Throwable t = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
          () -> waiting.get(10, TimeUnit.SECONDS)).getCause();
      assertEquals(Status.Code.UNAVAILABLE, Status.fromThrowable(t).getCode(), t.toString());
    } finally {
      h.close();
    }
  }

  @Test
  void seatsStepOverStreams() throws Exception {
    try (Harness h = Harness.inProcess()) {
      Joined j = joinBoth(h, 2, 21, MatchOptions.getDefaultInstance());
      String id = j.id();
      Map<String, SeatGrant> g = j.grants();
      QueueObserver<StepResponse> redOut = new QueueObserver<>();
      QueueObserver<StepResponse> blueOut = new QueueObserver<>();
      StreamObserver<StepSeatRequest> redIn = h.async.stepSeatStream(redOut);
      StreamObserver<StepSeatRequest> blueIn = h.async.stepSeatStream(blueOut);
      for (int t = 1; t <= 30; t++) {
        redIn.onNext(seatStep(id, g.get("red"), 2, 2, 2, 2));
        blueIn.onNext(seatStep(id, g.get("blue"), 0, 1, 1, 1));
        StepResponse r = redOut.next();
        StepResponse b = blueOut.next();
        assertEquals(t, r.getSessionStep());
        assertEquals(t, b.getSessionStep());
        // NEXT_STEP autoreset: the step after an episode's end (max_steps 5) resets instead of moving.
        boolean reset = r.getResetMask().byteAt(0) != 0;
        assertArrayEquals(reset ? new float[4] : new float[] {1, 1, 1, 1}, floats(r.getRewards()));
        assertEquals(t % 6 == 0, reset, "step " + t);
      }
      redIn.onCompleted();
      blueIn.onCompleted();
    }
  }

}
