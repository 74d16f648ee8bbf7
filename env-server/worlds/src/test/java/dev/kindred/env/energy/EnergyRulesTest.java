package dev.kindred.env.energy;

import static dev.kindred.env.energy.EnergyKit.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Every rule of the world on tiny hand-made ASCII maps. */
class EnergyRulesTest {

  @Test
  void movingIntoAWallFailsAndChangesNothing() {
    Env e = map("###\n#A.\n###", "move_cost", new int[] {3});
    e.succeeds(0, ROTATE, LEFT);
    e.fails(0, MOVE, 0);
    assertEquals(1, e.view.agentX(0));
    assertEquals(250, e.view.energy(0), "a failed move costs nothing");
    assertEquals(0f, e.global(0, Observer.G_LAST_SUCCESS));
    assertEquals(MOVE, e.global(0, Observer.G_LAST_ACTION));
    // Backward is to the right: free cell.
    e.succeeds(0, MOVE, 1);
    assertEquals(2, e.view.agentX(0));
    assertEquals(247, e.view.energy(0));
    assertEquals(LEFT, e.view.orientation(0), "moving does not turn");
    // Off the map (no border here) fails too.
    e.fails(0, MOVE, 1);
    assertEquals(2, e.view.agentX(0));
  }

  @Test
  void argumentsOutsideAnActionsRangeFail() {
    Env e = map("A..");
    e.fails(0, ROTATE, 4);
    e.only(0, ROTATE, RIGHT);
    e.fails(0, MOVE, 2);
    assertEquals(0, e.view.agentX(0));
    e.succeeds(0, NOOP, 8, "noop ignores its argument");
  }

  @Test
  void agentsWithTooLittleEnergyCannotAct() {
    Env e = map("A..", "initial_energy", new int[] {2}, "move_cost", new int[] {3}, "rotate_cost", new int[] {2});
    e.succeeds(0, ROTATE, RIGHT);
    assertEquals(0, e.view.energy(0));
    e.fails(0, MOVE, 0);
    assertEquals(0, e.view.agentX(0));
    e.succeeds(0, NOOP, 0, "noop is free by default");
  }

  @Test
  void usingAConverterWithoutResourcesFails() {
    Env e = map("Ac", "initial_energy", new int[] {50});
    e.only(0, ROTATE, RIGHT);
    e.fails(0, USE, 0);
    assertEquals(50, e.view.energy(0));
  }

  @Test
  void generatorsAndConverterTurnCrystalsIntoEnergy() {
    Env e = map("gAy\n.c.", "initial_energy", new int[] {50}, "converter_energy", new int[] {30},
        "generator_cooldown", new int[] {0});
    e.only(0, ROTATE, LEFT);
    e.succeeds(0, USE, 0);
    assertEquals(1, e.view.inventory(0, 0));
    e.only(0, ROTATE, DOWN);
    e.fails(0, USE, 0, "a yellow crystal is missing");
    e.only(0, ROTATE, RIGHT);
    e.succeeds(0, USE, 0);
    assertEquals(1, e.view.inventory(0, 1));
    e.only(0, ROTATE, DOWN);
    e.succeeds(0, USE, 0);
    assertEquals(0, e.view.inventory(0, 0));
    assertEquals(0, e.view.inventory(0, 1));
    assertEquals(80, e.view.energy(0));
    assertEquals(0f, e.reward(0), "energy is not reward");
  }

