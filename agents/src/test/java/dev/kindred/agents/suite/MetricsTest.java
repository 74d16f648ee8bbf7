package dev.kindred.agents.suite;

import static dev.kindred.agents.suite.SuiteKit.file;
import static dev.kindred.agents.suite.SuiteKit.once;
import static dev.kindred.agents.suite.SuiteKit.play;
import static dev.kindred.agents.suite.SuiteKit.script;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every metric kind against a case computed by hand. */
class MetricsTest {
  @TempDir
  Path dir;

  static double[] repeat(double v, int n) {
    double[] a = new double[n];
    java.util.Arrays.fill(a, v);
    return a;
  }

  @Test
  void aWalkerRoundTheWallsOfAnEmptyRoomVisitsItsSixteenEdgeCells() throws Exception {
    // 5x5 free cells; from the top-left corner: right 4, down 4, left 4, up 4 = the 16 edge cells, 16 moves.
    Path f = file(dir, "walk", """
        {'description': 'a walk round the room', 'world': 'energy.room',
         'world_config': {'map': ['#######', '#A....#', '#.....#', '#.....#', '#.....#', '#.....#', '#######'],
                          'max_steps': 40},
         'episodes': 3,
         'metrics': [
           {'name': 'cells', 'kind': 'cells_visited', 'description': 'cells'},
           {'name': 'coverage', 'kind': 'cells_visited', 'fraction_of_free_cells': true, 'description': 'of 25'},
           {'name': 'per_cell', 'kind': 'ratio', 'numerator': {'kind': 'stat', 'stat': 'energy_spent'},
            'denominator': {'kind': 'cells_visited'}, 'description': 'energy per cell'}]}
        """);
    TestWorld.Result r = play(f, script("rotate 1", "move", "move", "move", "move", "rotate 2", "move", "move", "move",
        "move", "rotate 3", "move", "move", "move", "move", "rotate 0", "move", "move", "move", "move"), 2, 5);
    assertArrayEquals(repeat(16, 3), r.metric("cells").values(), "twice round in 40 steps: still 16 cells");
    assertEquals(16.0 / 25, r.metric("coverage").mean(), 1e-12);
    assertEquals(32.0 / 16, r.metric("per_cell").mean(), 1e-12, "32 moves at 1 energy each, 16 cells");
    assertEquals(0.0, r.metric("cells").ci95(), "the same in every episode");
    assertEquals(3, r.metric("cells").n());
  }

  @Test
  void backwardMovesAndMovesIntoWallsAreFollowed() throws Exception {
    Path f = file(dir, "back", """
        {'description': 'backwards', 'world': 'energy.room',
         'world_config': {'map': ['#######', '#.....#', '#..A..#', '#######'], 'max_steps': 6},
         'episodes': 2,
         'metrics': [{'name': 'cells', 'kind': 'cells_visited', 'description': 'cells'}]}
        """);
    // Facing right, back twice (to the left wall), back once more into it (fails), forward three times.
    TestWorld.Result r = play(f, script("rotate 1", "move 1", "move 1", "move 1", "move 0", "move 0"), 1, 3);
    assertArrayEquals(new double[] {3, 3}, r.metric("cells").values(), "x = 3, 2, 1, then back over 2 and 3");
    r = play(f, script("rotate 1", "move 1", "move 1", "move 1", "move 0", "move 0", "move 0"), 1, 3);
    assertArrayEquals(new double[] {3, 3}, r.metric("cells").values(), "the 7th entry comes after the episode's end");
  }

