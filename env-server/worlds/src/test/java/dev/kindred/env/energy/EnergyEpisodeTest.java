package dev.kindred.env.energy;

import static dev.kindred.env.energy.EnergyKit.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.Autoreset;
import dev.kindred.env.BatchedEnv;
import dev.kindred.env.EpisodeSummary;
import dev.kindred.env.StepBatch;
import dev.kindred.env.WorldType;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Truncation, episode statistics and determinism. */
class EnergyEpisodeTest {

  @Test
  void episodesAreTruncatedAtMaxStepsWithTheirStats() {
    Env e = map("gAh", "max_steps", 5, "generator_cooldown", new int[] {0}, "move_cost", new int[] {1},
        "rotate_cost", new int[] {2}, "altar_cost", new int[] {50});
    e.only(0, ROTATE, LEFT);   // 1: spends 2
    e.only(0, USE, 0);         // 2: collects one crystal
    e.only(0, MOVE, 0);        // 3: fails
    e.only(0, ROTATE, RIGHT);  // 4: spends 2
    assertEquals(0, e.batch.truncated()[0]);
    assertTrue(e.batch.episodes().isEmpty());
    assertEquals(0.8f, e.global(0, Observer.G_PROGRESS), 1e-6);
    e.only(0, USE, 0);         // 5: a heart, spends 50; truncated
    assertEquals(1, e.batch.truncated()[0]);
    assertEquals(0, e.batch.terminated()[0]);
    EpisodeSummary s = e.batch.episodes().get(0);
    assertEquals(5, s.length());
    assertTrue(s.truncated());
    Map<String, Double> a = s.agentStats().get(0);
    assertEquals(1.0, a.get("hearts"));
    assertEquals(54.0, a.get("energy_spent"));
    assertEquals(1.0, a.get("resources_collected"));
    assertEquals(1.0, a.get("actions_failed"));
    assertEquals(1.0, s.stats().get("total_hearts"));
    assertEquals(1.0, s.returns()[0]);
    e.only(0, NOOP, 0);        // autoreset: a fresh episode
    assertEquals(1, e.batch.resetMask()[0]);
    assertEquals(0, e.view.step());
    assertEquals(250, e.view.energy(0));
    assertEquals(30, e.view.objectStock(0));
  }

  @Test
  void statsCountAttacksFreezesShieldsSwapsAndGifts() {
    Env e = map("AA", "max_steps", 6);
    e.step(ROTATE, RIGHT, ROTATE, LEFT);
    e.only(1, SHIELD, 0);
    e.only(0, ATTACK, 1);       // blocked
    e.only(1, SHIELD, 0);       // lowered
    e.only(0, ATTACK, 1);       // freezes
    e.only(0, GIVE, 0);         // ends the episode
    EpisodeSummary s = e.batch.episodes().get(0);
    Map<String, Double> a0 = s.agentStats().get(0);
    Map<String, Double> a1 = s.agentStats().get(1);
    assertEquals(2.0, a0.get("attacks"));
    assertEquals(1.0, a0.get("freezes"));
    assertEquals(1.0, a1.get("times_frozen"));
    assertEquals(1.0, a1.get("attacks_blocked"));
    assertEquals(1.0, a1.get("shields"));
    assertEquals(1.0, a0.get("gifts"));
    assertEquals(5.0, a0.get("energy_given"), "agent 1 had room for 5 only (250 - 5 damage)");
    assertEquals(2.0, s.stats().get("total_attacks"));
  }

  @Test
  void energyGivenIsSplitIntoKinAndNonKinFromTheGiversSide() {
    // Agent 1 in the middle shares in agent 0's reward (K[1][0] = 0.5), not in agent 2's; agent 2
    // shares in agent 1's, which does not make 1 its kin.
    List<List<Double>> k = List.of(List.of(1.0, 0.0, 0.0), List.of(0.5, 1.0, 0.0), List.of(0.0, 0.7, 1.0));
    Env e = map("AAA", "max_steps", 6, "kinship", "explicit", "kinship_matrix", k,
        "agent_initial_energy", new int[] {0, 100, 999}, "max_energy", 250, "give_energy", new int[] {10});
    assertEquals(0, e.view.energy(0), "agent_initial_energy sets each agent's start");
    assertEquals(100, e.view.energy(1));
    assertEquals(250, e.view.energy(2), "capped at max_energy");
    e.succeeds(1, ROTATE, LEFT);
    e.succeeds(1, GIVE, 0);                 // 10 to agent 0: kin
    e.succeeds(1, ROTATE, RIGHT);
    e.fails(1, GIVE, 0, "agent 2 is full");
    e.succeeds(2, ROTATE, LEFT);
    e.succeeds(2, GIVE, 0);                 // 10 to agent 1: kin of 2 (K[2][1] = 0.7)
    EpisodeSummary s = e.batch.episodes().get(0);
    Map<String, Double> a1 = s.agentStats().get(1);
    Map<String, Double> a2 = s.agentStats().get(2);
    assertEquals(10.0, a1.get("energy_given"));
    assertEquals(10.0, a1.get("energy_given_to_kin"));
    assertEquals(0.0, a1.get("energy_given_to_nonkin"));
    assertEquals(10.0, a2.get("energy_given_to_kin"), "K[2][1] = 0.7: agent 2 shares in agent 1's reward");
    assertEquals(20.0, s.stats().get("total_energy_given_to_kin"));
  }

