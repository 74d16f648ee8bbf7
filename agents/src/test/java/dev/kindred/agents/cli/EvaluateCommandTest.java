package dev.kindred.agents.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kindred.agents.nn.ActorCritic;
import dev.kindred.agents.ppo.Checkpoint;
import dev.kindred.agents.ppo.TrainConfig;
import dev.kindred.env.StepBatch;
import dev.kindred.env.VectorEnv;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kindred evaluate} on other worlds than the checkpoint's, with action success rates,
 * head-to-head and JSON rows: a freshly initialised tiny checkpoint trained on energy.room.
 */
class EvaluateCommandTest {
  static final String[] ACTIONS = {"noop", "move", "rotate", "use", "attack", "shield", "swap", "give"};
  static final int STEPS = 30;
  static final String SEED = "77";

  @TempDir
  static Path tmp;
  static Path run;

  /** A checkpoint of an untrained tiny policy for a small energy.room (what train writes, without training). */
  @BeforeAll
  static void checkpoint() throws Exception {
    TrainConfig cfg = new TrainConfig().apply(TrainConfig.readJson(BadInputTest.TINY));
    run = tmp.resolve("run");
    try (VectorEnv env = Envs.open(null, cfg.world, cfg.worldConfig, 2, 1);
        ActorCritic policy = cfg.newPolicy(env.spec(), 5)) {
      new Checkpoint(cfg.toMap(), 5, 0, 0, "test-version", env.spec(), new double[] {0, 1, 0},
          policy.saveParameters()).write(run);
    }
  }

