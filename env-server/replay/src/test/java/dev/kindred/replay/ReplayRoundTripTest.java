package dev.kindred.replay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Writer to reader: every reconstructed state, action, success and reward equals what the world did. */
class ReplayRoundTripTest {

  private static void assertRoundTrip(ReplayKit.Recorded rec, int expectedSteps) {
    Replay r = ReplayReader.read("test.replay.jsonl.gz", rec.file());
    assertEquals(expectedSteps, r.steps());
    for (int t = 0; t < r.steps(); t++) {
      assertArrayEquals(rec.actions().get(t), r.actions().get(t), "actions of step " + (t + 1));
      assertArrayEquals(rec.rewards().get(t), r.rewards().get(t), "rewards of step " + (t + 1));
      assertArrayEquals(rec.success().get(t), r.success().get(t), "success of step " + (t + 1));
    }
    if (rec.energyFrames() != null) {
      assertEquals(rec.energyFrames().size(), r.energyFrames().size());
      for (int t = 0; t < rec.energyFrames().size(); t++) {
        assertNull(rec.energyFrames().get(t).firstDifference(r.energyFrames().get(t)), "state after step " + t);
      }
    } else {
      assertEquals(rec.spinFrames().size(), r.spinFrames().size());
      for (int t = 0; t < rec.spinFrames().size(); t++) {
        assertNull(rec.spinFrames().get(t).firstDifference(r.spinFrames().get(t), t > 0), "state after step " + t);
      }
    }
  }

  @Test
  void energyS1LongRandomTrajectory() {
    ReplayKit.Recorded rec = ReplayKit.record("energy.s1", Map.of("max_steps", 1000), 42, 1000);
    assertRoundTrip(rec, 1000);
    Replay r = ReplayReader.read("s1", rec.file());
    assertEquals("energy.s1", r.world());
    assertEquals(42L, r.seed());
    assertEquals(20, r.agents());
    assertTrue(r.end().get("truncated").getAsBoolean());
    // some agents moved, some objects changed: the change lists were exercised
    assertTrue(ReplayKit.lines(rec.file()).stream().anyMatch(l -> l.contains("\"objects\":[[")));
  }

  @Test
  void energyWithRandomKinshipSampledEconomyAndBodies() {
    Map<String, Object> cfg = Map.of("kinship", "random", "groups", 2, "move_cost", List.of(1, 4),
        "altar_reward", List.of(1, 3), "body_profiles", List.of(List.of(1, 1, 1, 1, 1, 1, 1, 1),
            List.of(1, 2, 1, 1, 0.5, 1, 1, 1)), "max_steps", 600);
    ReplayKit.Recorded rec = ReplayKit.record("energy.s3", cfg, -7, 600);
    assertRoundTrip(rec, 600);
    Replay r = ReplayReader.read("kin", rec.file());
    var kin = r.header().getAsJsonObject("energy").getAsJsonArray("kinship");
    assertEquals(5, kin.size());
    assertTrue(kin.get(0).getAsJsonArray().get(1).getAsFloat() != 0f || kin.get(1).getAsJsonArray().get(0)
        .getAsFloat() != 0f, "random kinship has off-diagonal entries");
    assertEquals(2.0f, r.header().getAsJsonObject("energy").getAsJsonArray("body").get(1).getAsJsonArray().get(1)
        .getAsFloat());
  }

  @Test
  void spinLatticeWithControlledSpins() {
    Map<String, Object> cfg = Map.of("width", 12, "height", 10, "controlled", List.of(0, 5, 77), "clamped",
        List.of(3), "clamped_values", List.of(-1), "max_steps", 300, "beta", 0.6);
    ReplayKit.Recorded rec = ReplayKit.record("spin.lattice", cfg, 9, 300);
    assertRoundTrip(rec, 300);
    Replay r = ReplayReader.read("spin", rec.file());
    assertEquals("spin", r.kind());
    assertEquals(3, r.agents());
    assertEquals("lattice", r.header().getAsJsonObject("spin").getAsJsonObject("graph").get("kind").getAsString());
  }

  @Test
  void seedsBeyond2To53AreStringsAndReadBackExactly() {
    long seed = Long.MIN_VALUE + 12345;
    ReplayKit.Recorded rec = ReplayKit.record("energy.s3", Map.of("max_steps", 5), seed, 5);
    String header = ReplayKit.lines(rec.file()).get(0);
    assertTrue(header.contains("\"seed\":\"" + seed + "\""), header.substring(0, 200));
    assertEquals(seed, ReplayReader.read("s", rec.file()).seed());
  }
}