  @Test
  void energyGivenToAgentsWhoseRewardTheGiverDoesNotShareIsNonKin() {
    Env e = map("AA", "max_steps", 3, "agent_initial_energy", new int[] {50, 0});
    e.succeeds(0, ROTATE, RIGHT);
    e.succeeds(0, GIVE, 0);
    e.succeeds(0, GIVE, 0);
    Map<String, Double> a0 = e.batch.episodes().get(0).agentStats().get(0);
    assertEquals(20.0, a0.get("energy_given_to_nonkin"), "selfish kinship: nobody is kin");
    assertEquals(0.0, a0.get("energy_given_to_kin"));
    assertEquals(30, e.view.energy(0), "the episode's last state, before the autoreset");
  }

  /** Steps an environment and returns a digest of every observation, reward and success byte. */
  static long[] run(WorldType type, Map<String, Object> cfg, int copies, long seed, long actionSeed, int steps) {
    EnergyWorld w = world(type, cfg, copies);
    BatchedEnv env = new BatchedEnv(w, Autoreset.NEXT_STEP, seed, List.of());
    StepBatch b = env.reset(null, null);
    SplittableRandom rng = new SplittableRandom(actionSeed);
    int agents = w.spec().numAgents();
    int[] actions = new int[copies * agents * 2];
    long[] digest = new long[steps + 1];
    digest[0] = digest(b);
    for (int t = 1; t <= steps; t++) {
      for (int i = 0; i < actions.length; i += 2) {
        actions[i] = rng.nextInt(ActionTable.COUNT);
        actions[i + 1] = rng.nextInt(ActionTable.ARGUMENTS);
      }
      b = env.step(actions);
      digest[t] = digest(b);
    }
    return digest;
  }

  static long digest(StepBatch b) {
    long h = 0;
    for (int i = 0; i < b.observationCount(); i++) {
      h = h * 31 + Arrays.hashCode(b.observation(i).array());
    }
    h = h * 31 + Arrays.hashCode(b.rewards());
    h = h * 31 + Arrays.hashCode(b.actionSuccess());
    return h * 31 + Arrays.hashCode(b.truncated());
  }

  @Test
  void sameSeedAndActionsGiveTheSameTrajectoryBitForBit() {
    Map<String, Object> cfg = cfg("kinship", "random", "groups", 5, "max_steps", 100,
        "move_cost", new int[] {0, 2}, "attack_cost", new int[] {1, 3}, "initial_energy", new int[] {50, 250},
        "generator_cooldown", new int[] {0, 3}, "altar_cost", new int[] {5, 30}, "converter_green", new int[] {0, 1});
    long[] a = run(new EnergyWorldType.S3(), cfg, 3, 42L, 7L, 400);
    long[] b = run(new EnergyWorldType.S3(), cfg, 3, 42L, 7L, 400);
    assertArrayEquals(a, b);
    long[] c = run(new EnergyWorldType.S3(), cfg, 3, 43L, 7L, 400);
    assertFalse(Arrays.equals(a, c), "another seed should give another trajectory");
    assertFalse(a[0] == c[0], "another seed should give another first observation");
  }

  @Test
  void sameSeedSameTrajectoryOnS1() {
    long[] a = run(new EnergyWorldType.S1(), Map.of(), 2, 5L, 1L, 200);
    long[] b = run(new EnergyWorldType.S1(), Map.of(), 2, 5L, 1L, 200);
    assertArrayEquals(a, b);
  }

  @Test
  void copiesAreIndependent() {
    // A copy's trajectory does not depend on how many copies run beside it.
    EnergyWorld one = world(new EnergyWorldType.S3(), Map.of(), 1);
    EnergyWorld three = world(new EnergyWorldType.S3(), Map.of(), 3);
    BatchedEnv e1 = new BatchedEnv(one, Autoreset.NEXT_STEP, 11L, List.of());
    BatchedEnv e3 = new BatchedEnv(three, Autoreset.NEXT_STEP, 11L, List.of());
    e1.reset(null, null);
    e3.reset(null, null);
    int block = 5 * Observer.CHANNELS * 121;
    assertArrayEquals(Arrays.copyOf(e1.batch().observation(0).array(), block),
        Arrays.copyOf(e3.batch().observation(0).array(), block));
    assertEquals(one.render(0), three.render(0));
  }
}
