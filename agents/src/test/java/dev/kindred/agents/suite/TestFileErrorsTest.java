package dev.kindred.agents.suite;

import static dev.kindred.agents.suite.SuiteKit.IN_PROCESS;
import static dev.kindred.agents.suite.SuiteKit.file;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Suites and test files: an unknown suite or test lists the known ones; a malformed test file, or
 * one that asks its world for what it lacks, is one error naming the file and the field; the
 * shipped suite's files all load and fit their worlds.
 */
class TestFileErrorsTest {
  /** Where the shipped suites are, seen from the agents module (the tests' working directory). */
  static final Path SUITES = Path.of("suites");

  @TempDir
  Path dir;

  static final String METRIC = "{'name': 'hearts', 'kind': 'stat', 'stat': 'hearts', 'description': 'hearts'}";
  static final String WORLD = "'world': 'energy.room', 'world_config': {'map': ['#####', '#A.h#', '#####'], "
      + "'max_steps': 10}";

  /** The message of reading (and opening) a test file with these contents. */
  String error(String json) throws Exception {
    Path f = file(dir, "broken", json);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
      TestFile t = TestFile.read(f);
      TestWorld.open(t, IN_PROCESS, 2, 1, 1).close();
    });
    assertTrue(e.getMessage().startsWith(f + ": "), "names the file: " + e.getMessage());
    return e.getMessage().substring((f + ": ").length());
  }

  void expect(String json, String field, String... also) throws Exception {
    String m = error(json);
    assertTrue(m.startsWith(field + ": "), "names " + field + ": " + m);
    for (String a : also) {
      assertTrue(m.contains(a), "says " + a + ": " + m);
    }
  }

  @Test
  void malformedFilesNameTheFieldAtFault() throws Exception {
    assertTrue(error("{'description': 'x', " + WORLD + ", 'metrics': [").startsWith("not valid JSON"));
    expect("{'description': 'x', " + WORLD + "}", "metrics", "missing");
    expect("{'description': 'x', " + WORLD + ", 'metrics': []}", "metrics", "at least one");
    expect("{" + WORLD + ", 'metrics': [" + METRIC + "]}", "description", "missing");
    expect("{'description': 'x', " + WORLD + ", 'metric': [" + METRIC + "]}", "metric", "unknown field", "metrics");
    expect("{'description': 'x', " + WORLD + ", 'episodes': 2.5, 'metrics': [" + METRIC + "]}", "episodes",
        "whole number");
    expect("{'description': 'x', " + WORLD + ", 'metrics': [{'name': 'h', 'kind': 'cell', 'description': 'd'}]}",
        "metrics[0].kind", "unknown kind 'cell'", "stat, cells_visited, first_step, fraction_of_steps, ratio");
    expect("{'description': 'x', " + WORLD + ", 'metrics': [" + METRIC + ", " + METRIC + "]}", "metrics[1].name",
        "twice");
    expect("{'description': 'x', " + WORLD + ", 'metrics': [{'name': 'r', 'kind': 'ratio', 'description': 'd', "
        + "'numerator': {'kind': 'stat', 'stat': 'hearts'}, 'denominator': {'kind': 'stat'}}]}",
        "metrics[0].denominator.stat", "missing");
    expect("{'description': 'x', " + WORLD + ", 'metrics': [{'name': 'f', 'kind': 'first_step', 'description': 'd', "
        + "'when': {'feature': 'globals.energy'}}]}", "metrics[0].when", "below and above");
    expect("{'description': 'x', " + WORLD + ", 'metrics': [{'name': 'h', 'kind': 'stat', 'stat': 'hearts', "
        + "'description': 'd', 'better': 'more'}]}", "metrics[0].better", "higher, lower, none");
    expect("{'description': 'x', 'world': 'energy.room', 'world_config': {'map': ['#####', 7]}, 'metrics': ["
        + METRIC + "]}", "world_config.map[1]", "non-empty string");
    expect("{'description': 'x', " + WORLD + ", 'others': [{'seats': [0], 'brain': 'genius'}], 'metrics': ["
        + METRIC + "]}", "others[0].brain", "random, scripted_forager, noop");
  }

  @Test
  void whatTheWorldLacksIsNamedToo() throws Exception {
    expect("{'description': 'x', " + WORLD + ", 'metrics': [{'name': 'h', 'kind': 'stat', 'stat': 'heart', "
        + "'description': 'd'}]}", "metrics[0].stat", "'heart' is not a per-agent statistic", "hearts");
    expect("{'description': 'x', " + WORLD + ", 'metrics': [{'name': 'f', 'kind': 'first_step', 'description': 'd', "
        + "'when': {'feature': 'globals.energi', 'below': 1}}]}", "metrics[0].when.feature", "no feature 'energi'");
    expect("{'description': 'x', " + WORLD + ", 'metrics': [{'name': 'f', 'kind': 'first_step', 'description': 'd', "
        + "'when': {'action': 'jump'}}]}", "metrics[0].when.action", "noop, move, rotate");
    expect("{'description': 'x', 'world': 'energy.alone', 'metrics': [{'name': 'c', 'kind': 'cells_visited', "
        + "'fraction_of_free_cells': true, 'description': 'd'}]}", "metrics[0].fraction_of_free_cells", "inline map");
    expect("{'description': 'x', " + WORLD + ", 'others': [{'seats': [3], 'brain': 'noop'}], 'metrics': [" + METRIC
        + "]}", "others[0].seats", "seat 3 does not exist", "1 agent");
    expect("{'description': 'x', 'world': 'energy.room', 'world_config': {'map': ['#####', '#AAh#', '#####']}, "
        + "'others': [{'seats': [0, 1], 'brain': 'noop'}], 'metrics': [" + METRIC + "]}", "others",
        "leave at least one");
    expect("{'description': 'x', 'world': 'energy.room', 'world_config': {'map': ['#####', '#AAh#', '#####']}, "
        + "'focal': [1], 'others': [{'seats': [1], 'brain': 'noop'}], 'metrics': [" + METRIC + "]}", "focal",
        "seat 1 is given twice");
    expect("{'description': 'x', 'world': 'energy.room', 'world_config': {'map': ['#####', '#AAh#', '#####']}, "
        + "'others': [{'seats': [1], 'script': ['rotate 2', 'jump 1']}], 'metrics': [" + METRIC + "]}",
        "others[0].script", "'jump 1': unknown action 'jump'", "attack");
    expect("{'description': 'x', 'world': 'energy.room', 'world_config': {'map': ['#####', '#AAh#', '#####']}, "
        + "'others': [{'seats': [1], 'script': ['attack 12']}], 'metrics': [" + METRIC + "]}",
        "others[0].script", "from 0 to 8");
    expect("{'description': 'x', 'world': 'energy.room', 'world_config': {'map': ['#####', '#AAh#', '#####']}, "
        + "'others': [{'seats': [1], 'script': ['move 5']}], 'metrics': [" + METRIC + "]}",
        "others[0].script", "not one of energy.room's valid actions", "\"move 0\", \"move 1\"");
    expect("{'description': 'x', 'world': 'energy.room', 'world_config': {'map': ['#####', '#A.x#', '#####']}, "
        + "'metrics': [" + METRIC + "]}", "world / world_config", "config.map", "legend");
    expect("{'description': 'x', 'world': 'spin.lattice', 'metrics': [{'name': 'r', 'kind': 'first_step', "
        + "'when': {'reward_above': 0}, 'description': 'd'}]}", "world_config", "spin.lattice has no agents here");
    expect("{'description': 'x', 'world': 'energy.nowhere', 'metrics': [" + METRIC + "]}", "world / world_config",
        "energy.nowhere");
  }

  @Test
  void anUnknownSuiteOrTestListsTheKnownOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Suite.load("nope", SUITES));
    assertTrue(e.getMessage().contains("unknown suite 'nope'") && e.getMessage().contains("known: basic"),
        e.getMessage());
    Suite basic = Suite.load("basic", SUITES);
    e = assertThrows(IllegalArgumentException.class, () -> basic.select(List.of("empty_room", "dance")));
    assertTrue(e.getMessage().contains("--test dance") && e.getMessage().contains("altar_only, empty_room, "
        + "foraging_behind_walls, kin_in_need, low_energy_start, under_attack"), e.getMessage());
    assertEquals(List.of("under_attack", "empty_room"),
        basic.select(List.of("under_attack", "empty_room.json")).stream().map(TestFile::name).toList());
  }

  @Test
  void theShippedSuiteLoadsAndFitsItsWorlds() {
    Suite basic = Suite.load("basic", SUITES);
    assertTrue(basic.tests().size() >= 6);
    for (TestFile t : basic.tests()) {
      assertTrue(t.description().length() > 20, t.name());
      for (Metric m : t.metrics()) {
        assertTrue(m.description().length() > 10, t.name() + "." + m.name());
      }
      try (TestWorld w = TestWorld.open(t, IN_PROCESS, 1, 1, 1)) {
        assertTrue(w.focal().length >= 1);
      }
    }
  }

  @Test
  void aSuiteNamedByItsPathAndAnEmptyOne() throws Exception {
    file(dir.resolve("mine"), "one", "{'description': 'x', " + WORLD + ", 'metrics': [" + METRIC + "]}");
    Suite s = Suite.load(dir.resolve("mine").toString(), SUITES);
    assertEquals("mine", s.name());
    assertEquals(List.of("one"), s.testNames());
    java.nio.file.Files.createDirectories(dir.resolve("empty"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Suite.load(dir.resolve("empty").toString(), SUITES));
    assertTrue(e.getMessage().contains("no test files"), e.getMessage());
  }
}