  @Test
  void stepsToTheAltarHeartsAndEnergyAreCountedStepByStep() throws Exception {
    // Turn right, 2 moves (1 energy each), use the altar at step 4 (a heart, 100 energy); moves into the altar
    // fail; the second use at step 8 (cooldown 2 is over): a heart, 48 energy left; the third at 12 fails (48 < 100).
    Path f = file(dir, "altar", """
        {'description': 'to the altar', 'world': 'energy.room',
         'world_config': {'map': ['#######', '#A..h.#', '#######'], 'max_steps': 12},
         'episodes': 4,
         'metrics': [
           {'name': 'steps_to_altar', 'kind': 'first_step', 'when': {'reward_above': 0}, 'description': 'heart'},
           {'name': 'first_use', 'kind': 'first_step', 'when': {'action': 'use'}, 'description': 'use'},
           {'name': 'hearts', 'kind': 'stat', 'stat': 'hearts', 'description': 'hearts'},
           {'name': 'spent', 'kind': 'stat', 'stat': ['energy_spent', 'hearts'], 'description': 'a sum'},
           {'name': 'low', 'kind': 'first_step', 'when': {'feature': 'globals.energy', 'below': 100},
            'description': 'energy below 100'},
           {'name': 'low_steps', 'kind': 'fraction_of_steps',
            'when': {'feature': 'globals.energy', 'below': 'globals.economy.altar_cost'}, 'description': 'fraction'},
           {'name': 'moving', 'kind': 'fraction_of_steps', 'when': {'action': 'move'}, 'description': 'moves'}]}
        """);
    TestWorld.Result r = play(f, script("rotate 1", "move", "move", "use"), 2, 9);
    assertArrayEquals(repeat(4, 4), r.metric("steps_to_altar").values());
    assertEquals(1.0, r.metric("steps_to_altar").occurred());
    assertEquals(4.0, r.metric("first_use").mean());
    assertEquals(2.0, r.metric("hearts").mean());
    assertEquals(202.0 + 2, r.metric("spent").mean(), "2 moves + 2 hearts of 100 energy, plus the 2 hearts");
    assertEquals(8.0, r.metric("low").mean());
    assertEquals(5.0 / 12, r.metric("low_steps").mean(), 1e-12, "steps 8 to 12 end below the altar's cost");
    assertEquals(2.0 / 12, r.metric("moving").mean(), 1e-12, "only the first two moves succeed");
  }

  @Test
  void anEventThatNeverHappensCountsAsTheEpisodesLengthAndAZeroDenominatorIsLeftOut() throws Exception {
    Path f = file(dir, "never", """
        {'description': 'nothing happens', 'world': 'energy.room',
         'world_config': {'map': ['#######', '#A..h.#', '#######'], 'max_steps': 12},
         'episodes': 3,
         'metrics': [
           {'name': 'steps_to_altar', 'kind': 'first_step', 'when': {'reward_above': 0}, 'description': 'heart'},
           {'name': 'share', 'kind': 'ratio', 'numerator': {'kind': 'stat', 'stat': 'energy_given_to_kin'},
            'denominator': {'kind': 'stat', 'stat': 'energy_given'}, 'description': 'undefined'},
           {'name': 'poor', 'kind': 'first_step', 'when': {'feature': 'globals.energy', 'below': 1000},
            'description': 'true at once'}]}
        """);
    TestWorld.Result r = play(f, Brain.builtIn("noop"), 3, 1);
    assertArrayEquals(repeat(12, 3), r.metric("steps_to_altar").values(), "censored at the episode's 12 steps");
    assertEquals(0.0, r.metric("steps_to_altar").occurred());
    assertEquals(0, r.metric("share").n());
    assertTrue(Double.isNaN(r.metric("share").mean()));
    assertEquals(0.0, r.metric("poor").mean(), "a feature condition already true on the first observation: step 0");
  }

  @Test
  void shieldUseUnderAScriptedAttacker() throws Exception {
    // The attacker (seat 0) turns down and attacks the cell in front every 4 steps: steps 2, 6, 10, ...
    String test = """
        {'description': 'under attack', 'world': 'energy.room',
         'world_config': {'map': ['#####', '#.A.#', '##A##', '#####'], 'max_steps': 30},
         'episodes': 2, 'focal': [1],
         'others': [{'seats': [0], 'script': ['rotate 2', 'attack 1', 'noop', 'noop']}],
         'metrics': [
           {'name': 'blocked', 'kind': 'ratio', 'numerator': {'kind': 'stat', 'stat': 'attacks_blocked'},
            'denominator': {'kind': 'stat', 'stat': ['attacks_blocked', 'times_frozen']}, 'description': 'b'},
           {'name': 'frozen', 'kind': 'stat', 'stat': 'times_frozen', 'description': 'f'},
           {'name': 'shielded', 'kind': 'fraction_of_steps', 'when': {'feature': 'globals.shield', 'above': 0.5},
            'description': 's'}]}
        """;
    Path f = file(dir, "attack", test);
    // Unshielded: hit at 2 (frozen to 12), at 14 (to 24) and at 26; the attacks at 6, 10, 18, 22, 30 find it frozen.
    TestWorld.Result idle = play(f, Brain.builtIn("noop"), 2, 4);
    assertEquals(3.0, idle.metric("frozen").mean());
    assertEquals(0.0, idle.metric("blocked").mean());
    assertEquals(0.0, idle.metric("shielded").mean());
    // Shield up at step 1 and kept: all 8 attacks (2, 6, ..., 30) blocked.
    TestWorld.Result shield = play(f, once("shield"), 2, 4);
    assertEquals(0.0, shield.metric("frozen").mean());
    assertEquals(1.0, shield.metric("blocked").mean());
    assertEquals(1.0, shield.metric("shielded").mean());
  }
}
