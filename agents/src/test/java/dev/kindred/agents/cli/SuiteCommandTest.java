package dev.kindred.agents.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.kindred.agents.nn.ActorCritic;
import dev.kindred.agents.ppo.Checkpoint;
import dev.kindred.agents.ppo.TrainConfig;
import dev.kindred.env.VectorEnv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kindred evaluate --suite}: the scorecard of built-in brains and checkpoints (one that
 * fits the tests' worlds, one whose view does not), its JSON rows with their provenance, the PNG,
 * and bad input.
 */
class SuiteCommandTest {
  @TempDir
  static Path tmp;
  static Path suite;
  static Path fits;
  static Path narrow;

  /** An untrained tiny checkpoint of energy.room with the given view. */
  static Path checkpoint(String name, int view) throws Exception {
    TrainConfig cfg = new TrainConfig().apply(TrainConfig.readJson(BadInputTest.TINY));
    cfg.worldConfig.put("view_size", view);
    Path run = tmp.resolve(name);
    try (VectorEnv env = Envs.open(null, cfg.world, cfg.worldConfig, 2, 1);
        ActorCritic policy = cfg.newPolicy(env.spec(), 5)) {
      new Checkpoint(cfg.toMap(), 5, 0, 0, "test-version", env.spec(), new double[] {0, 1, 0},
          policy.saveParameters()).write(run);
    }
    return run;
  }

  @BeforeAll
  static void setUp() throws Exception {
    fits = checkpoint("fits", 11);
    narrow = checkpoint("narrow", 7);
    suite = tmp.resolve("mini");
    Files.createDirectories(suite);
    Files.copy(Path.of("suites/basic/altar_only.json"), suite.resolve("altar_only.json"));
    Files.copy(Path.of("suites/basic/under_attack.json"), suite.resolve("under_attack.json"));
  }

  @Test
  void jsonRowsSayHowTheyWereMade() throws Exception {
    Path png = tmp.resolve("card.png");
    BadInputTest.Result r = BadInputTest.run("evaluate", "--suite", suite.toString(), "--brain", "noop",
        "--checkpoint", fits.toString(), "--checkpoint", narrow.toString(), "--episodes", "3", "--copies", "2",
        "--seed", "5", "--json", "--png", png.toString());
    assertEquals(0, r.code(), r.err());
    List<JsonObject> rows = EvaluateCommandTest.rows(r.out());
    assertEquals((2 + 4) * 3, rows.size(), "a row per test, metric and brain");
    String sha = Checkpoint.sha256(Files.readAllBytes(suite.resolve("altar_only.json")));
    String params = Checkpoint.sha256(Checkpoint.read(fits).parameters());
    for (JsonObject row : rows) {
      assertEquals("mini", row.get("suite").getAsString());
      assertEquals(5, row.get("seed").getAsLong());
      assertFalse(row.get("evaluator_code_version").getAsString().isBlank());
      assertEquals(3, row.get("episodes").getAsInt());
      if (row.get("test").getAsString().equals("altar_only")) {
        assertEquals(sha, row.get("test_sha256").getAsString());
      }
      String brain = row.get("brain").getAsString();
      if (brain.equals(narrow.toString())) {
        assertFalse(row.get("fits").getAsBoolean());
        assertTrue(row.get("reason").getAsString().contains("'grid' has shape [17, 11, 11]; the policy was trained on "
            + "[17, 7, 7]"), row.toString());
      } else {
        assertTrue(row.get("fits").getAsBoolean(), row.toString());
        assertEquals(3, row.get("values").getAsJsonArray().size());
        assertEquals(3, row.get("episode_seeds").getAsJsonArray().size());
      }
      if (brain.equals(fits.toString())) {
        assertEquals(params, row.get("parameters_sha256").getAsString());
        assertEquals("test-version", row.get("code_version").getAsString());
      }
    }
    JsonObject noopSteps = rows.stream().filter(o -> o.get("brain").getAsString().equals("noop")
        && o.get("metric").getAsString().equals("steps_to_altar")).findFirst().orElseThrow();
    assertEquals(150, noopSteps.get("mean").getAsDouble(), "never reaches the altar: censored at 150 steps");
    assertEquals(0, noopSteps.get("occurred").getAsDouble());
    assertTrue(r.err().contains("scorecard drawn in " + png), r.err());
    assertTrue(ImageIO.read(png.toFile()).getWidth() > 400);
    BadInputTest.Result again = BadInputTest.run("evaluate", "--suite", suite.toString(), "--brain", "noop",
        "--checkpoint", fits.toString(), "--checkpoint", narrow.toString(), "--episodes", "3", "--copies", "2",
        "--seed", "5", "--json", "--png", png.toString());
    assertEquals(r.out(), again.out(), "deterministic for a seed");
  }

  @Test
  void theTableShowsEveryBrainAndWhyOneDoesNotFit() {
    BadInputTest.Result r = BadInputTest.run("evaluate", "--suite", suite.toString(), "--test", "altar_only",
        "--checkpoint", narrow.toString(), "--episodes", "2");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("| test | metric | random | scripted_forager | " + narrow + " |"), r.out());
    assertTrue(r.out().contains("| altar_only | steps_to_altar ↓ |"), r.out());
    assertTrue(r.out().contains("does not fit [1]"), r.out());
    assertTrue(r.out().contains("[1] " + narrow + " on altar_only: the checkpoint was trained on energy.room"), r.out());
    assertTrue(r.out().contains("scorecard: " + narrow.resolve("suite-mini.png")), "next to the first checkpoint");
    assertTrue(Files.isRegularFile(narrow.resolve("suite-mini.png")));
  }

  @Test
  void badInputIsOneLineThatSaysWhatToDo() throws Exception {
    Map<List<String>, String> cases = Map.of(
        List.of("--suite", tmp.resolve("none").toString(), "--brain", "noop"), "unknown suite",
        List.of("--suite", suite.toString(), "--brain", "genius"), "--brain genius: unknown brain; expected one of "
            + "random, scripted_forager, noop",
        List.of("--suite", suite.toString(), "--test", "dance"), "--test dance: suite mini",
        List.of("--suite", suite.toString(), "--versus", "random"), "do not go with --suite",
        List.of("--brain", "random"), "--brain, --test and --png go with --suite NAME",
        List.of("--episodes", "3"), "--checkpoint DIR is required",
        List.of("--suite", suite.toString(), "--brain", "noop", "--brain", "noop"), "brain noop is given twice");
    for (Map.Entry<List<String>, String> c : cases.entrySet()) {
      String[] args = new String[c.getKey().size() + 1];
      args[0] = "evaluate";
      for (int i = 0; i < c.getKey().size(); i++) {
        args[i + 1] = c.getKey().get(i);
      }
      BadInputTest.Result r = BadInputTest.run(args);
      assertEquals(2, r.code(), c.getKey() + ": " + r.err());
      assertTrue(r.err().contains(c.getValue()), c.getKey() + ": " + r.err());
    }
    Path broken = tmp.resolve("broken");
    Files.createDirectories(broken);
    Files.writeString(broken.resolve("bad.json"), "{\"description\": \"x\", \"world\": \"energy.alone\", "
        + "\"metrics\": [{\"name\": \"h\", \"kind\": \"stat\", \"stat\": \"hart\", \"description\": \"d\"}]}");
    BadInputTest.Result r = BadInputTest.run("evaluate", "--suite", broken.toString(), "--brain", "noop");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains(broken.resolve("bad.json") + ": metrics[0].stat: 'hart' is not a per-agent statistic"),
        r.err());
  }

  @Test
  void helpDescribesSuites() {
    BadInputTest.Result r = BadInputTest.run("evaluate", "--help");
    assertEquals(0, r.code());
    for (String s : List.of("--suite", "--brain", "--test", "--png", "stat, cells_visited, first_step")) {
      assertTrue(r.out().contains(s), s + " in " + r.out());
    }
  }
}
