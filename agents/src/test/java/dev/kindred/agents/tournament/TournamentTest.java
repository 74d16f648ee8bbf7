package dev.kindred.agents.tournament;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.agents.nn.ActorCritic;
import dev.kindred.agents.ppo.Checkpoint;
import dev.kindred.agents.ppo.TrainConfig;
import dev.kindred.agents.tournament.TournamentReport.Standing;
import dev.kindred.env.VectorEnv;
import dev.kindred.env.WorldRegistry;
import dev.kindred.local.LocalVectorEnv;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tournaments: honest orderings of brains of known strength, reproducible results, precise refusals. */
class TournamentTest {
  private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

  private static Map<String, Object> lazy(String name, double p) {
    return Map.of("name", name, "brain", "lazy_forager", "p", p);
  }

  private static TournamentConfig config(long seed, int episodes, List<Object> scenarios, List<Map<String, Object>> brains) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "test");
    m.put("seed", (double) seed);
    m.put("episodes", (double) episodes);
    m.put("copies", 8.0);
    m.put("bootstrap", 400.0);
    m.put("brains", brains);
    m.put("scenarios", scenarios);
    return TournamentConfig.of(m);
  }

  private static final List<Map<String, Object>> LAZY = List.of(lazy("p0.0", 0.0), lazy("p0.2", 0.2),
      lazy("p0.4", 0.4));

  private static TournamentReport.Analysis run(TournamentConfig cfg, Path out) throws Exception {
    List<Tournament.Brain> brains = Tournament.brains(cfg);
    List<Tournament.Pairing> p = Tournament.play(cfg, brains, out, false, QUIET);
    return TournamentReport.write(cfg, brains, p, out, Instant.EPOCH, 0);
  }

  private static Map<String, Standing> byName(TournamentReport.Analysis a) {
    Map<String, Standing> m = new LinkedHashMap<>();
    for (Standing s : a.standings()) {
      m.put(s.brain(), s);
    }
    return m;
  }

  /**
   * Foragers that do nothing with probability 0, 0.2 and 0.4 must come out in that order, and
   * the 95% intervals of short tournaments must cover the ratings of a long one (the truth, as
   * near as we can measure it) about as often as they claim. (Strengths this close keep every
   * brain winning some games: see {@link TournamentReport} on brains that win or lose them all.)
   */
  @Test
  void brainsOfKnownStrengthComeOutInOrderWithHonestIntervals(@TempDir Path dir) throws Exception {
    Map<String, Standing> truth = byName(run(config(99, 800, List.of("duel"), LAZY), dir.resolve("long")));
    assertTrue(truth.get("p0.0").rating() > truth.get("p0.2").rating()
        && truth.get("p0.2").rating() > truth.get("p0.4").rating(), "the long run's order: " + truth);
    int covered = 0;
    int intervals = 0;
    for (long seed = 1; seed <= 4; seed++) {
      List<Standing> s = run(config(seed, 48, List.of("duel"), LAZY), dir.resolve("short-" + seed)).standings();
      assertEquals(List.of("p0.0", "p0.2", "p0.4"), s.stream().map(Standing::brain).toList(), "seed " + seed);
      for (Standing st : s) {
        assertTrue(st.low() <= st.rating() && st.rating() <= st.high(), st.toString());
        double t = truth.get(st.brain()).rating();
        covered += st.low() <= t && t <= st.high() ? 1 : 0;
        intervals++;
      }
    }
    // 12 intervals at 95%: at least 10 should cover (at most 2 misses: P(more) < 2% if calibrated).
    assertTrue(covered >= 10, covered + " of " + intervals + " intervals covered the long run's ratings");
  }

  @Test
  void theSameConfigurationAndSeedGiveTheSameResults(@TempDir Path dir) throws Exception {
    List<Object> scenarios = List.of("duel", "one_vs_three");
    run(config(5, 8, scenarios, LAZY), dir.resolve("a"));
    run(config(5, 8, scenarios, LAZY), dir.resolve("b"));
    String a = Files.readString(dir.resolve("a/results.json"));
    String b = Files.readString(dir.resolve("b/results.json"));
    assertEquals(a, b);
    assertTrue(a.contains("\"brain\": \"lazy_forager\"") && a.contains("\"p\": 0.4"), "brains carry provenance");
    for (String f : List.of("leaderboard.md", "leaderboard.html", "ratings.png", "payoff.png", "scores.png")) {
      assertTrue(Files.size(dir.resolve("a").resolve(f)) > 100, f);
    }
    run(config(6, 8, scenarios, LAZY), dir.resolve("c"));
    assertFalse(Files.readString(dir.resolve("c/results.json")).equals(a), "another seed plays other games");
  }

  /** Four scenarios: the payoff page has a row with empty cells (once a failure: XChart draws no empty heat map). */
  @Test
  void reportsDrawAnyNumberOfScenarios(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("four");
    run(config(1, 2, List.of("duel", "rich", "poor", "kin_teams"), LAZY.subList(0, 2)), out);
    java.awt.image.BufferedImage page = javax.imageio.ImageIO.read(out.resolve("payoff.png").toFile());
    assertTrue(page.getWidth() > page.getHeight(), "three panels to a row, two rows");
    assertTrue(Files.readString(out.resolve("leaderboard.md")).contains("## Payoff: kin_teams"));
  }

  /**
   * One focal agent against a background population of two brains: every brain meets the same
   * background; the team-additive ratings order the lazy foragers by strength, the background
   * members' included.
   */
  @Test
  void focalBrainsAgainstABackgroundPopulationAreRatedTeamAdditively(@TempDir Path dir) throws Exception {
    Map<String, Object> scenario = new LinkedHashMap<>();
    scenario.put("name", "focal_vs_population");
    scenario.put("world", "energy.room");
    scenario.put("world_config", Map.of("width", 11.0, "height", 11.0, "agents", 4.0, "altars", 1.0,
        "converters", 2.0, "green_generators", 3.0, "yellow_generators", 3.0, "walls", 4.0, "max_steps", 200.0));
    scenario.put("layout", "one_vs_rest");
    scenario.put("background", List.of("p0.2", "p0.4"));
    Path out = dir.resolve("bg");
    TournamentReport.Analysis a = run(config(5, 48, List.of(scenario), LAZY), out);
    assertEquals(List.of("p0.0", "p0.2", "p0.4"), a.standings().stream().map(Standing::brain).toList(),
        a.standings().toString());
    Map<String, TournamentReport.Estimate> v = a.versusBackground().get("focal_vs_population");
    assertTrue(v.get("p0.0").mean() > v.get("p0.4").mean(), v.toString());
    assertEquals(48, v.get("p0.0").n(), "one game per episode");
    String md = Files.readString(out.resolve("leaderboard.md"));
    assertTrue(md.contains("## Against the background: focal_vs_population (p0.2, p0.4"), md);
    assertTrue(Files.size(out.resolve("payoff.png")) > 1000);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
      Map<String, Object> bad = new LinkedHashMap<>(scenario);
      bad.put("background", List.of("nobody"));
      config(5, 4, List.of(bad), LAZY);
    });
    assertTrue(e.getMessage().contains("background brain 'nobody'"), e.getMessage());
  }

  @Test
  void resumeSkipsFinishedPairingsAndAnExistingDirectoryIsRefused(@TempDir Path dir) throws Exception {
    TournamentConfig cfg = config(3, 8, List.of("duel", "rich"), LAZY);
    Path full = dir.resolve("full");
    run(cfg, full);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Tournament.play(cfg, Tournament.brains(cfg), full, false, QUIET));
    assertTrue(e.getMessage().contains("already exists") && e.getMessage().contains("--resume"), e.getMessage());
    // An interrupted run: the last two pairings never finished.
    Path part = dir.resolve("part");
    Files.createDirectories(part);
    Files.copy(full.resolve(Tournament.CONFIG), part.resolve(Tournament.CONFIG));
    List<String> lines = Files.readAllLines(full.resolve(Tournament.GAMES));
    Files.write(part.resolve(Tournament.GAMES), lines.subList(0, lines.size() - 2));
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    List<Tournament.Brain> brains = Tournament.brains(cfg);
    List<Tournament.Pairing> p = Tournament.play(cfg, brains, part, true,
        new PrintStream(log, true, StandardCharsets.UTF_8));
    String printed = log.toString(StandardCharsets.UTF_8);
    assertTrue(printed.contains("4 pairings were already played"), printed);
    TournamentReport.write(cfg, brains, p, part, Instant.EPOCH, 0);
    assertEquals(Files.readString(full.resolve("results.json")), Files.readString(part.resolve("results.json")));
    // Another configuration cannot resume it.
    TournamentConfig changed = config(4, 8, List.of("duel", "rich"), LAZY);
    IllegalArgumentException c = assertThrows(IllegalArgumentException.class,
        () -> Tournament.play(changed, Tournament.brains(changed), part, true, QUIET));
    assertTrue(c.getMessage().contains("another configuration"), c.getMessage());
  }

  @Test
  void unknownBrainsAndScenariosListTheKnownOnes() {
    IllegalArgumentException b = assertThrows(IllegalArgumentException.class, () -> config(1, 1, List.of("duel"),
        List.of(lazy("x", 0.1), Map.of("name", "y", "brain", "alphazero"))));
    assertTrue(b.getMessage().contains("unknown brain 'alphazero'") && b.getMessage().contains("scripted_forager"),
        b.getMessage());
    IllegalArgumentException s = assertThrows(IllegalArgumentException.class, () -> config(1, 1,
        List.of("volcano"), LAZY));
    assertTrue(s.getMessage().contains("unknown scenario 'volcano'") && s.getMessage().contains("one_vs_ten"),
        s.getMessage());
    IllegalArgumentException d = assertThrows(IllegalArgumentException.class, () -> config(1, 1, List.of("duel"),
        List.of(lazy("x", 0.1), lazy("x", 0.2))));
    assertTrue(d.getMessage().contains("distinct name"), d.getMessage());
  }

  /** The cross-language test's action formula for the agents of one seat, counting its own steps. */
  private static final class Formula implements dev.kindred.agents.BatchPolicy {
    private final int[] worldAgents;
    private final int[] nvec;
    private int t;

    Formula(dev.kindred.env.SessionSpec spec, int[] worldAgents) {
      this.worldAgents = worldAgents;
      this.nvec = spec.world().actions().dimensions().stream().mapToInt(d -> d.numValues()).toArray();
    }

    @Override
    public void act(dev.kindred.env.StepBatch b, int[] actions) {
      t++;
      int i = 0;
      for (int c = 0; c < b.copies(); c++) {
        for (int a : worldAgents) {
          for (int d = 0; d < nvec.length; d++) {
            long v = (long) t * 7919L + (long) c * 104729L + (long) a * 1299709L + (long) d * 15485863L + 12345L;
            actions[i++] = (int) Math.floorMod(v, (long) nvec[d]);
          }
        }
      }
    }
  }

  private static List<String> seatBrainCommand() {
    return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
        System.getProperty("java.class.path"), "dev.kindred.crosslang.SeatBrain", "--target", "{target}",
        "--session", "{session}", "--seat", "{seat}", "--token", "{token}", "--steps", "1000000");
  }

  /**
   * A remote brain (the Java seat brain of the cross-language test, in its own process) plays its
   * seats through matches; every game equals, bit for bit, the same brains playing in process.
   */
  @Test
  void aRemoteBrainPlaysItsSeatsThroughMatchesAsInProcess(@TempDir Path dir) throws Exception {
    Map<String, Object> remote = new LinkedHashMap<>();
    remote.put("name", "remote");
    remote.put("brain", "remote");
    remote.put("command", seatBrainCommand());
    TournamentConfig cfg = config(8, 8, List.of("duel"), List.of(lazy("p0.2", 0.2), remote));
    List<Tournament.Brain> brains = Tournament.brains(cfg);
    List<Tournament.Pairing> played = Tournament.play(cfg, brains, dir.resolve("remote"), false, QUIET);
    assertEquals(1, played.size());
    Tournament.Pairing p = played.get(0);
    assertEquals(null, p.forfeitedBy(), p.forfeit());
    // The same pairing in process, the remote brain replaced by the same formula on the same seats.
    int[][] seatsOfRemote = {{1}, {0}};
    int[] game = {0};
    Tournament.Brain formula = new Tournament.Brain("remote", "formula",
        seed -> spec -> new Formula(spec, seatsOfRemote[game[0]++]), Map.of(), null);
    Scenario duel = cfg.scenarios().get(0);
    Tournament.Pairing local = Tournament.pairing(cfg, duel, Tournament.scenarioSeed(cfg, 0), brains.get(0),
        Tournament.brainSeed(cfg, 0, 0), formula, Tournament.brainSeed(cfg, 1, 0));
    assertEquals(local.games().size(), p.games().size());
    for (int i = 0; i < p.games().size(); i++) {
      Tournament.Game r = p.games().get(i);
      Tournament.Game l = local.games().get(i);
      assertEquals(l.copy(), r.copy());
      assertEquals(l.episode(), r.episode());
      assertEquals(l.heartsA(), r.heartsA(), 0, "game " + i);
      assertEquals(l.heartsB(), r.heartsB(), 0, "game " + i);
    }
    assertTrue(p.games().stream().anyMatch(g -> g.heartsA() > 0), "the forager gathered: the comparison is not of zeros");
  }

  @Test
  void aRemoteBrainThatNeverJoinsForfeitsAndTheTournamentGoesOn(@TempDir Path dir) throws Exception {
    Map<String, Object> silent = new LinkedHashMap<>();
    silent.put("name", "silent");
    silent.put("brain", "remote");
    silent.put("command", List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-version"));
    silent.put("join_timeout_s", 30.0); // its process ends at once: the match ends with it, no 30 s wait
    List<Map<String, Object>> brains = new ArrayList<>(LAZY.subList(0, 2));
    brains.add(silent);
    TournamentConfig cfg = config(2, 8, List.of("duel"), brains);
    Path out = dir.resolve("forfeit");
    long t0 = System.nanoTime();
    TournamentReport.Analysis a = run(cfg, out);
    assertTrue((System.nanoTime() - t0) / 1e9 < 15, "a brain whose process ended is not waited for");
    String md = Files.readString(out.resolve("leaderboard.md"));
    assertTrue(md.contains("silent forfeited against p0.0") && md.contains("silent forfeited against p0.2"), md);
    Standing last = a.standings().get(a.standings().size() - 1);
    assertEquals("silent", last.brain());
    assertEquals(0, last.wins());
    assertEquals(2 * 2 * 8, last.losses(), "both pairings' games lost");
    assertTrue(a.standings().get(0).games() > 0);
  }

  /** The active-inference rule minimises surprise: it must out-score random on a spin world scored by return. */
  @Test
  void theSpinRuleBeatsRandomOnASpinScenarioAndEnergyBrainsAreRefusedThere(@TempDir Path dir) throws Exception {
    List<Map<String, Object>> brains = List.of(Map.of("name", "random", "brain", "random"),
        Map.of("name", "active-inference", "brain", "active_inference_spin"));
    TournamentReport.Analysis a = run(config(4, 16, List.of("spin_pair"), brains), dir.resolve("spin"));
    Standing first = a.standings().get(0);
    assertEquals("active-inference", first.brain());
    Standing second = a.standings().get(1);
    assertTrue(second.high() < first.low(), "intervals apart: " + a.standings());
    assertTrue(Files.readString(dir.resolve("spin/leaderboard.md")).contains("return/agent"));
    TournamentConfig mixed = config(4, 4, List.of("spin_pair"), List.of(Map.of("name", "forager", "brain",
        "scripted_forager"), Map.of("name", "random", "brain", "random")));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Tournament.play(mixed, Tournament.brains(mixed), dir.resolve("mixed"), false, QUIET));
    assertTrue(e.getMessage().contains("brain 'forager' (scripted_forager) cannot play scenario 'spin_pair'")
        && e.getMessage().contains("grid"), e.getMessage());
  }

  @Test
  void aRemoteBrainThatCannotStartForfeits(@TempDir Path dir) throws Exception {
    Map<String, Object> missing = new LinkedHashMap<>();
    missing.put("name", "missing");
    missing.put("brain", "remote");
    missing.put("command", List.of(dir.resolve("no-such-program").toString()));
    TournamentConfig cfg = config(2, 4, List.of("duel"), List.of(lazy("p0.0", 0.0), missing));
    run(cfg, dir.resolve("out"));
    String md = Files.readString(dir.resolve("out/leaderboard.md"));
    assertTrue(md.contains("missing forfeited against p0.0") && md.contains("could not be started"), md);
  }

  /** A checkpoint trained on a world whose observations differ (a 7x7 view) cannot play an 11x11-view scenario. */
  @Test
  void aCheckpointOfAnotherWorldIsRefusedNamingBoth(@TempDir Path dir) throws Exception {
    Map<String, Object> world = Map.of("width", 9, "height", 9, "agents", 2, "view_size", 7);
    Path ck = dir.resolve("ck");
    try (VectorEnv env = LocalVectorEnv.create(WorldRegistry.builtIn(), "energy.room", world, 1, 1);
         ActorCritic policy = new ActorCritic(env.spec(), List.of(), 8, 4, 1)) {
      TrainConfig tc = new TrainConfig();
      tc.world = "energy.room";
      tc.worldConfig = new LinkedHashMap<>(world);
      new Checkpoint(tc.toMap(), 1, 10, 1, "test", env.spec(), new double[] {0, 1, 0}, policy.saveParameters())
          .write(ck);
    }
    List<Map<String, Object>> brains = new ArrayList<>(LAZY);
    brains.add(Map.of("name", "small-view", "brain", "checkpoint", "path", ck.toString()));
    TournamentConfig cfg = config(1, 4, List.of("duel"), brains);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Tournament.play(cfg, Tournament.brains(cfg), dir.resolve("out"), false, QUIET));
    assertTrue(e.getMessage().contains("brain 'small-view'") && e.getMessage().contains("view_size=7")
        && e.getMessage().contains("scenario 'duel'") && e.getMessage().contains("grid"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("out")), "nothing is written before every brain fits every scenario");
  }
}
