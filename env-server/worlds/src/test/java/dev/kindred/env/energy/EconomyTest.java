package dev.kindred.env.energy;

import static dev.kindred.env.energy.EnergyKit.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.Autoreset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Sampled economies stay in range and are observed; bodies multiply costs. */
class EconomyTest {

  @Test
  void sampledValuesStayInRangeAndAppearInEveryAgentsGlobals() {
    Object[] kv = {"agents", 3, "move_cost", new int[] {0, 2}, "altar_cost", new int[] {50, 250},
        "attack_cost", new int[] {3, 10}, "freeze_duration", new int[] {5, 15}, "converter_energy", new int[] {60, 120},
        "initial_energy", new int[] {100, 200}};
    Set<Integer> altarCosts = new HashSet<>();
    for (long seed = 0; seed < 20; seed++) {
      Env e = new Env(world(ROOM, cfg(kv), 1), seed);
      for (int i = 0; i < Economy.SIZE; i++) {
        Economy.Item it = Economy.ITEMS.get(i);
        int v = e.view.economy(i);
        int lo = it.defaultMin();
        int hi = it.defaultMax();
        for (int k = 0; k < kv.length; k += 2) {
          if (kv[k].equals(it.key())) {
            lo = ((int[]) kv[k + 1])[0];
            hi = ((int[]) kv[k + 1])[1];
          }
        }
        assertTrue(v >= lo && v <= hi, it.key() + " = " + v + " outside [" + lo + ", " + hi + "]");
        for (int a = 0; a < 3; a++) {
          assertEquals((float) v, e.global(a, Observer.G_ECONOMY + i), it.key());
        }
      }
      assertEquals(e.view.economy(Economy.INITIAL_ENERGY), e.view.energy(0));
      altarCosts.add(e.view.economy(Economy.ALTAR_COST));
      // Still observed after steps, not only at reset.
      e.all(NOOP, 0);
      assertEquals((float) e.view.economy(Economy.ALTAR_COST), e.global(2, Observer.G_ECONOMY + Economy.ALTAR_COST));
    }
    assertTrue(altarCosts.size() > 5, "altar costs should vary with the seed: " + altarCosts);
  }

  @Test
  void fixedValuesMayBeGivenAsOneNumber() {
    Env e = new Env(world(ROOM, cfg("move_cost", new int[] {4}), 1), 3L);
    assertEquals(4, e.view.economy(Economy.MOVE_COST));
  }

  @Test
  void theEconomyIsResampledEveryEpisode() {
    Env e = new Env(world(ROOM, cfg("altar_cost", new int[] {0, 1000}, "max_steps", 1), 1), 9L, Autoreset.SAME_STEP);
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 10; i++) {
      seen.add(e.view.economy(Economy.ALTAR_COST));
      e.all(NOOP, 0);
    }
    assertTrue(seen.size() > 5, seen.toString());
  }

  @Test
  void bodyProfilesMultiplyCosts() {
    List<List<Double>> profiles = List.of(
        List.of(1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
        List.of(1.0, 2.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0));
    Env e = map("A....\nA....", "move_cost", new int[] {3}, "body_profiles", profiles);
    e.all(ROTATE, RIGHT);
    e.all(MOVE, 0);
    assertEquals(247, e.view.energy(0));
    assertEquals(242, e.view.energy(1), "round(3 x 2.5) = 8");
    assertEquals(2.5f, e.global(1, Observer.G_BODY + ActionTable.MOVE));
    assertEquals(1f, e.global(0, Observer.G_BODY + ActionTable.MOVE));

    Env swapped = map("A....\nA....", "move_cost", new int[] {3}, "body_profiles", profiles,
        "agent_bodies", List.of(1, 0));
    swapped.all(ROTATE, RIGHT);
    swapped.all(MOVE, 0);
    assertEquals(242, swapped.view.energy(0));
    assertEquals(247, swapped.view.energy(1));
  }
}