  @Test
  void generatorCooldownStockAndInventoryLimit() {
    Env e = map("Ag", "generator_cooldown", new int[] {3}, "generator_stock", new int[] {2}, "max_inventory", 5);
    e.only(0, ROTATE, RIGHT); // step 1
    e.succeeds(0, USE, 0);    // step 2: ok
    assertEquals(1, e.view.objectStock(0));
    assertEquals(3, e.view.objectCooldown(0));
    assertEquals(3, e.grid(0, Observer.OBJECT_COOLDOWN, 5, 6));
    assertEquals(0, e.grid(0, Observer.OBJECT_READY, 5, 6));
    assertEquals(1, e.grid(0, Observer.GENERATOR_STOCK, 5, 6));
    for (int t = 3; t <= 5; t++) {
      e.fails(0, USE, 0, "cooling down at step " + t);
    }
    assertEquals(1, e.grid(0, Observer.OBJECT_READY, 5, 6));
    e.succeeds(0, USE, 0);    // step 6: ok again
    assertEquals(0, e.view.objectStock(0));
    assertEquals(2, e.view.inventory(0, 0));
    for (int t = 0; t < 10; t++) {
      e.fails(0, USE, 0, "depleted");
    }
    assertFalse(e.view.objectReady(0));

    Env full = map("Ag", "generator_cooldown", new int[] {0}, "max_inventory", 1);
    full.only(0, ROTATE, RIGHT);
    full.succeeds(0, USE, 0);
    full.fails(0, USE, 0, "no room left");
    assertEquals(29, full.view.objectStock(0));
  }

  @Test
  void converterCooldownHolds() {
    Env e = map("Ac", "initial_energy", new int[] {10}, "converter_green", new int[] {0},
        "converter_yellow", new int[] {0}, "converter_energy", new int[] {5}, "converter_cooldown", new int[] {1});
    e.only(0, ROTATE, RIGHT);
    e.succeeds(0, USE, 0);
    assertEquals(15, e.view.energy(0));
    e.fails(0, USE, 0);
    e.succeeds(0, USE, 0);
    assertEquals(20, e.view.energy(0));
  }

  @Test
  void theAltarCostsEnergyGivesRewardAndCoolsDown() {
    Env e = map("Ah", "altar_cost", new int[] {100}, "altar_cooldown", new int[] {2}, "use_cost", new int[] {1},
        "altar_reward", new int[] {3});
    e.only(0, ROTATE, RIGHT);            // step 1
    e.succeeds(0, USE, 0);               // step 2
    assertEquals(3f, e.reward(0));
    assertEquals(149, e.view.energy(0));
    assertEquals(3f, e.global(0, Observer.G_LAST_REWARD));
    e.fails(0, USE, 0);                  // step 3: cooling down
    assertEquals(0f, e.reward(0));
    e.fails(0, USE, 0);                  // step 4
    assertEquals(149, e.view.energy(0));
    e.succeeds(0, USE, 0);               // step 5
    assertEquals(48, e.view.energy(0));
    for (int i = 0; i < 4; i++) {
      e.fails(0, USE, 0, "48 energy cannot pay 1 + 100");
    }
    assertEquals(48, e.view.energy(0));
  }

  /** Map: agent 0 at (1,0) between a green generator and agent 1. */
  private static Env duel(Object... kv) {
    Object[] all = new Object[kv.length + 6];
    all[0] = "freeze_duration";
    all[1] = new int[] {3};
    all[2] = "attack_cost";
    all[3] = new int[] {4};
    all[4] = "generator_cooldown";
    all[5] = new int[] {0};
    System.arraycopy(kv, 0, all, 6, kv.length);
    Env e = map("gAA.", all);
    e.step(ROTATE, LEFT, ROTATE, LEFT);
    e.only(0, USE, 0);
    e.only(0, USE, 0);
    assertEquals(2, e.view.inventory(0, 0));
    return e;
  }

  @Test
  void anAttackFreezesAndSteals() {
    Env e = duel();
    e.fails(1, ATTACK, 0);                // step 4: left of the cell in front is off... nobody there
    assertEquals(250, e.view.energy(1));
    e.succeeds(1, ATTACK, 1);             // step 5: the cell just in front
    assertEquals(246, e.view.energy(1));
    assertEquals(3, e.view.frozenTicks(0));
    assertEquals(0, e.view.inventory(0, 0));
    assertEquals(2, e.view.inventory(1, 0));
    assertEquals(3, e.grid(1, Observer.AGENT_FROZEN, 5, 4));
    assertEquals(3f, e.global(0, Observer.G_FROZEN));
    for (int t = 6; t <= 8; t++) {
      e.step(ROTATE, RIGHT, ATTACK, 1);
      assertFalse(e.ok(0), "frozen at step " + t);
      assertFalse(e.ok(1), "a frozen agent cannot be attacked again");
      assertEquals(LEFT, e.view.orientation(0));
    }
    e.succeeds(0, ROTATE, RIGHT);         // step 9: free again
  }

