package dev.kindred.agents.ppo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.agents.nn.ActorCritic;
import dev.kindred.agents.nn.SplitMix;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.VectorEnv;
import dev.kindred.env.WorldRegistry;
import dev.kindred.local.LocalVectorEnv;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The self-play pool: the learner's seat is drawn per episode, snapshots run on their own rows
 * only, a snapshot that leaves the pool finishes the episodes it plays, and PFSP draws
 * snapshots in proportion to the square of how often they beat the learner.
 */
class SelfPlayTest {
  static final int COPIES = 8;
  static final int AGENTS = 3;

  TrainConfig cfg;
  VectorEnv env;
  ActorCritic policy;
  OpponentPool pool;

  @BeforeEach
  void setUp() {
    cfg = new TrainConfig();
    cfg.world = "spin.lattice";
    cfg.worldConfig = new java.util.LinkedHashMap<>(Map.of("width", 4, "height", 4, "controlled", List.of(0, 5, 10)));
    cfg.hidden = 8;
    cfg.selfplayFraction = 1.0;
    cfg.snapshotEvery = 1;
    cfg.poolSize = 2;
    env = LocalVectorEnv.create(WorldRegistry.builtIn(), cfg.world, cfg.worldConfig, COPIES, 1);
    SessionSpec spec = env.spec();
    policy = cfg.newPolicy(spec, 1);
    pool = new OpponentPool(cfg, spec, COPIES, AGENTS, 1, policy.logitCount(), policy.encoder().vectorSize(), 0);
  }

  @AfterEach
  void tearDown() {
    pool.close();
    policy.close();
    env.close();
  }

  @Test
  void theLearnersSeatIsDrawnUniformlyPerEpisodeAndOnlyItLearns() {
    pool.updated(policy, 1);
    SplitMix random = new SplitMix(3);
    int episodes = 6000;
    int[] seats = new int[AGENTS];
    for (int e = 0; e < episodes; e++) {
      int c = e % COPIES;
      pool.newEpisode(c, e, random);
      assertTrue(pool.againstSnapshot(c));
      int seat = pool.learnerSeat(c);
      seats[seat]++;
      for (int a = 0; a < AGENTS; a++) {
        assertEquals(a == seat, pool.learns(c * AGENTS + a), "only the learner's seat learns");
      }
    }
    double p = 1.0 / AGENTS;
    double sd = Math.sqrt(episodes * p * (1 - p));
    for (int a = 0; a < AGENTS; a++) {
      assertEquals(episodes * p, seats[a], 5 * sd, "seat " + a + " of " + Arrays.toString(seats));
    }
  }

  @Test
  void snapshotsRunOnTheirOwnRowsAndLeaveTheLearnersActionsAlone() {
    cfg.selfplayFraction = 0.5;
    pool.updated(policy, 1);
    pool.updated(policy, 2);
    SplitMix random = new SplitMix(9);
    int against = 0;
    for (int c = 0; c < COPIES; c++) {
      pool.newEpisode(c, c, random);
      against += pool.againstSnapshot(c) ? 1 : 0;
    }
    assertTrue(against > 0 && against < COPIES, "some copies against snapshots, some not: " + against);
    int rows = COPIES * AGENTS;
    float[] vec = new float[rows * policy.encoder().vectorSize()];
    for (int i = 0; i < vec.length; i++) {
      vec[i] = (float) random.nextDouble();
    }
    byte[] masks = new byte[rows * policy.logitCount()];
    Arrays.fill(masks, (byte) 1);
    int[] actions = new int[rows];
    Arrays.fill(actions, -7);
    pool.act(vec, 0, new float[0], 0, masks, 0, actions, random);
    assertEquals(against * (AGENTS - 1), pool.rowsForwarded(), "one pass over the snapshots' own rows");
    for (int r = 0; r < rows; r++) {
      assertEquals(pool.learns(r), actions[r] == -7, "row " + r + ": snapshots write exactly their rows");
    }
  }

