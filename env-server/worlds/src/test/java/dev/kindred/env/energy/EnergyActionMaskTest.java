package dev.kindred.env.energy;

import static dev.kindred.env.energy.EnergyKit.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.ActionSpec;
import dev.kindred.env.Autoreset;
import dev.kindred.env.BatchedEnv;
import dev.kindred.env.DType;
import dev.kindred.env.Scope;
import dev.kindred.env.StepBatch;
import dev.kindred.env.TensorSpec;
import dev.kindred.env.WorldType;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The valid [action, argument] pairs of the spec and the {@code action_mask} observation: the
 * fast writer against a readable reference, and the mask against what actions then do.
 */
class EnergyActionMaskTest {

  private static final int PAIRS = ActionTable.PAIRS;
  private static final int ARGS = ActionTable.ARGUMENTS;

  @Test
  void theSpecListsTheTwentyTwoCanonicalPairsAndNamesTheMask() {
    EnergyWorld w = world(new EnergyWorldType.S3(), cfg(), 1);
    ActionSpec actions = w.spec().actions();
    List<List<Integer>> expected = new ArrayList<>();
    int[] defined = {1, 2, 4, 1, 9, 1, 1, 3}; // noop, move, rotate, use, attack, shield, swap, give
    for (int k = 0; k < defined.length; k++) {
      for (int arg = 0; arg < defined[k]; arg++) {
        expected.add(List.of(k, arg));
      }
    }
    assertEquals(22, expected.size());
    assertEquals(expected, actions.validCombinations());
    assertEquals(PAIRS, actions.combinations());
    assertEquals("action_mask", actions.maskObservation());
    assertTrue(actions.description().contains("22 canonical pairs"), actions.description());
    TensorSpec mask = w.spec().observations().get(2);
    assertEquals("action_mask", mask.name());
    assertEquals(DType.UINT8, mask.dtype());
    assertEquals(Scope.AGENT, mask.scope());
    assertArrayEquals(new int[] {72}, mask.shape());
    assertEquals(0.0, mask.low());
    assertEquals(1.0, mask.high());
    assertEquals(PAIRS, mask.features().size());
    assertEquals("move.1", mask.features().get(actions.flatIndex(MOVE, 1)).name());
    assertEquals(ActionTable.GIVE * ARGS + 2, actions.flatIndex(GIVE, 2));
    for (int i = 0; i < PAIRS; i++) {
      assertEquals(i, mask.features().get(i).index());
    }
  }

  /** The readable mask of {@code agent}: what it can do next step, from the state alone. */
  static byte[] referenceMask(EnergyState s, int agent) {
    byte[] m = new byte[PAIRS];
    boolean any = false;
    for (EnergyAction a : ActionTable.TABLE) {
      boolean can = s.frozenTicks(agent) == 0 && s.energy(agent) >= s.cost[agent * ActionTable.COUNT + a.id];
      for (int arg = 0; arg < a.arguments && can; arg++) {
        m[a.id * ARGS + arg] = 1;
        any = true;
      }
    }
    if (!any) {
      m[0] = 1;
    }
    return m;
  }

  /** The canonical pair standing for (action, argument): argument 0 for actions that ignore it. */
  private static int canonical(int action, int argument) {
    return action * ARGS + (ActionTable.TABLE[action].ignoresArgument ? 0 : argument);
  }

  /** What one trajectory saw. */
  private record Counts(int steps, int masked, int fallbacks, int frozen, int converse) {}