  @Test
  void attackTargetsTheThreeByThreeBlockAhead() {
    // Attacker 0 at (1,3) facing up; target 1 at (2,1): two ahead, one to the right.
    Env e = map("....\n..A.\n....\n.A..");
    assertEquals(1, e.view.agentX(1));
    assertEquals(3, e.view.agentY(1));
    // Agent 0 in reading order is at (2,1): the target. Agent 1 attacks.
    e.only(1, ROTATE, UP);
    e.fails(1, ATTACK, 3);                // distance 2, lateral -1: (0,1)
    e.fails(1, ATTACK, 1);                // distance 1, centre: (1,2)
    e.succeeds(1, ATTACK, 5);             // distance 2, lateral +1: (2,1)
    assertTrue(e.view.frozenTicks(0) > 0);
  }

  @Test
  void aShieldBlocksAttacksAndDrainsUpkeepEveryTick() {
    Env e = duel("shield_cost", new int[] {1}, "shield_upkeep", new int[] {2}, "attack_damage", new int[] {7});
    e.succeeds(0, SHIELD, 0);             // step 4: 250 - 1 - 2
    assertTrue(e.view.shielded(0));
    assertEquals(247, e.view.energy(0));
    assertEquals(1, e.grid(1, Observer.AGENT_SHIELD, 5, 4));
    e.only(0, NOOP, 0);
    assertEquals(245, e.view.energy(0));
    e.succeeds(1, ATTACK, 1);             // blocked: loses 7 and upkeep 2, not frozen, keeps crystals
    assertEquals(236, e.view.energy(0));
    assertEquals(0, e.view.frozenTicks(0));
    assertEquals(2, e.view.inventory(0, 0));
    assertEquals(0, e.view.inventory(1, 0));
    e.only(0, SHIELD, 0);                 // lower it: 236 - 1, no upkeep
    assertFalse(e.view.shielded(0));
    assertEquals(235, e.view.energy(0));
    e.only(0, NOOP, 0);
    assertEquals(235, e.view.energy(0));

    Env poor = map("A", "initial_energy", new int[] {5}, "shield_upkeep", new int[] {2});
    poor.only(0, SHIELD, 0);              // 5 -> 3
    poor.only(0, NOOP, 0);                // 3 -> 1
    assertTrue(poor.view.shielded(0));
    poor.only(0, NOOP, 0);                // cannot pay: the shield drops
    assertFalse(poor.view.shielded(0));
    assertEquals(1, poor.view.energy(0));
  }

  @Test
  void swapOnlyWithAFrozenAgent() {
    Env e = duel();
    e.fails(1, SWAP, 0, "agent 0 is not frozen");
    e.only(1, ATTACK, 1);
    e.succeeds(1, SWAP, 0);
    assertEquals(2, e.view.agentX(0));
    assertEquals(1, e.view.agentX(1));
    assertEquals(CellKind.AGENT, e.view.cell(1, 0));
    assertEquals(1, e.view.agentAt(1, 0));
    assertEquals(0, e.view.agentAt(2, 0));
  }

  @Test
  void giveMovesEnergyAndCrystals() {
    Env e = duel("give_energy", new int[] {20}, "give_cost", new int[] {1}, "initial_energy", new int[] {200});
    e.succeeds(1, GIVE, 0);               // agent 1 gives 20 energy to agent 0 and pays 1
    assertEquals(179, e.view.energy(1));
    assertEquals(220, e.view.energy(0));
    e.fails(1, GIVE, 1, "no green crystal to give");
    e.step(ROTATE, RIGHT, NOOP, 0);
    e.succeeds(0, GIVE, 1);
    assertEquals(1, e.view.inventory(0, 0));
    assertEquals(1, e.view.inventory(1, 0));
    e.only(0, GIVE, 0);                   // 20 energy; agent 1 has room for 71
    assertEquals(199, e.view.energy(1));
    e.fails(0, GIVE, 3);
    e.only(0, ROTATE, LEFT);
    e.fails(0, GIVE, 0, "a generator is not an agent");
  }
}