  static List<JsonObject> rows(String out) {
    List<JsonObject> rows = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (!line.isBlank()) {
        rows.add(JsonParser.parseString(line).getAsJsonObject()); // every stdout line is a JSON row
      }
    }
    return rows;
  }

  /**
   * The checkpoint's own count: its policy (as evaluate builds it) from a reset with the seed
   * for one episode of STEPS steps in every copy, each action sent and each success by kind.
   */
  static long[][] independentCount(String world, int copies) {
    Checkpoint ck = Checkpoint.read(run);
    long[][] counts = new long[2][ACTIONS.length];
    Map<String, Object> config = Map.of("max_steps", STEPS);
    try (VectorEnv env = Envs.open(null, world, config, copies, Long.parseLong(SEED));
        ActorCritic policy = ck.policy(env.spec(), Long.parseLong(SEED))) {
      int rows = copies * env.agents();
      int[] actions = new int[rows * 2];
      StepBatch b = env.reset(Long.parseLong(SEED));
      for (int t = 0; t < STEPS; t++) {
        policy.act(b, actions);
        b = env.step(actions);
        for (int r = 0; r < rows; r++) {
          counts[0][actions[2 * r]]++;
          counts[1][actions[2 * r]] += b.actionSuccess()[r];
        }
      }
      assertEquals(copies, b.episodes().size(), "one episode per copy in STEPS steps");
    }
    return counts;
  }

  @Test
  void behaviouralRoomsReportActionSuccessThatAgreesWithAnIndependentCount() {
    for (String world : new String[] {"energy.alone", "energy.altar_only"}) {
      int copies = 4;
      BadInputTest.Result r = BadInputTest.run("evaluate", "--checkpoint", run.toString(), "--world", world,
          "--world-config", "{\"max_steps\": " + STEPS + "}", "--episodes", "4", "--copies", "4", "--seed", SEED,
          "--json");
      assertEquals(0, r.code(), r.err());
      List<JsonObject> rows = rows(r.out());
      assertEquals(List.of("checkpoint", "random", "scripted_forager"),
          rows.stream().map(o -> o.get("policy").getAsString()).toList());
      int agents = world.equals("energy.alone") ? 1 : 4;
      long[][] expected = independentCount(world, copies);
      for (JsonObject row : rows) {
        assertEquals(world, row.get("world").getAsString());
        assertEquals(agents, row.get("agents").getAsInt());
        assertEquals("hearts_per_agent_episode", row.get("metric").getAsString());
        assertEquals(4, row.get("episodes").getAsInt());
        assertTrue(row.has("mean") && row.has("ci95"), row.toString());
        JsonObject actions = row.getAsJsonObject("actions");
        assertEquals(List.of(ACTIONS), new ArrayList<>(actions.keySet()));
        double perAgentEpisode = 0;
        for (String a : ACTIONS) {
          JsonObject f = actions.getAsJsonObject(a);
          long attempts = f.get("attempts").getAsLong();
          long successes = f.get("successes").getAsLong();
          perAgentEpisode += f.get("attempts_per_agent_episode").getAsDouble();
          assertEquals(attempts / (4.0 * agents), f.get("attempts_per_agent_episode").getAsDouble(), 1e-12);
          if (attempts == 0) {
            assertTrue(f.get("success_fraction").isJsonNull(), row.toString());
          } else {
            assertEquals(successes / (double) attempts, f.get("success_fraction").getAsDouble(), 1e-12);
          }
        }
        assertEquals(STEPS, perAgentEpisode, 1e-9, "one action per agent-step");
        if (row.get("policy").getAsString().equals("checkpoint")) {
          for (int v = 0; v < ACTIONS.length; v++) {
            JsonObject f = actions.getAsJsonObject(ACTIONS[v]);
            assertEquals(expected[0][v], f.get("attempts").getAsLong(), world + " " + ACTIONS[v]);
            assertEquals(expected[1][v], f.get("successes").getAsLong(), world + " " + ACTIONS[v]);
          }
        }
        // Which parameters, from which code.
        assertEquals(run.toString(), row.get("checkpoint").getAsString());
        assertEquals(Checkpoint.sha256(Checkpoint.read(run).parameters()), row.get("parameters_sha256").getAsString());
        assertEquals("test-version", row.get("code_version").getAsString());
        assertEquals(Checkpoint.currentCodeVersion(), row.get("evaluator_code_version").getAsString());
      }
      if (world.equals("energy.alone")) {
        // Alone in an empty room there is nothing to use, attack, swap with or give to.
        for (JsonObject row : rows) {
          for (String a : new String[] {"use", "attack", "swap", "give"}) {
            assertEquals(0, row.getAsJsonObject("actions").getAsJsonObject(a).get("successes").getAsLong(), a);
          }
        }
      }
    }
  }

  @Test
  void theTableShowsTheActionsBesideTheHearts() {
    BadInputTest.Result r = BadInputTest.run("evaluate", "--checkpoint", run.toString(), "--world", "energy.alone",
        "--world-config", "{\"max_steps\": " + STEPS + "}", "--episodes", "2", "--copies", "2", "--seed", SEED);
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("evaluation of " + run + " on energy.alone (1 agent per copy"), r.out());
    assertTrue(r.out().contains("actions per agent-episode (fraction that succeeded)"), r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.trim().startsWith("policy") && l.contains("noop") && l.contains("give")),
        r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.trim().startsWith("scripted_forager") && l.contains("(")), r.out());
  }

  @Test
  void aMismatchingWorldIsAPreciseError() {
    BadInputTest.Result r = BadInputTest.run("evaluate", "--checkpoint", run.toString(), "--world-config",
        BadInputTest.ENERGY.replace("\"agents\": 2", "\"agents\": 2, \"view_size\": 7"), "--episodes", "1");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("kindred evaluate: the checkpoint was trained on energy.room but this energy.room "
        + "differs: its observation 'grid' has shape [17, 7, 7]; the policy was trained on [17, 11, 11]"), r.err());
    assertEquals("", r.out());
    r = BadInputTest.run("evaluate", "--checkpoint", run.toString(), "--world", "spin.lattice", "--world-config",
        "{\"width\": 4, \"height\": 4, \"controlled\": [0]}");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("trained on energy.room but the world is spin.lattice: it has no observation 'grid'"),
        r.err());
    r = BadInputTest.run("evaluate", "--checkpoint", run.toString(), "--world", "energy.alone", "--versus", "random");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("--versus needs a world with at least 2 agents per copy; energy.alone has 1"), r.err());
    r = BadInputTest.run("evaluate", "--checkpoint", run.toString(), "--versus", "nobody");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("--versus nobody: expected scripted_forager, random, or a run directory"), r.err());
  }

  @Test
  void headToHeadRowsAreJsonAndTheSameForTheSameSeed() {
    String[] args = {"evaluate", "--checkpoint", run.toString(), "--world", "energy.altar_only", "--world-config",
        "{\"max_steps\": " + STEPS + "}", "--episodes", "8", "--copies", "4", "--seed", SEED, "--versus",
        run.toString(), "--seats", "1,2", "--json"};
    BadInputTest.Result r = BadInputTest.run(args);
    assertEquals(0, r.code(), r.err());
    List<JsonObject> rows = rows(r.out());
    assertEquals(3, rows.size(), r.out());
    JsonObject mine = rows.get(0);
    JsonObject theirs = rows.get(1);
    JsonObject diff = rows.get(2);
    assertEquals("checkpoint", mine.get("policy").getAsString());
    assertEquals(run.toString(), mine.get("versus").getAsString());
    assertEquals(run.toString(), theirs.get("policy").getAsString());
    assertEquals("[1,2]", mine.get("seats").toString());
    assertEquals("[0,3]", theirs.get("seats").toString());
    for (JsonObject row : rows.subList(0, 2)) {
      assertEquals("head_to_head_hearts_per_agent_episode", row.get("metric").getAsString());
      assertEquals(8, row.get("pairs").getAsInt());
      assertEquals(16, row.get("episodes").getAsInt());
      assertEquals(16, row.get("wins").getAsInt() + row.get("draws").getAsInt() + row.get("losses").getAsInt());
      assertEquals(List.of(ACTIONS), new ArrayList<>(row.getAsJsonObject("actions").keySet()));
      assertEquals("energy.altar_only", row.get("world").getAsString());
      assertTrue(row.has("parameters_sha256") && row.has("code_version") && row.has("versus_parameters_sha256"));
    }
    assertEquals(mine.get("wins"), theirs.get("losses"));
    assertEquals("head_to_head_hearts_difference", diff.get("metric").getAsString());
    assertEquals(mine.get("mean").getAsDouble() - theirs.get("mean").getAsDouble(), diff.get("mean").getAsDouble(),
        1e-9);
    BadInputTest.Result again = BadInputTest.run(args);
    assertEquals(r.out(), again.out(), "the same seed gives the same rows");
  }

  @Test
  void helpListsTheOptions() {
    BadInputTest.Result r = BadInputTest.run("evaluate", "--help");
    assertEquals(0, r.code());
    assertEquals("", r.err(), "picocli formats the description (a bare % is a format error)");
    assertTrue(r.out().contains("(mean and 95% interval over episodes)"), r.out());
    for (String flag : new String[] {"--world", "--world-config", "--versus", "--seats", "--json", "--greedy"}) {
      assertTrue(r.out().contains(flag), flag + " in " + r.out());
    }
  }
}
