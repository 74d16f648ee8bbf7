package dev.kindred.env.energy;

import static dev.kindred.env.energy.EnergyKit.ROOM;
import static dev.kindred.env.energy.EnergyKit.cfg;
import static dev.kindred.env.energy.EnergyKit.world;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.Cancellation;
import dev.kindred.env.DataFiles;
import dev.kindred.env.EnvException;
import dev.kindred.env.KindredException;
import dev.kindred.env.WorldContext;
import dev.kindred.env.WorldCost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Map files only from the data directory, never quoted; costs declared before building. */
class EnergyHostingTest {

  @Test
  void mapFilesNeedADataDirectory() {
    EnvException e = assertThrows(EnvException.class, () -> world(ROOM, cfg("map_file", "/etc/passwd"), 1));
    assertTrue(e.getMessage().startsWith("config.map_file: ") && e.getMessage().contains("no data directory")
        && e.getMessage().contains("inline with 'map'"), e.getMessage());
  }

  @Test
  void mapFileErrorsNeverQuoteTheFile(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("passwd"), "root:x:0:0:root:/root:/bin/bash\n");
    Files.writeString(dir.resolve("nobody.map"), "###\n#.#\n###\n");
    WorldContext context = WorldContext.reading(DataFiles.in(dir));
    EnvException e = assertThrows(EnvException.class, () -> world(ROOM, cfg("map_file", "passwd"), 1, context));
    assertEquals("config.map_file: unknown character at line 1, column 1; legend: " + AsciiMap.LEGEND,
        e.getMessage());
    assertThrows(EnvException.class, () -> world(ROOM, cfg("map_file", "nobody.map"), 1, context));
    EnvException outside = assertThrows(EnvException.class,
        () -> world(ROOM, cfg("map_file", "/proc/self/environ"), 1, context));
    assertFalse(outside.getMessage().contains("PATH="), outside.getMessage());
    // The client's own inline map is quoted back.
    EnvException inline = assertThrows(EnvException.class, () -> world(ROOM, cfg("map", "#Ax#"), 1));
    assertTrue(inline.getMessage().contains("'x'"), inline.getMessage());
  }

  @Test
  void costsAreDeclaredBeforeTheMapIsBuilt() {
    List<WorldCost> costs = new ArrayList<>();
    WorldContext refusing = new WorldContext(DataFiles.none(), Cancellation.NEVER, cost -> {
      costs.add(cost);
      throw EnvException.exhausted("refused");
    });
    assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThrows(EnvException.class,
        () -> world(ROOM, cfg("width", 4096, "height", 4096, "agents", 10_000, "view_size", 63), 65_536, refusing)));
    WorldCost c = costs.get(0);
    assertTrue(c.bytesPerCopy() >= 8L * 4096 * 4096 + 5L * 10_000 * 10_000, c.toString());
    assertTrue(c.stepWork() >= 10_000L * 17 * 63 * 63, c.toString());
    assertEquals("4096 x 4096 cells, 10000 agents, view_size 63", c.size());
  }

  @Test
  void buildingManyCopiesPollsTheCancellation() {
    AtomicInteger checks = new AtomicInteger();
    Cancellation second = () -> {
      if (checks.incrementAndGet() == 2) {
        throw new KindredException("CANCELLED", "test cancellation");
      }
    };
    assertThrows(KindredException.class,
        () -> world(ROOM, cfg(), 1000, new WorldContext(DataFiles.none(), second, c -> { })));
    assertEquals(2, checks.get());
  }
}