  @Test
  void aSnapshotLeavingThePoolFinishesItsEpisodesAndIsFreedAfter() {
    cfg.poolSize = 1;
    pool.updated(policy, 1);
    SplitMix random = new SplitMix(4);
    for (int c = 0; c < COPIES; c++) {
      pool.newEpisode(c, 0, random);
    }
    OpponentPool.Snapshot first = pool.opponent(0);
    assertNotNull(first);
    pool.updated(policy, 2); // the first snapshot leaves the pool
    assertEquals(1, pool.size());
    for (int c = 0; c < COPIES; c++) {
      assertSame(first, pool.opponent(c), "mid-episode the seats stay with the snapshot that held them");
      assertFalse(pool.learns(c * AGENTS + (pool.learnerSeat(c) + 1) % AGENTS), "the learner does not take them over");
    }
    int rows = COPIES * AGENTS;
    byte[] masks = new byte[rows * policy.logitCount()];
    Arrays.fill(masks, (byte) 1);
    pool.act(new float[rows * policy.encoder().vectorSize()], 0, new float[0], 0, masks, 0, new int[rows], random);
    assertEquals(COPIES * (AGENTS - 1), pool.rowsForwarded(), "the retired snapshot still plays");
    for (int c = 0; c < COPIES; c++) {
      pool.newEpisode(c, 1, random);
      assertNotSame(first, pool.opponent(c));
    }
    assertEquals(0, first.users);
    assertTrue(first.policy.manager().isOpen() == false, "freed once its last episode ended");
  }

  @Test
  void copiesStartingOnTheSameStepMeetTheSameSnapshot() {
    cfg.poolSize = 5;
    for (int u = 1; u <= 5; u++) {
      pool.updated(policy, u);
    }
    SplitMix random = new SplitMix(12);
    java.util.Set<OpponentPool.Snapshot> met = new java.util.HashSet<>();
    for (long step = 0; step < 50; step++) {
      OpponentPool.Snapshot shared = null;
      for (int c = 0; c < COPIES; c++) {
        pool.newEpisode(c, step, random);
        if (shared == null) {
          shared = pool.opponent(c);
        }
        assertSame(shared, pool.opponent(c), "one snapshot per step's episode starts");
      }
      met.add(shared);
    }
    assertEquals(5, met.size(), "over many steps every snapshot is met");
  }

  @Test
  void pfspDrawsSnapshotsByTheSquareOfTheirWinRateAgainstTheLearner() {
    cfg.opponentSampling = "pfsp";
    pool.updated(policy, 1);
    pool.updated(policy, 2);
    List<OpponentPool.Snapshot> snaps = pool.snapshots();
    // Snapshot 1 beat the learner in 18 of 18 games, snapshot 2 in 0 of 18 (ties count half).
    double[] learnerWins = {0, 1};
    for (int g = 0; g < 18; g++) {
      for (int s = 0; s < 2; s++) {
        SplitMix force = new SplitMix(100 + g);
        long step = 1000L * g;
        do {
          pool.newEpisode(0, step++, force);
        } while (pool.opponent(0) != snaps.get(s));
        double[] returns = new double[AGENTS];
        Arrays.fill(returns, 0.5);
        returns[pool.learnerSeat(0)] = learnerWins[s];
        pool.episodeEnded(0, returns);
      }
    }
    assertEquals(19.0 / 20, snaps.get(0).beatRate(), 1e-12);
    assertEquals(1.0 / 20, snaps.get(1).beatRate(), 1e-12);
    double w0 = Math.pow(19.0 / 20, 2);
    double w1 = Math.pow(1.0 / 20, 2);
    double p = w0 / (w0 + w1);
    SplitMix random = new SplitMix(8);
    int draws = 20_000;
    int first = 0;
    for (int i = 0; i < draws; i++) {
      pool.newEpisode(1, 100_000 + i, random);
      first += pool.opponent(1) == snaps.get(0) ? 1 : 0;
    }
    assertEquals(draws * p, first, 5 * Math.sqrt(draws * p * (1 - p)), "PFSP weights p_i^2");
  }
}
