package dev.kindred.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.client.ClientOptions;
import dev.kindred.client.KindredClient;
import dev.kindred.client.MatchConfig;
import dev.kindred.client.RemoteMatch;
import dev.kindred.client.SeatEnv;
import dev.kindred.env.KindredException;
import dev.kindred.env.Scope;
import dev.kindred.env.StepBatch;
import dev.kindred.env.TensorSpec;
import dev.kindred.env.VectorEnv;
import dev.kindred.env.WorldRegistry;
import dev.kindred.proto.v1.SeatOutcome;
import dev.kindred.server.KindredServer;
import dev.kindred.server.ServerConfig;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Java client's seats: a policy written against {@link VectorEnv} plays a seat of a remote
 * match exactly as it plays a whole world, and the seats together reproduce the single-controller
 * trajectory of the same world, seed and actions (here an in-process one).
 */
class SeatEnvTest {
  private static final Map<String, Object> CONFIG = Map.of("max_steps", 25.0, "kinship", "random", "groups", 2);

  /** The cross-language contract's action for world agent {@code a}. */
  private static int action(int t, int c, int a, int d, int n) {
    long v = (long) t * 7919L + (long) c * 104729L + (long) a * 1299709L + (long) d * 15485863L + 12345L;
    return (int) Math.floorMod(v, (long) n);
  }

  private static int[] actions(VectorEnv env, int[] worldAgents, int t) {
    int dims = env.actionDimensions();
    int[] out = new int[env.copies() * worldAgents.length * dims];
    int i = 0;
    for (int c = 0; c < env.copies(); c++) {
      for (int a : worldAgents) {
        for (int d = 0; d < dims; d++) {
          out[i++] = action(t, c, a, d, env.spec().world().actions().dimensions().get(d).numValues());
        }
      }
    }
    return out;
  }

  @Test
  void twoSeatEnvsReproduceTheInProcessWorldBitForBit() throws Exception {
    int copies = 2;
    long seed = 77;
    try (KindredServer server = KindredServer.start(ServerConfig.defaults().toBuilder().host("127.0.0.1").port(0)
        .build(), WorldRegistry.builtIn());
         KindredClient client = KindredClient.connect("127.0.0.1:" + server.port(),
             ClientOptions.builder().deadline(Duration.ofSeconds(20)).build());
         VectorEnv local = LocalVectorEnv.create(WorldRegistry.builtIn(), "energy.s3", CONFIG, copies, seed)) {
      int agents = local.agents();
      List<TensorSpec> spec = local.spec().observations();
      int[] red = new int[(agents + 1) / 2];
      int[] blue = new int[agents / 2];
      for (int a = 0; a < agents; a++) {
        if (a % 2 == 0) {
          red[a / 2] = a;
        } else {
          blue[a / 2] = a;
        }
      }
      RemoteMatch match = client.createMatch("energy.s3", CONFIG, copies, seed,
          MatchConfig.builder().seat("red", red).seat("blue", blue).build());
      int[] all = new int[agents];
      for (int a = 0; a < agents; a++) {
        all[a] = a;
      }
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try (SeatEnv r = client.joinSeat(match.seat("red"));
           SeatEnv b = client.joinSeat(match.sessionId(), "blue", match.seat("blue").token(), false)) {
        assertArrayEquals(red, r.worldAgents());
        assertEquals(red.length, r.agents());
        StepBatch want = local.reset();
        assertSlice(want, r.reset(), red, spec);
        assertSlice(want, b.reset(), blue, spec);
        KindredException refused = assertThrows(KindredException.class, () -> r.reset(5L));
        assertEquals("FAILED_PRECONDITION", refused.code());
        int episodes = 0;
        for (int t = 1; t <= 60; t++) {
          int step = t;
          Future<StepBatch> fr = pool.submit(() -> r.step(actions(r, red, step)));
          Future<StepBatch> fb = pool.submit(() -> b.step(actions(b, blue, step)));
          want = local.step(actions(local, all, t));
          assertSlice(want, fr.get(20, TimeUnit.SECONDS), red, spec);
          assertSlice(want, fb.get(20, TimeUnit.SECONDS), blue, spec);
          assertEquals(List.of(SeatOutcome.SEAT_OUTCOME_SUBMITTED, SeatOutcome.SEAT_OUTCOME_SUBMITTED),
              r.lastMatchStep().getOutcomesList());
          episodes += want.episodes().size();
          for (int e = 0; e < want.episodes().size(); e++) {
            double[] full = want.episodes().get(e).returns();
            double[] seat = b.batch().episodes().get(e).returns();
            for (int j = 0; j < blue.length; j++) {
              assertEquals(full[blue[j]], seat[j], "blue's episode return of agent " + blue[j]);
            }
          }
        }
        assertTrue(episodes >= 2 * copies, "episodes ended: " + episodes);
      } finally {
        pool.shutdownNow();
        match.close();
      }
    }
  }

