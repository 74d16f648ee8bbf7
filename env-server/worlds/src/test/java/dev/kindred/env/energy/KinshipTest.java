package dev.kindred.env.energy;

import static dev.kindred.env.energy.EnergyKit.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.EpisodeSummary;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reward sharing r' = K r, its presets, and what agents see of it. */
class KinshipTest {
  /** Eight agents in a column, each facing its own altar on the left. */
  private static final String ALTARS = "hA\nhA\nhA\nhA\nhA\nhA\nhA\nhA";

  private static Env altars(Object... kv) {
    Object[] all = new Object[kv.length + 4];
    all[0] = "altar_cost";
    all[1] = new int[] {10};
    all[2] = "altar_cooldown";
    all[3] = new int[] {0};
    System.arraycopy(kv, 0, all, 4, kv.length);
    Env e = map(ALTARS, all);
    e.all(ROTATE, LEFT);
    return e;
  }

  /** Agents in {@code users} use their altar (raw reward 1 each); checks r' = K r exactly. */
  private static void checkShare(Env e, double[][] k, int... users) {
    int n = e.agents;
    double[] raw = new double[n];
    int[] p = new int[2 * n];
    for (int u : users) {
      raw[u] = 1;
      p[2 * u] = USE;
    }
    e.step(p);
    for (int i = 0; i < n; i++) {
      double expected = 0;
      for (int j = 0; j < n; j++) {
        expected += k[i][j] * raw[j];
      }
      assertEquals(expected, e.reward(i), 1e-6, "agent " + i);
      assertEquals((float) k[i][i], e.view.kinship(i, i), 1e-7);
    }
  }

  private static double[][] matrix(int n, java.util.function.IntBinaryOperator tenths) {
    double[][] k = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        k[i][j] = tenths.applyAsInt(i, j) / 10.0;
      }
    }
    return k;
  }

  @Test
  void selfishIsTheIdentity() {
    Env e = altars();
    checkShare(e, matrix(8, (i, j) -> i == j ? 10 : 0), 1, 2, 6);
  }

  @Test
  void teamsShareWithinTheirGroup() {
    Env e = altars("kinship", "teams", "groups", 2, "team_share", 0.3);
    double[][] k = matrix(8, (i, j) -> i == j ? 10 : i / 4 == j / 4 ? 3 : 0);
    checkShare(e, k, 0, 1, 5);
    checkShare(e, k, 7);
    assertEquals(1, e.view.group(4));
    assertEquals(1f, e.global(5, Observer.G_GROUP));
    assertEquals(2, e.grid(4, Observer.AGENT_GROUP, 5, 5), "own group + 1 at the centre");
    assertEquals(1, e.grid(4, Observer.AGENT_GROUP, 4, 5), "agent 3 above is in group 0");
  }

  @Test
  void familiesHaveGradedRelatedness() {
    // Four families of two; families {0,1} and {2,3} are siblings.
    Env e = altars("kinship", "families", "groups", 4);
    double[][] k = new double[8][8];
    for (int i = 0; i < 8; i++) {
      for (int j = 0; j < 8; j++) {
        k[i][j] = i == j ? 1 : i / 2 == j / 2 ? 0.5 : i / 4 == j / 4 ? 0.25 : 0;
      }
    }
    checkShare(e, k, 0, 3, 4);
    assertEquals(0.5f, e.view.kinship(0, 1));
    assertEquals(0.25f, e.view.kinship(0, 2));
    assertEquals(0f, e.view.kinship(0, 4));
    // Agent 0 at (1,0) sees agent 1 one row below and agent 2 two rows below.
    assertEquals(Math.round(255 * 0.5), e.grid(0, Observer.AGENT_KINSHIP, 6, 5));
    assertEquals(Math.round(255 * 0.25), e.grid(0, Observer.AGENT_KINSHIP, 7, 5));
    assertEquals(0, e.grid(0, Observer.AGENT_KINSHIP, 9, 5));
    assertEquals(1, e.grid(0, Observer.AGENT, 9, 5));
  }

  @Test
  void explicitMatricesMayBeAsymmetric() {
    double[][] k = matrix(8, (i, j) -> i == j ? 10 : (3 * i + 7 * j) % 11 > 9 ? 0 : (3 * i + 7 * j) % 11);
    assertNotEquals(k[0][1], k[1][0]);
    List<List<Double>> rows = new ArrayList<>();
    for (double[] r : k) {
      rows.add(java.util.Arrays.stream(r).boxed().toList());
    }
    Env e = altars("kinship", "explicit", "kinship_matrix", rows);
    checkShare(e, k, 1);
    checkShare(e, k, 0, 2, 3, 7);
    checkShare(e, k, 0, 1, 2, 3, 4, 5, 6, 7);
    // Agent 1 sees agent 0 (one row up) with K[1][0]; agent 0 sees agent 1 with K[0][1].
    assertEquals(Math.round(255 * k[1][0]), e.grid(1, Observer.AGENT_KINSHIP, 4, 5));
    assertEquals(Math.round(255 * k[0][1]), e.grid(0, Observer.AGENT_KINSHIP, 6, 5));
  }

  @Test
  void randomKinshipIsSampledPerEpisodeInRange() {
    Env e = altars("kinship", "random", "kin_random_range", List.of(0.2, 0.6), "max_steps", 3);
    List<Float> seen = new ArrayList<>();
    for (int episode = 0; episode < 3; episode++) {
      double[][] k = new double[8][8];
      for (int i = 0; i < 8; i++) {
        for (int j = 0; j < 8; j++) {
          k[i][j] = e.view.kinship(i, j);
          if (i == j) {
            assertEquals(1.0, k[i][j]);
          } else {
            assertTrue(k[i][j] >= 0.2 - 1e-7 && k[i][j] <= 0.6 + 1e-7, "K[" + i + "][" + j + "] = " + k[i][j]);
          }
        }
      }
      seen.add(e.view.kinship(0, 1));
      checkShare(e, k, 2, 5);
      e.all(NOOP, 0); // step 3 (rotation was step 1): truncated
      assertEquals(1, e.batch.truncated()[0]);
      e.all(NOOP, 0); // autoreset
      e.all(ROTATE, LEFT);
    }
    assertTrue(seen.stream().distinct().count() > 1, "a new matrix every episode: " + seen);
  }

  @Test
  void episodeStatsCountRewardReceivedThroughKinship() {
    Env e = altars("kinship", "teams", "groups", 2, "team_share", 0.5, "max_steps", 2);
    e.only(0, USE, 0); // step 2: ends the episode
    EpisodeSummary s = e.batch.episodes().get(0);
    assertEquals(1.0, s.agentStats().get(0).get("hearts"));
    assertEquals(1.0, s.agentStats().get(0).get("raw_reward"));
    assertEquals(1.0, s.agentStats().get(0).get("reward"));
    assertEquals(0.0, s.agentStats().get(0).get("kin_reward"));
    assertEquals(0.5, s.agentStats().get(1).get("kin_reward"));
    assertEquals(0.5, s.agentStats().get(1).get("reward"));
    assertEquals(0.0, s.agentStats().get(4).get("kin_reward"));
    assertEquals(0.5, s.returns()[3], 1e-9);
    assertEquals(2.5, s.stats().get("total_reward"), 1e-9);
    assertEquals(1.5, s.stats().get("total_kin_reward"), 1e-9);
    assertEquals(10.0, s.agentStats().get(0).get("energy_spent"));
  }
}