  /**
   * Steps {@code copies} copies with random actions, half of them drawn among the masked pairs
   * and half among all 72, and checks every step: the mask equals the reference; an agent whose
   * (canonical) pair is masked out fails, unless an agent acting earlier gave it energy (a
   * successful give of energy in the same copy and step); in a world of one agent, noop, rotate
   * and shield succeed whenever they are masked in and affordable (they do not depend on where
   * the agent stands).
   */
  private static Counts run(WorldType type, Map<String, Object> config, int copies, long seed, int steps) {
    EnergyWorld w = world(type, config, copies);
    BatchedEnv env = new BatchedEnv(w, Autoreset.NEXT_STEP, seed, List.of());
    StepBatch b = env.reset(null, null);
    int agents = w.spec().numAgents();
    SplittableRandom rng = new SplittableRandom(seed * 31 + 7);
    int[] actions = new int[copies * agents * 2];
    byte[] before = new byte[copies * agents * PAIRS];
    int[] energyBefore = new int[copies * agents];
    int[] costBefore = new int[copies * agents];
    boolean[] frozenBefore = new boolean[copies * agents];
    int masked = 0;
    int fallbacks = 0;
    int frozen = 0;
    int converse = 0;
    for (int t = 0; t <= steps; t++) {
      ByteBuffer mask = b.observation("action_mask");
      for (int c = 0; c < copies; c++) {
        EnergyState s = (EnergyState) w.view(c);
        for (int a = 0; a < agents; a++) {
          int i = c * agents + a;
          byte[] fast = new byte[PAIRS];
          mask.get(i * PAIRS, fast);
          assertArrayEquals(referenceMask(s, a), fast, "step " + t + ", copy " + c + ", agent " + a);
          if (s.frozenTicks(a) > 0) {
            frozen++;
          }
          int set = 0;
          for (byte v : fast) {
            set += v;
          }
          if (set == 1 && fast[0] == 1 && s.energy(a) < s.cost[a * ActionTable.COUNT]) {
            fallbacks++;
          }
        }
      }
      if (t == steps) {
        break;
      }
      mask.get(0, before);
      for (int i = 0; i < copies * agents; i++) {
        if (rng.nextBoolean()) {
          List<Integer> choices = new ArrayList<>();
          for (int p = 0; p < PAIRS; p++) {
            if (before[i * PAIRS + p] == 1) {
              choices.add(p);
            }
          }
          int p = choices.get(rng.nextInt(choices.size()));
          actions[2 * i] = p / ARGS;
          actions[2 * i + 1] = p % ARGS;
        } else {
          actions[2 * i] = rng.nextInt(ActionTable.COUNT);
          actions[2 * i + 1] = rng.nextInt(ARGS);
        }
        EnergyState s = (EnergyState) w.view(i / agents);
        energyBefore[i] = s.energy(i % agents);
        frozenBefore[i] = s.frozenTicks(i % agents) > 0;
        costBefore[i] = s.cost[(i % agents) * ActionTable.COUNT + actions[2 * i]];
      }
      b = env.step(actions);
      for (int c = 0; c < copies; c++) {
        if (b.resetMask()[c] == 1) {
          continue; // this step reset the copy; its actions were ignored
        }
        boolean gift = false;
        for (int a = 0; a < agents; a++) {
          int i = c * agents + a;
          gift |= actions[2 * i] == GIVE && actions[2 * i + 1] == 0 && b.actionSuccess()[i] == 1;
        }
        for (int a = 0; a < agents; a++) {
          int i = c * agents + a;
          int action = actions[2 * i];
          int argument = actions[2 * i + 1];
          int pair = canonical(action, argument);
          boolean definedArgument = argument < ActionTable.TABLE[action].arguments
              || ActionTable.TABLE[action].ignoresArgument;
          boolean ok = b.actionSuccess()[i] == 1;
          if (before[i * PAIRS + pair] == 0 || !definedArgument) {
            masked++;
            boolean lackedOnlyEnergy = definedArgument && !frozenBefore[i] && energyBefore[i] < costBefore[i];
            assertTrue(!ok || (gift && lackedOnlyEnergy), "step " + (t + 1) + ", copy " + c + ", agent " + a
                + ": masked-out [" + action + ", " + argument + "] succeeded");
          } else if (agents == 1 && energyBefore[i] >= costBefore[i]
              && (action == NOOP || action == ROTATE || action == SHIELD)) {
            converse++;
            assertTrue(ok, "step " + (t + 1) + ": masked-in, affordable [" + action + ", " + argument + "] failed");
          }
        }
      }
    }
    return new Counts(steps, masked, fallbacks, frozen, converse);
  }