  @Test
  void aLateSeatEnvCatchesUpWithTheStepItMissed() throws Exception {
    try (KindredServer server = KindredServer.start(ServerConfig.defaults().toBuilder().host("127.0.0.1").port(0)
        .build(), WorldRegistry.builtIn());
         KindredClient client = KindredClient.connect("127.0.0.1:" + server.port())) {
      RemoteMatch match = client.createMatch("energy.room", Map.of("agents", 2.0), 1, 3,
          MatchConfig.builder().seat("red", 0).seat("blue", 1).maxActionTime(Duration.ofMillis(200)).build());
      ExecutorService pool = Executors.newSingleThreadExecutor();
      for (boolean streaming : new boolean[] {true, false}) {
        try (SeatEnv red = client.joinSeat(match.seat("red"));
             SeatEnv blue = client.joinSeat(match.sessionId(), "blue", match.seat("blue").token(), streaming)) {
          long start = red.reset().sessionStep(); // the current observations: where the match is
          int[] noop = new int[red.copies() * red.agents() * red.actionDimensions()];
          StepBatch r = red.step(noop); // blue thinks too long: the step comes at the deadline
          assertEquals(start + 1, r.sessionStep());
          assertEquals(SeatOutcome.SEAT_OUTCOME_TIMED_OUT, red.lastMatchStep().getOutcomes(1));
          long t0 = System.nanoTime();
          StepBatch late = blue.step(noop);
          assertTrue((System.nanoTime() - t0) / 1e6 < 150, "the late seat is answered at once");
          assertEquals(start + 1, late.sessionStep(), "with the step it missed");
          Future<StepBatch> fr = pool.submit(() -> red.step(noop));
          StepBatch both = blue.step(noop);
          assertEquals(start + 2, both.sessionStep());
          assertEquals(start + 2, fr.get(20, TimeUnit.SECONDS).sessionStep());
          assertEquals(List.of(SeatOutcome.SEAT_OUTCOME_SUBMITTED, SeatOutcome.SEAT_OUTCOME_SUBMITTED),
              blue.lastMatchStep().getOutcomesList());
        }
      }
      pool.shutdownNow();
      match.close();
    }
  }

  /** {@code seat} equals {@code full} narrowed to {@code agents} (copy-scope tensors whole). */
  private static void assertSlice(StepBatch full, StepBatch seat, int[] agents, List<TensorSpec> specs) {
    int n = full.agents();
    for (int i = 0; i < full.observationCount(); i++) {
      assertEquals(full.observationName(i), seat.observationName(i));
      ByteBuffer f = full.observation(i);
      ByteBuffer s = seat.observation(i);
      if (specs.get(i).scope() == Scope.COPY) {
        assertEquals(f.duplicate().clear(), s.duplicate().clear(), full.observationName(i));
        continue;
      }
      int block = f.capacity() / (full.copies() * n);
      for (int c = 0; c < full.copies(); c++) {
        for (int j = 0; j < agents.length; j++) {
          assertEquals(f.duplicate().clear().position((c * n + agents[j]) * block).limit((c * n + agents[j] + 1) * block),
              s.duplicate().clear().position((c * agents.length + j) * block).limit((c * agents.length + j + 1) * block),
              full.observationName(i) + " copy " + c + " seat agent " + j);
        }
      }
    }
    for (int c = 0; c < full.copies(); c++) {
      for (int j = 0; j < agents.length; j++) {
        assertEquals(full.rewards()[c * n + agents[j]], seat.rewards()[c * agents.length + j]);
        assertEquals(full.actionSuccess()[c * n + agents[j]], seat.actionSuccess()[c * agents.length + j]);
      }
    }
    assertArrayEquals(full.terminated(), seat.terminated());
    assertArrayEquals(full.truncated(), seat.truncated());
    assertArrayEquals(full.resetMask(), seat.resetMask());
  }
}
