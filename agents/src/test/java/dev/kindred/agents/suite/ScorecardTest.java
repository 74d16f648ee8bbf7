package dev.kindred.agents.suite;

import static dev.kindred.agents.suite.SuiteKit.IN_PROCESS;
import static dev.kindred.agents.suite.SuiteKit.QUIET;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Brains × tests: who wins what, intervals, determinism, progress and the heat map. */
class ScorecardTest {

  @Test
  void theForagerBeatsRandomOnForagingBehindWalls() {
    Suite basic = Suite.load("basic", TestFileErrorsTest.SUITES);
    Scorecard card = Scorecard.evaluate(basic, basic.select(List.of("foraging_behind_walls")),
        List.of(Brain.builtIn("random"), Brain.builtIn("scripted_forager")), IN_PROCESS, 8, 8, 3, QUIET, 10);
    TestWorld.MetricResult random = card.result("foraging_behind_walls", 0).metric("hearts");
    TestWorld.MetricResult forager = card.result("foraging_behind_walls", 1).metric("hearts");
    assertEquals(8, forager.n());
    assertTrue(forager.mean() - forager.ci95() > random.mean() + (Double.isNaN(random.ci95()) ? 0 : random.ci95()),
        "forager " + forager.mean() + " ± " + forager.ci95() + ", random " + random.mean() + " ± " + random.ci95());
    TestWorld.MetricResult first = card.result("foraging_behind_walls", 1).metric("steps_to_first_heart");
    assertEquals(1.0, first.occurred());
    assertTrue(first.mean() < 300 && card.result("foraging_behind_walls", 0).metric("steps_to_first_heart").mean()
        > first.mean());
  }

  @Test
  void theSameSeedGivesTheSameScorecardAndEveryBrainMeetsTheSameEpisodes() {
    Suite basic = Suite.load("basic", TestFileErrorsTest.SUITES);
    List<TestFile> tests = basic.select(List.of("empty_room", "under_attack"));
    List<Brain> brains = List.of(Brain.builtIn("random"), Brain.builtIn("noop"));
    Scorecard a = Scorecard.evaluate(basic, tests, brains, IN_PROCESS, 4, 2, 11, QUIET, 10);
    Scorecard b = Scorecard.evaluate(basic, tests, brains, IN_PROCESS, 4, 2, 11, QUIET, 10);
    assertEquals(a.table(), b.table());
    for (String t : List.of("empty_room", "under_attack")) {
      assertArrayEquals(a.result(t, 0).episodeSeeds(), a.result(t, 1).episodeSeeds(), "common random numbers");
      assertArrayEquals(a.result(t, 0).episodeSeeds(), b.result(t, 0).episodeSeeds());
    }
    Scorecard c = Scorecard.evaluate(basic, tests, brains, IN_PROCESS, 4, 2, 12, QUIET, 10);
    assertTrue(!java.util.Arrays.equals(a.result("empty_room", 0).metric("coverage").values(),
        c.result("empty_room", 0).metric("coverage").values()), "another seed, other episodes");
  }

  @Test
  void aBaselineThatCannotReadAWorldDoesNotFitIt(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    SuiteKit.file(dir.resolve("spin"), "spin", """
        {'description': 'a spin world', 'world': 'spin.lattice', 'world_config': {'max_steps': 5, 'controlled': [0]},
         'episodes': 2,
         'metrics': [{'name': 'r', 'kind': 'first_step', 'when': {'reward_above': 0}, 'description': 'reward'}]}
        """);
    Suite s = Suite.load(dir.resolve("spin").toString(), TestFileErrorsTest.SUITES);
    Scorecard card = Scorecard.evaluate(s, s.tests(), List.of(Brain.builtIn("random"),
        Brain.builtIn("scripted_forager")), IN_PROCESS, 2, 2, 1, QUIET, 10);
    assertTrue(card.result("spin", 0).fits());
    assertEquals(2, card.result("spin", 0).metric("r").n());
    assertTrue(card.result("spin", 1).unfit().contains("needs the energy world's 'grid' or 'tokens' observation"),
        card.result("spin", 1).unfit());
    assertTrue(card.table().contains("[1] scripted_forager on spin: the scripted forager needs"), card.table());
  }

