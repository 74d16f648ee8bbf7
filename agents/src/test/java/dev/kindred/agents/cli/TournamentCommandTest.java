package dev.kindred.agents.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kindred tournament} as a user types it: a small run, its files, and refusals with their reasons. */
class TournamentCommandTest {

  @Test
  void aSmallTournamentWritesItsResultsAndRefusesToOverwriteThem(@TempDir Path dir) throws Exception {
    Path cfg = dir.resolve("t.json");
    Files.writeString(cfg, "{\"name\": \"small\", \"seed\": 2, \"episodes\": 4, \"copies\": 4, \"bootstrap\": 50, "
        + "\"brains\": [{\"name\": \"forager\", \"brain\": \"scripted_forager\"}, {\"name\": \"random\", \"brain\": "
        + "\"random\"}], \"scenarios\": [\"duel\"]}");
    Path out = dir.resolve("out");
    BadInputTest.Result r = BadInputTest.run("tournament", "--config", cfg.toString(), "--out", out.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("| 1 | forager |"), r.out());
    assertTrue(r.err().contains("tournament: 1/1 pairings") && r.err().contains("ETA"), r.err());
    for (String f : new String[] {"results.json", "leaderboard.md", "leaderboard.html", "ratings.png", "payoff.png",
        "scores.png", "games.jsonl"}) {
      assertTrue(Files.exists(out.resolve(f)), f);
    }
    BadInputTest.Result again = BadInputTest.run("tournament", "--config", cfg.toString(), "--out", out.toString());
    assertEquals(2, again.code(), again.err()); // a usage error, as every refused input of the agents commands
    assertTrue(again.err().contains("already exists") && again.err().contains("--resume"), again.err());
    BadInputTest.Result resumed = BadInputTest.run("tournament", "--config", cfg.toString(), "--out", out.toString(),
        "--resume");
    assertEquals(0, resumed.code(), resumed.err());
    assertTrue(resumed.err().contains("1 pairings were already played"), resumed.err());
  }

  @Test
  void aMissingOrBadConfigurationSaysWhat(@TempDir Path dir) throws Exception {
    BadInputTest.Result r = BadInputTest.run("tournament", "--config", dir.resolve("none.json").toString());
    assertTrue(r.code() != 0 && r.err().contains("no file"), r.err());
    Path bad = dir.resolve("bad.json");
    Files.writeString(bad, "{\"brains\": [{\"name\": \"a\", \"brain\": \"random\"}, {\"name\": \"b\", \"brain\": "
        + "\"random\"}], \"scenarios\": [\"duel\"], \"episodez\": 3}");
    BadInputTest.Result k = BadInputTest.run("tournament", "--config", bad.toString(), "--out",
        dir.resolve("o").toString());
    assertTrue(k.code() != 0 && k.err().contains("unknown key 'episodez'") && k.err().contains("episodes"), k.err());
    assertFalse(Files.exists(dir.resolve("o")));
    BadInputTest.Result help = BadInputTest.run("tournament", "--help");
    assertEquals(0, help.code());
    assertTrue(help.out().contains("--resume") && help.out().contains("lazy_forager"), help.out());
  }
}
