package dev.kindred.agents;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.agents.nn.ActorCritic;
import dev.kindred.bench.LoopbackServer;
import dev.kindred.client.ClientOptions;
import dev.kindred.client.KindredClient;
import dev.kindred.client.MatchConfig;
import dev.kindred.client.RemoteMatch;
import dev.kindred.client.SeatEnv;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.StepBatch;
import dev.kindred.env.VectorEnv;
import dev.kindred.env.WorldRegistry;
import dev.kindred.local.LocalVectorEnv;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A brain plays a seat of a remote match exactly as it plays its seats of a world in process: a
 * DJL network on one seat and the scripted forager on the other, each in its own thread over its
 * own {@link SeatEnv}, earn, agent by agent, exactly the rewards the same two brains earn when
 * {@link SeatPolicy} routes their rows of an in-process world with the same seed.
 */
class RemoteSeatTest {
  private static final Map<String, Object> CONFIG = Map.of("max_steps", 40.0);
  private static final int COPIES = 2;
  private static final long SEED = 5;
  private static final int STEPS = 90;

  @Test
  void aNetworkAndTheForagerPlaySeatsOfARemoteMatchAsTheyPlayInProcess() throws Exception {
    double[] local;
    int[] red;
    int[] blue;
    try (VectorEnv env = LocalVectorEnv.create(WorldRegistry.builtIn(), "energy.s3", CONFIG, COPIES, SEED)) {
      SessionSpec spec = env.spec();
      int agents = spec.agents();
      int[] owner = new int[agents];
      for (int a = 0; a < agents; a++) {
        owner[a] = a % 2;
      }
      red = SeatPolicy.seatsOf(owner, 0);
      blue = SeatPolicy.seatsOf(owner, 1);
      try (ActorCritic net = new ActorCritic(SeatPolicy.seatSpec(spec, red), List.of(), 16, 4, 3)) {
        SeatPolicy router = new SeatPolicy(spec, owner,
            List.of(net, new ScriptedForager(SeatPolicy.seatSpec(spec, blue), 9)));
        local = new double[agents];
        int[] actions = new int[COPIES * agents * spec.actionDimensions()];
        StepBatch b = env.reset();
        for (int t = 0; t < STEPS; t++) {
          router.act(b, actions);
          b = env.step(actions);
          for (int i = 0; i < b.rewards().length; i++) {
            local[i % agents] += b.rewards()[i];
          }
        }
      }
    }
    double[] remote = new double[local.length];
    try (LoopbackServer server = LoopbackServer.start();
         KindredClient client = KindredClient.connect(server.address(),
             ClientOptions.builder().deadline(Duration.ofSeconds(60)).build())) {
      RemoteMatch match = client.createMatch("energy.s3", CONFIG, COPIES, SEED,
          MatchConfig.builder().seat("red", red).seat("blue", blue).build());
      ExecutorService threads = Executors.newFixedThreadPool(2);
      try (SeatEnv r = client.joinSeat(match.seat("red"));
           SeatEnv b = client.joinSeat(match.seat("blue"));
           ActorCritic net = new ActorCritic(r.spec(), List.of(), 16, 4, 3)) {
        Future<double[]> fr = threads.submit(() -> play(r, net));
        Future<double[]> fb = threads.submit(() -> play(b, new ScriptedForager(b.spec(), 9)));
        double[] sr = fr.get(120, TimeUnit.SECONDS);
        double[] sb = fb.get(120, TimeUnit.SECONDS);
        for (int j = 0; j < red.length; j++) {
          remote[red[j]] = sr[j];
        }
        for (int j = 0; j < blue.length; j++) {
          remote[blue[j]] = sb[j];
        }
      } finally {
        threads.shutdownNow();
        match.close();
      }
    }
    assertArrayEquals(local, remote, "rewards per agent, in process vs a remote match");
    double moved = 0;
    for (double x : local) {
      moved += Math.abs(x);
    }
    assertTrue(moved > 0, "the brains earned or paid something: the comparison is not of zeros");
  }

  /** Plays a seat for {@link #STEPS} steps; the seat's agents' summed rewards. */
  private static double[] play(SeatEnv env, BatchPolicy brain) {
    int k = env.agents();
    double[] sums = new double[k];
    int[] actions = new int[env.copies() * k * env.actionDimensions()];
    StepBatch b = env.reset();
    for (int t = 0; t < STEPS; t++) {
      brain.act(b, actions);
      b = env.step(actions);
      for (int i = 0; i < b.rewards().length; i++) {
        sums[i % k] += b.rewards()[i];
      }
    }
    return sums;
  }
}
