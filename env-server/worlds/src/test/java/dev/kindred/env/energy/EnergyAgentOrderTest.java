package dev.kindred.env.energy;

import static dev.kindred.env.energy.EnergyKit.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** agent_order: a random permutation per step (the default) or index order. */
class EnergyAgentOrderTest {

  private static EnergyState state(Env e) {
    return (EnergyState) e.view;
  }

  @Test
  void randomOrderIsStillDeterministicForASeedAndActions() {
    // A crowded room, so that agents often reach for the same cell.
    Map<String, Object> config = cfg("agent_order", "random", "agents", 12, "width", 9, "height", 9, "walls", 0,
        "converters", 1, "green_generators", 2, "yellow_generators", 2, "max_steps", 80, "kinship", "teams",
        "groups", 2, "initial_energy", new int[] {20, 250}, "attack_cost", new int[] {0, 3});
    long[] a = EnergyEpisodeTest.run(ROOM, config, 3, 42L, 7L, 300);
    long[] b = EnergyEpisodeTest.run(ROOM, config, 3, 42L, 7L, 300);
    assertArrayEquals(a, b);
    Map<String, Object> index = new HashMap<>(config);
    index.put("agent_order", "index");
    long[] c = EnergyEpisodeTest.run(ROOM, index, 3, 42L, 7L, 300);
    assertEquals(a[0], c[0], "the order plays no part in a reset");
    assertFalse(Arrays.equals(a, c), "the order changes what happens when agents meet");
  }

  @Test
  void eachStepsOrderIsAUniformPermutation() {
    Env e = map("A.A.A", "max_steps", 100_000);
    int[] counts = new int[27];
    int steps = 6000;
    for (int t = 0; t < steps; t++) {
      e.all(NOOP, 0);
      int[] o = state(e).order;
      int[] sorted = o.clone();
      Arrays.sort(sorted);
      assertArrayEquals(new int[] {0, 1, 2}, sorted, "a permutation at step " + t);
      counts[o[0] * 9 + o[1] * 3 + o[2]]++;
    }
    // The 6 permutations, each with probability 1/6: 1000 +- 29 (one standard deviation).
    int seen = 0;
    for (int n : counts) {
      if (n > 0) {
        seen++;
        assertTrue(Math.abs(n - steps / 6) < 150, "counts by permutation " + Arrays.toString(counts));
      }
    }
    assertEquals(6, seen);

    Env s1 = new Env(world(new EnergyWorldType.S1(), cfg(), 1), 3L);
    int identity = 0;
    for (int t = 0; t < 50; t++) {
      s1.all(ROTATE, UP);
      int[] o = state(s1).order.clone();
      Arrays.sort(o);
      assertEquals(19, o[19]);
      assertEquals(0, o[0]);
      identity += Arrays.equals(state(s1).order, sorted(20)) ? 1 : 0;
    }
    assertTrue(identity < 2, "20 agents are almost never in index order");
  }

  @Test
  void theActionSpecSaysWhichOrder() {
    String random = world(ROOM, cfg(), 1).spec().actions().description();
    String index = world(ROOM, cfg("agent_order", "index"), 1).spec().actions().description();
    assertTrue(random.contains("uniformly random permutation") && random.contains("agent_order = random"), random);
    assertTrue(index.contains("in index order (agent_order = index)"), index);
  }

  @Test
  void indexOrderIsIndexOrder() {
    Env e = new Env(world(new EnergyWorldType.S1(), cfg("agent_order", "index"), 1), 3L);
    for (int t = 0; t < 20; t++) {
      e.all(MOVE, 0);
      assertArrayEquals(sorted(20), state(e).order);
    }
  }

  private static int[] sorted(int n) {
    int[] o = new int[n];
    Arrays.setAll(o, i -> i);
    return o;
  }

  /**
   * Agents 0 and 1 face each other across one empty cell and both move into it: whoever acts
   * first gets it. Then the winner steps back and they try again. Returns agent 0's wins.
   */
  private static int contest(String order, long seed, int rounds) {
    Map<String, Object> raw = cfg("map", "A.A", "agent_order", order, "max_steps", 2 * rounds + 1,
        "move_cost", new int[] {0}, "rotate_cost", new int[] {0});
    Env e = new Env(world(ROOM, raw, 1), seed);
    e.step(ROTATE, RIGHT, ROTATE, LEFT);
    int wins = 0;
    for (int r = 0; r < rounds; r++) {
      e.all(MOVE, 0);
      assertTrue(e.ok(0) ^ e.ok(1), "exactly one gets the cell");
      int winner = e.ok(0) ? 0 : 1;
      wins += 1 - winner;
      e.succeeds(winner, MOVE, 1, "the winner steps back");
    }
    return wins;
  }

  @Test
  void withRandomOrderEachAgentWinsAContestHalfTheTime() {
    int rounds = 1000;
    int total = 0;
    for (long seed = 1; seed <= 5; seed++) {
      int wins = contest("random", seed, rounds);
      // Binomial(1000, 1/2): 500 +- 15.8; allow 5 standard deviations.
      assertTrue(Math.abs(wins - rounds / 2) < 80, "seed " + seed + ": agent 0 won " + wins + " of " + rounds);
      total += wins;
    }
    assertTrue(Math.abs(total - 2500) < 180, "agent 0 won " + total + " of 5000"); // 5 x 35.4
  }

  @Test
  void withIndexOrderAgentZeroAlwaysWins() {
    assertEquals(300, contest("index", 1L, 300));
  }
}