  @Test
  void theIntervalIsStudentsT() {
    Metric m = new Metric("m", "d", "higher", new Measure.Stat(List.of("hearts")));
    TestWorld.MetricResult r = TestWorld.MetricResult.of(m, new double[] {1, 2, 3, Double.NaN}, new double[4]);
    assertEquals(3, r.n(), "an undefined episode does not count");
    assertEquals(2.0, r.mean());
    // t(0.975, 2) = 4.302653; s = 1; half-width 4.302653 / sqrt(3)
    assertEquals(4.302653 / Math.sqrt(3), r.ci95(), 1e-5);
    assertTrue(Double.isNaN(TestWorld.MetricResult.of(m, new double[] {5}, new double[1]).ci95()));
  }

  @Test
  void progressLinesSayWhatPlaysAndHowLongIsLeft() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    SuiteProgress p = new SuiteProgress(new PrintStream(buf, true, StandardCharsets.UTF_8), "basic", 100, 0);
    p.playing("random", "empty_room");
    p.stepped(25);
    p.finished();
    String out = buf.toString(StandardCharsets.UTF_8);
    assertTrue(out.matches("(?s)evaluate: suite basic: 25% \\(random on empty_room\\), \\d+ s elapsed, about \\d+ s "
        + "left\n.*done in .*"), out);
  }

  @Test
  void rowsAreColouredWithinThemselvesByTheirDirection() {
    double[] s = ScorecardPlot.scores(new double[] {1, 3, Double.NaN, 2}, "lower");
    assertEquals(1.0, s[0]);
    assertEquals(0.0, s[1]);
    assertTrue(Double.isNaN(s[2]));
    assertEquals(0.5, s[3]);
    assertArrayEquals(new double[] {0.5, 0.5}, ScorecardPlot.scores(new double[] {4, 4}, "higher"));
    assertTrue(Double.isNaN(ScorecardPlot.scores(new double[] {1, 2}, "none")[1]));
    assertEquals(ScorecardPlot.BEST, ScorecardPlot.colour(1));
    assertEquals(ScorecardPlot.WORST, ScorecardPlot.colour(0));
    assertEquals(ScorecardPlot.NEUTRAL, ScorecardPlot.colour(Double.NaN));
  }

  @Test
  void theHeatMapHasARowPerMetricAndAColumnPerBrain(@TempDir Path dir) throws Exception {
    Suite basic = Suite.load("basic", TestFileErrorsTest.SUITES);
    List<TestFile> tests = basic.select(List.of("altar_only", "under_attack"));
    Scorecard one = Scorecard.evaluate(basic, tests, List.of(Brain.builtIn("noop")), IN_PROCESS, 2, 2, 1, QUIET, 10);
    Scorecard three = Scorecard.evaluate(basic, tests, List.of(Brain.builtIn("noop"), Brain.builtIn("random"),
        Brain.builtIn("scripted_forager")), IN_PROCESS, 2, 2, 1, QUIET, 10);
    ScorecardPlot.write(one, dir.resolve("one.png"));
    ScorecardPlot.write(three, dir.resolve("three.png"));
    BufferedImage a = ImageIO.read(dir.resolve("one.png").toFile());
    BufferedImage b = ImageIO.read(dir.resolve("three.png").toFile());
    assertTrue(b.getWidth() >= a.getWidth());
    assertEquals(a.getHeight(), b.getHeight(), "a row per test and metric, whatever the brains");
    assertTrue(a.getHeight() > 100 + 46 * 6, "6 metric rows");
    // Just inside the top of the first row (steps_to_altar, lower is better), above its text: noop and random
    // never reach the altar (worst, red), the forager does (best, green); a brain alone is in the middle.
    java.util.Set<Integer> first = colours(b, 100 + 4);
    assertTrue(first.contains(ScorecardPlot.WORST.getRGB()) && first.contains(ScorecardPlot.BEST.getRGB()), "" + first);
    java.util.Set<Integer> alone = colours(a, 100 + 4);
    assertTrue(alone.contains(ScorecardPlot.MIDDLE.getRGB()) && !alone.contains(ScorecardPlot.BEST.getRGB()));
  }

  static java.util.Set<Integer> colours(BufferedImage img, int y) {
    java.util.Set<Integer> out = new java.util.HashSet<>();
    for (int x = 0; x < img.getWidth(); x++) {
      out.add(img.getRGB(x, y));
    }
    return out;
  }
}
