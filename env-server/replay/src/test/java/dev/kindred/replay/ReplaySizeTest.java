package dev.kindred.replay;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The size bound: a 1,000-step energy.s1 replay (20 agents, 40x40) with random play is at most 1 MB. */
class ReplaySizeTest {
  @Test
  void aThousandStepS1ReplayIsAtMostOneMegabyte() {
    ReplayKit.Recorded rec = ReplayKit.record("energy.s1", Map.of("max_steps", 1000), 2024, 1000);
    int size = rec.file().length;
    System.out.printf("replay size: energy.s1, 20 agents, 40x40, 1000 steps of random play: %d bytes (%.1f KB, "
        + "%.0f bytes per step)%n", size, size / 1024.0, size / 1000.0);
    assertTrue(size <= 1_000_000, "a 1000-step S1 replay takes " + size + " bytes; the bound is 1 MB");
  }
}