  /** A lean economy: agents run out of energy, freezes are long, costs differ by body. */
  private static Map<String, Object> poor(String order, Object... kv) {
    Map<String, Object> c = cfg("agent_order", order, "initial_energy", new int[] {0, 40},
        "noop_cost", new int[] {0, 2}, "move_cost", new int[] {0, 6}, "rotate_cost", new int[] {0, 3},
        "use_cost", new int[] {0, 4}, "attack_cost", new int[] {0, 15}, "shield_cost", new int[] {0, 5},
        "swap_cost", new int[] {0, 5}, "give_cost", new int[] {0, 5}, "give_energy", new int[] {1, 30},
        "shield_upkeep", new int[] {0, 3}, "freeze_duration", new int[] {1, 40}, "converter_energy", new int[] {5, 60},
        "generator_cooldown", new int[] {0, 3}, "max_steps", 150,
        "body_profiles", List.of(List.of(1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
            List.of(0.5, 2.0, 0.0, 1.5, 3.0, 0.5, 1.0, 2.5)));
    c.putAll(cfg(kv));
    return c;
  }

  @ParameterizedTest(name = "agent_order {0}")
  @ValueSource(strings = {"index", "random"})
  void aMaskedOutPairFailsInEveryWorld(String order) {
    Counts room = run(ROOM, cfg("agent_order", order, "agents", 8, "width", 14, "height", 12, "walls", 4,
        "max_steps", 200), 2, 1L, 600);
    Counts altar = run(new EnergyWorldType.AltarOnly(), cfg("agent_order", order, "max_steps", 300), 2, 2L, 600);
    Counts s3 = run(new EnergyWorldType.S3(), poor(order), 3, 3L, 900);
    Counts crowd = run(ROOM, poor(order, "agents", 12, "width", 9, "height", 9, "walls", 0, "altars", 1,
        "converters", 2, "green_generators", 2, "yellow_generators", 2, "kinship", "teams", "groups", 3), 2, 4L, 900);
    for (Counts c : List.of(room, altar, s3, crowd)) {
      assertTrue(c.masked() > 100, "the trajectories try masked-out pairs: " + c);
    }
    assertTrue(s3.fallbacks() + crowd.fallbacks() > 0, "some agents end up too poor for anything: " + s3 + crowd);
    assertTrue(s3.frozen() + crowd.frozen() > 0, "some agents are frozen: " + s3 + crowd);
  }

  @ParameterizedTest(name = "agent_order {0}")
  @ValueSource(strings = {"index", "random"})
  void aloneTheMaskIsExactForActionsThatDoNotDependOnThePlace(String order) {
    Counts plain = run(new EnergyWorldType.Alone(), cfg("agent_order", order, "max_steps", 100), 2, 5L, 500);
    Counts lean = run(new EnergyWorldType.Alone(), poor(order), 2, 6L, 900);
    assertTrue(plain.converse() > 100 && lean.converse() > 100, plain + " " + lean);
    assertTrue(lean.fallbacks() > 0, "the lone agent runs out of energy: " + lean);
  }

  @Test
  void aFrozenAgentsMaskIsNoopAlone() {
    // Agent 1 (right) freezes agent 0 for 3 steps.
    Env e = map("AA", "freeze_duration", new int[] {3}, "agent_order", "index");
    e.step(ROTATE, LEFT, ROTATE, LEFT);
    byte[] free = mask(e, 0);
    assertEquals(22, sum(free), "free and rich: every canonical pair");
    e.succeeds(1, ATTACK, 1);
    for (int t = 0; t < 3; t++) {
      byte[] m = mask(e, 0);
      assertEquals(1, m[0], "noop stays as the one choice");
      assertEquals(1, sum(m), "frozen: nothing else, " + (3 - t) + " ticks left");
      e.only(1, NOOP, 0);
    }
    assertArrayEquals(free, mask(e, 0), "free again");
  }

  @Test
  void aPoorAgentsMaskHoldsWhatItCanPay() {
    Env e = map("A.", "initial_energy", new int[] {6}, "move_cost", new int[] {3}, "rotate_cost", new int[] {2},
        "attack_cost", new int[] {5}, "noop_cost", new int[] {1}, "shield_cost", new int[] {9});
    e.succeeds(0, ROTATE, RIGHT); // 6 - 2 = 4 left
    byte[] m = mask(e, 0);
    assertEquals(1 + 2 + 4 + 1 + 1 + 3, sum(m), "all but attack and shield");
    assertEquals(1, m[NOOP * ARGS]);
    assertEquals(1, m[MOVE * ARGS + 1]);
    assertEquals(0, m[MOVE * ARGS + 2], "move defines arguments 0 and 1 only");
    assertEquals(1, m[ROTATE * ARGS + 3]);
    assertEquals(0, m[ATTACK * ARGS], "attack costs 5");
    assertEquals(0, m[SHIELD * ARGS], "shield costs 9");
    assertEquals(0, m[NOOP * ARGS + 1], "noop ignores its argument: only argument 0 is listed");
    e.succeeds(0, MOVE, 0);      // 4 - 3 = 1 left
    m = mask(e, 0);
    assertEquals(1 + 1 + 1 + 3, sum(m), "noop (1), and the free use, swap and give: " + java.util.Arrays.toString(m));
    e.succeeds(0, NOOP, 0);      // 0 left: only the free actions
    m = mask(e, 0);
    assertEquals(0, m[NOOP * ARGS]);
    assertEquals(1, m[USE * ARGS]);
    assertEquals(1, m[GIVE * ARGS + 2]);
  }

  @Test
  void tooPoorForAnythingLeavesNoop() {
    Env e = map("A.", "initial_energy", new int[] {1}, "noop_cost", new int[] {2}, "move_cost", new int[] {2},
        "rotate_cost", new int[] {2}, "use_cost", new int[] {2}, "attack_cost", new int[] {2}, "shield_cost",
        new int[] {2}, "swap_cost", new int[] {2}, "give_cost", new int[] {2});
    byte[] m = mask(e, 0);
    assertEquals(1, sum(m));
    assertEquals(1, m[0]);
    e.fails(0, NOOP, 0, "the fallback noop itself cannot be paid");
  }

  @Test
  void theMaskIsTheSameWhateverElseIsRequested() {
    Map<String, Object> config = poor("random", "max_steps", 60);
    int copies = 2;
    List<List<String>> subsets = List.of(List.of(), List.of("action_mask"), List.of("globals", "action_mask"),
        List.of("grid", "action_mask"));
    List<BatchedEnv> envs = new ArrayList<>();
    for (List<String> subset : subsets) {
      envs.add(new BatchedEnv(world(new EnergyWorldType.S3(), config, copies), Autoreset.NEXT_STEP, 9L, subset));
    }
    List<StepBatch> batches = new ArrayList<>();
    for (BatchedEnv env : envs) {
      batches.add(env.reset(null, null));
    }
    assertEquals(1, batches.get(1).observationCount());
    SplittableRandom rng = new SplittableRandom(10);
    int[] actions = new int[copies * 5 * 2];
    for (int t = 0; t <= 200; t++) {
      if (t > 0) {
        for (int i = 0; i < actions.length; i += 2) {
          actions[i] = rng.nextInt(ActionTable.COUNT);
          actions[i + 1] = rng.nextInt(ARGS);
        }
        batches.clear();
        for (BatchedEnv env : envs) {
          batches.add(env.step(actions));
        }
      }
      byte[] all = batches.get(0).observation("action_mask").array();
      for (int k = 1; k < batches.size(); k++) {
        assertArrayEquals(all, batches.get(k).observation("action_mask").array(), "step " + t + ", " + subsets.get(k));
      }
    }
  }

  private static byte[] mask(Env e, int agent) {
    byte[] m = new byte[PAIRS];
    e.batch.observation("action_mask").get(agent * PAIRS, m);
    return m;
  }

  private static int sum(byte[] m) {
    int n = 0;
    for (byte v : m) {
      n += v;
    }
    return n;
  }
}
