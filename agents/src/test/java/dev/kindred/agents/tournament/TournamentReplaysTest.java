package dev.kindred.agents.tournament;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.kindred.replay.Replay;
import dev.kindred.replay.ReplayReader;
import dev.kindred.replay.ReplayVerifier;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tournament --replays: the sampled games are recorded, linked, name their brains by seat and re-simulate exactly. */
class TournamentReplaysTest {
  private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

  @Test
  void sampledGamesHaveReplaysThatNameTheirSeatsAndVerify(@TempDir Path dir) throws Exception {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "replays");
    m.put("seed", 5.0);
    m.put("episodes", 4.0);
    m.put("copies", 4.0);
    m.put("bootstrap", 50.0);
    m.put("brains", List.of(Map.of("name", "walker", "brain", "scripted_forager"),
        Map.of("name", "coin", "brain", "random")));
    m.put("scenarios", List.of(Map.of("name", "small", "world", "energy.s3", "world_config", Map.of("max_steps", 60.0),
        "layout", "half")));
    TournamentConfig cfg = TournamentConfig.of(m);
    Path out = dir.resolve("out");
    List<Tournament.Brain> brains = Tournament.brains(cfg);
    List<Tournament.Pairing> pairings = Tournament.play(cfg, brains, out, false, QUIET,
        new Tournament.ReplayOptions(out.resolve("replays"), 2));
    TournamentReport.write(cfg, brains, pairings, out, Instant.EPOCH, 0);

    Tournament.Pairing p = pairings.get(0);
    int recorded = 0;
    for (Tournament.Game g : p.games()) {
      if (g.pair() >= 2) {
        assertNull(g.replay(), "only the first 2 pairs are sampled");
        continue;
      }
      assertNotNull(g.replay(), "pair " + g.pair() + " seating " + g.seating());
      recorded++;
      Replay r = ReplayReader.read(out.resolve(g.replay()));
      assertEquals("tournament", r.header().get("recorder").getAsString());
      JsonObject seatA = r.header().getAsJsonArray("seats").get(0).getAsJsonObject();
      assertEquals("walker", seatA.get("name").getAsString());
      int firstSeat = seatA.getAsJsonArray("agents").get(0).getAsInt();
      assertEquals(g.seatsA()[0], firstSeat, "the seats in the file are the game's");
      assertEquals("builtin", seatA.getAsJsonObject("brain").get("kind").getAsString());
      // the file's hearts are the game's
      double hearts = 0;
      var perAgent = r.end().getAsJsonObject("agent_stats").getAsJsonArray("hearts");
      for (int s : g.seatsA()) {
        hearts += perAgent.get(s).getAsDouble();
      }
      assertEquals(g.heartsA(), hearts / g.seatsA().length, 1e-9);
      assertTrue(ReplayVerifier.verify(r).ok());
    }
    assertEquals(4, recorded, "2 pairs x 2 seatings");
    String results = Files.readString(out.resolve("results.json"));
    assertTrue(results.contains("\"replay\": \"replays/small-walker-vs-coin-A-c0-e0.replay.jsonl.gz\""), results);
    String html = Files.readString(out.resolve("leaderboard.html"));
    assertTrue(html.contains("<a href=\"replays/small-walker-vs-coin-B-c1-e0.replay.jsonl.gz\">"), html);
  }
}
