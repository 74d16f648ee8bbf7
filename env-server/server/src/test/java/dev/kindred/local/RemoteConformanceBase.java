package dev.kindred.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.client.ClientOptions;
import dev.kindred.client.KindredClient;
import dev.kindred.client.RemoteVectorEnv;
import dev.kindred.env.Autoreset;
import dev.kindred.env.KindredException;
import dev.kindred.env.SessionOptions;
import dev.kindred.env.StepBatch;
import dev.kindred.env.VectorEnv;
import dev.kindred.proto.v1.ServerInfo;
import dev.kindred.proto.v1.WorldInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The conformance suite over a real TCP socket, plus what only the remote path has: streaming,
 * pipelining, and the server calls. A subclass starts a server and says whether
 * {@link VectorEnv#step} streams.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class RemoteConformanceBase extends VectorEnvConformance {
  protected KindredClient client;

  /** Starts a server hosting {@link #registry()} and returns its port. */
  protected abstract int startServer() throws Exception;

  protected abstract void stopServer();

  /** Whether step() uses the StepStream (else unary Step). */
  protected abstract boolean streaming();

  protected String target() {
    return "127.0.0.1:" + port;
  }

  private int port;

  @BeforeAll
  void connect() throws Exception {
    port = startServer();
    client = KindredClient.connect(target(), ClientOptions.builder().deadline(Duration.ofSeconds(20)).build());
  }

  @AfterAll
  void disconnect() {
    if (client != null) {
      client.close();
    }
    stopServer();
  }

  @Override
  protected RemoteVectorEnv make(String worldId, Map<String, ?> config, int copies, long seed, SessionOptions options) {
    return client.make(worldId, config, copies, seed, options.toBuilder().streaming(streaming())
        .clientName("conformance-" + getClass().getSimpleName()).build());
  }

  @Test
  void pipelinedTrajectoryMatchesLocal() {
    Map<String, Object> config = Map.of("agents", 2, "max_steps", 6);
    int copies = 3;
    int[][] actions = Trajectories.actions(17, 30, copies * 2, 3);
    for (Autoreset mode : List.of(Autoreset.NEXT_STEP, Autoreset.SAME_STEP)) {
      List<byte[]> expected = localRun(config, copies, 606, mode, actions);
      for (int depth : new int[] {1, 4, actions.length}) {
        try (RemoteVectorEnv env = make(WORLD, config, copies, 606, autoreset(mode))) {
          List<byte[]> got = new ArrayList<>();
          got.add(Trajectories.snapshot(env.reset()));
          int sent = 0;
          while (got.size() <= actions.length) {
            while (sent < actions.length && env.inFlight() < depth) {
              env.send(actions[sent++]);
            }
            got.add(Trajectories.snapshot(env.receive()));
          }
          assertEquals(0, env.inFlight());
          assertSameTrajectory(expected, got);
        }
      }
    }
  }

  @Test
  void unaryStreamingAndLocalAgree() {
    Map<String, Object> config = Map.of("agents", 4, "max_steps", 5);
    int[][] actions = Trajectories.actions(23, 25, 2 * 4, 3);
    List<byte[]> expected = localRun(config, 2, 31, Autoreset.SAME_STEP, actions);
    for (boolean stream : new boolean[] {false, true}) {
      SessionOptions o = SessionOptions.builder().autoreset(Autoreset.SAME_STEP).streaming(stream).build();
      try (RemoteVectorEnv env = client.make(WORLD, config, 2, 31, o)) {
        assertSameTrajectory(expected, run(env, null, actions));
      }
    }
  }

  @Test
  void streamErrorLeavesTheSessionAsItWas() {
    int[][] actions = Trajectories.actions(2, 4, 2, 3);
    List<byte[]> expected = localRun(Map.of(), 1, 9, Autoreset.NEXT_STEP, actions);
    try (RemoteVectorEnv env = make(WORLD, Map.of(), 1, 9, SessionOptions.defaults())) {
      List<byte[]> got = new ArrayList<>();
      got.add(Trajectories.snapshot(env.reset()));
      env.send(actions[0]);
      env.send(new int[] {7, 7});
      env.send(actions[1]);
      got.add(Trajectories.snapshot(env.receive()));
      KindredException e = assertKindred("INVALID_ARGUMENT", env::receive);
      assertTrue(e.detail().contains("actions"), e.getMessage());
      assertEquals(0, env.inFlight());
      for (int i = 1; i < actions.length; i++) {
        got.add(Trajectories.snapshot(env.step(actions[i])));
      }
      assertSameTrajectory(expected, got);
    }
  }

  @Test
  @SuppressWarnings("try")
  void sessionsAreIndependent() {
    int[][] actions = Trajectories.actions(4, 10, 2 * 2, 3);
    try (RemoteVectorEnv a = make(WORLD, Map.of(), 2, 1, SessionOptions.defaults());
         RemoteVectorEnv b = make(WORLD, Map.of(), 2, 1, SessionOptions.defaults())) {
      assertFalse(a.sessionId().equals(b.sessionId()));
      a.reset();
      b.reset();
      for (int[] x : actions) {
        a.send(x);
        b.send(x);
        assertArrayEquals(Trajectories.snapshot(a.receive()), Trajectories.snapshot(b.receive()));
      }
      a.close();
      assertKindred("NOT_FOUND", () -> a.step(actions[0]));
      b.step(actions[0]);
    }
  }

  @Test
  void endToEndOverTcp() {
    try (KindredClient c = KindredClient.connect(target())) {
      ServerInfo info = c.serverInfo();
      assertEquals("kindred.v1", info.getProtocol());
      assertTrue(info.getWorldIdsList().contains(WORLD), info.toString());
      WorldInfo w = c.listWorlds().stream().filter(x -> x.getId().equals(WORLD)).findFirst().orElseThrow();
      assertEquals(5.0, w.getDefaultConfig().getFieldsOrThrow("max_steps").getNumberValue());
      assertEquals(3, w.getParametersCount());

      RemoteVectorEnv env = c.make(WORLD, Map.of("agents", 1), 2, 42,
          SessionOptions.builder().streaming(false).clientName("e2e").build());
      StepBatch b = env.reset();
      assertArrayEquals(new byte[] {1, 1}, b.resetMask());
      int p0 = b.observation("position").getInt(0);
      b = env.step(new int[] {2, 1});
      assertEquals(p0 + 1, b.observation("position").getInt(0));
      assertArrayEquals(new float[] {1, 0}, b.rewards());
      env.send(new int[] {2, 2});
      env.send(new int[] {0, 0});
      assertEquals(p0 + 2, env.receive().observation("position").getInt(0));
      assertEquals(p0 + 1, env.receive().observation("position").getInt(0));
      assertEquals(3, env.batch().sessionStep());
      b = env.step(new int[] {1, 1}); // unary again, after the stream
      assertEquals(4, b.sessionStep());
      env.close();
      assertEquals(4, env.closeResponse().getSessionSteps());
      assertKindred("NOT_FOUND", () -> env.step(new int[] {1, 1}));
    }
  }
}
