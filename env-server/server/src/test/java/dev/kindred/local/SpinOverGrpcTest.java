package dev.kindred.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.client.KindredClient;
import dev.kindred.client.RemoteVectorEnv;
import dev.kindred.env.SessionOptions;
import dev.kindred.env.StepBatch;
import dev.kindred.env.VectorEnv;
import dev.kindred.env.WorldRegistry;
import dev.kindred.server.KindredServer;
import dev.kindred.server.ServerConfig;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A client controls spins of a lattice world served by the real server over TCP: the
 * trajectory is the in-process one bit for bit, each controlled spin takes the value its action
 * chose, and each reward is the agent's negative surprise computed here from its observation.
 */
class SpinOverGrpcTest {
  static final Map<String, Object> CONFIG = Map.of(
      "width", 8, "height", 6, "beta", 0.6, "zeta", 0.1, "controlled", List.of(0, 9, 27));
  static final int COPIES = 4;
  static final long SEED = 11;

  static KindredServer server;
  static KindredClient client;

  @BeforeAll
  static void start() {
    server = KindredServer.start(ServerConfig.defaults().toBuilder().host("127.0.0.1").port(0).build(),
        WorldRegistry.builtIn());
    client = KindredClient.connect("127.0.0.1:" + server.port());
  }

  @AfterAll
  static void stop() {
    client.close();
    server.close();
  }

  private static int[][] randomActions(int steps, int width, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int[][] out = new int[steps][width];
    for (int[] a : out) {
      for (int i = 0; i < width; i++) {
        a[i] = r.nextInt(2);
      }
    }
    return out;
  }

  @Test
  void remoteTrajectoryIsTheLocalOneBitForBit() {
    int[][] actions = randomActions(40, COPIES * 3, 5);
    try (VectorEnv local = LocalVectorEnv.create(WorldRegistry.builtIn(), "spin.lattice", CONFIG, COPIES, SEED);
         RemoteVectorEnv unary = client.make("spin.lattice", CONFIG, COPIES, SEED,
             SessionOptions.builder().streaming(false).build());
         RemoteVectorEnv stream = client.make("spin.lattice", CONFIG, COPIES, SEED)) {
      assertEquals(local.spec(), unary.spec());
      List<byte[]> expected = VectorEnvConformance.run(local, null, actions);
      VectorEnvConformance.assertSameTrajectory(expected, VectorEnvConformance.run(unary, null, actions));
      VectorEnvConformance.assertSameTrajectory(expected, VectorEnvConformance.run(stream, null, actions));
    }
  }

  @Test
  void controlledSpinsFollowTheirActionsAndEarnNegativeSurprise() {
    try (RemoteVectorEnv env = client.make("spin.lattice", CONFIG, COPIES, SEED)) {
      assertEquals(3, env.agents());
      assertEquals(List.of("spin_0", "spin_9", "spin_27"), env.spec().world().agentNames());
      int degree = env.spec().observation("neighbour_spins").shape()[0];
      StepBatch b = env.reset();
      int[][] actions = randomActions(25, COPIES * 3, 9);
      double totalSurprise = 0;
      for (int[] a : actions) {
        b = env.step(a);
        ByteBuffer own = b.observation("own_spin");
        ByteBuffer spins = b.observation("neighbour_spins");
        ByteBuffer mask = b.observation("neighbour_mask");
        ByteBuffer prec = b.observation("neighbour_precisions");
        ByteBuffer prior = b.observation("prior_precision");
        for (int k = 0; k < COPIES * 3; k++) {
          assertEquals(a[k] == 1 ? 1 : -1, own.get(k), "controlled spin " + k + " ignored its action");
          double zeta = prior.getFloat(4 * k);
          double field = zeta;
          double normaliser = logTwoCosh(zeta);
          for (int j = 0; j < degree; j++) {
            if (mask.get(k * degree + j) != 0) {
              double g = prec.getFloat(4 * (k * degree + j));
              field += g * spins.get(k * degree + j);
              normaliser += logTwoCosh(g);
            }
          }
          // -ln P(obs) = -ln sum_z prod_j P(s_j|z) P(z) = -ln 2cosh(field) + ln 2cosh(zeta) + sum_j ln 2cosh(g_j)
          double surprise = -logTwoCosh(field) + normaliser;
          assertEquals(-surprise, b.rewards()[k], 1e-5, "reward of agent " + k);
          totalSurprise += surprise;
        }
        assertArrayEquals(new byte[COPIES * 3], zerosWhereFailed(b.actionSuccess()));
      }
      assertTrue(totalSurprise > 0, "surprise is positive for a non-degenerate observation model");
    }
  }

  private static byte[] zerosWhereFailed(byte[] success) {
    byte[] out = new byte[success.length];
    for (int i = 0; i < success.length; i++) {
      out[i] = (byte) (success[i] == 1 ? 0 : 1);
    }
    return out;
  }

  private static double logTwoCosh(double x) {
    double a = Math.abs(x);
    return a + Math.log1p(Math.exp(-2 * a));
  }
}
