package dev.kindred.env.energy;

import static dev.kindred.env.energy.EnergyKit.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.DataFiles;
import dev.kindred.env.WorldContext;
import dev.kindred.env.WorldRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Room builder, multi-room layouts, ASCII maps and the text rendering. */
class EnergyMapTest {

  private static int count(EnergyView v, CellKind kind) {
    int n = 0;
    for (int y = 0; y < v.height(); y++) {
      for (int x = 0; x < v.width(); x++) {
        if (v.cell(x, y) == kind) {
          n++;
        }
      }
    }
    return n;
  }

  @Test
  void theBuilderPlacesTheConfiguredCounts() {
    EnergyWorld w = world(new EnergyWorldType.S1(), cfg(), 2);
    Env e = new Env(w, 3L);
    EnergyView v = e.view;
    assertEquals(40, v.width());
    assertEquals(20, count(v, CellKind.AGENT));
    assertEquals(5, count(v, CellKind.ALTAR));
    assertEquals(10, count(v, CellKind.CONVERTER));
    assertEquals(25, count(v, CellKind.GREEN_GENERATOR));
    assertEquals(25, count(v, CellKind.YELLOW_GENERATOR));
    assertEquals(4 * 39 + 40, count(v, CellKind.WALL), "border plus 40 walls");
    for (int o = 0; o < v.objects(); o++) {
      assertEquals(v.objectKind(o), v.cell(v.objectX(o), v.objectY(o)));
    }
    for (int a = 0; a < v.agents(); a++) {
      assertEquals(a, v.agentAt(v.agentX(a), v.agentY(a)));
    }
    // Another copy (another episode seed) is laid out differently.
    assertTrue(!w.render(0).equals(w.render(1)));
  }

  @Test
  void roomsAreJoinedByDoors() {
    Env e = new Env(world(ROOM, cfg("width", 11, "height", 11, "rooms", new int[] {2, 2}, "door_width", 1,
        "agents", 1, "altars", 0, "converters", 0, "green_generators", 0, "yellow_generators", 0, "walls", 0), 1), 1L);
    String r = e.world.render(0);
    String[] lines = r.split("\n");
    // Separators at x = 5 and y = 5 split the inside into four 4x4 rooms; one door per shared wall segment.
    assertEquals('#', lines[1 + 5].charAt(0));
    int doors = 0;
    for (int k = 1; k < 10; k++) {
      if (e.view.cell(5, k) != CellKind.WALL && k != 5) {
        doors++;
      }
      if (e.view.cell(k, 5) != CellKind.WALL && k != 5) {
        doors++;
      }
    }
    assertEquals(4, doors, r);
    assertEquals(CellKind.WALL, e.view.cell(5, 5));
    int walls = count(e.view, CellKind.WALL);
    assertEquals(40 + 9 + 9 - 1 - 4, walls, "border, two separators crossing once, four doors\n" + r);
  }

  @Test
  void asciiMapsPlaceEverythingAndRenderBack() {
    String map = "#######\n#A.g.h#\n#.y.c.#\n#...A.#\n#######";
    Env e = map(map);
    assertEquals(7, e.view.width());
    assertEquals(5, e.view.height());
    assertEquals(2, e.agents);
    assertEquals(1, e.view.agentX(0));
    assertEquals(4, e.view.agentX(1));
    assertEquals(3, e.view.agentY(1));
    assertEquals(CellKind.GREEN_GENERATOR, e.view.cell(3, 1));
    assertEquals(CellKind.ALTAR, e.view.cell(5, 1));
    assertEquals(CellKind.YELLOW_GENERATOR, e.view.cell(2, 2));
    assertEquals(CellKind.CONVERTER, e.view.cell(4, 2));
    String r = e.world.render(0);
    assertTrue(r.contains("#######\n#0.g.h#\n#.y.c.#\n#...1.#\n#######\n"), r);
    assertTrue(r.contains("agent 1 at (4,3)"), r);
    assertTrue(r.contains("altar_cost=100"), r);
  }

  @Test
  void mapsLoadFromFiles(@TempDir Path dir) throws Exception {
    Files.writeString(Files.createDirectories(dir.resolve("maps")).resolve("tiny.map"), "#####\r\n#AhA#\r\n#####\r\n");
    EnergyWorld w = world(ROOM, cfg("map_file", "maps/tiny.map"), 1, WorldContext.reading(DataFiles.in(dir)));
    Env e = new Env(w, 1L);
    assertEquals(2, e.agents);
    assertEquals(CellKind.ALTAR, e.view.cell(2, 1));
    assertEquals("file:maps/tiny.map", w.spec().properties().get("map"));
  }

  @Test
  void behaviouralRooms() {
    WorldRegistry r = WorldRegistry.builtIn();
    Env alone = new Env(world(r.get("energy.alone"), cfg(), 1), 1L);
    assertEquals(0, alone.view.objects());
    assertEquals(1, alone.agents);
    Env altar = new Env(world(r.get("energy.altar_only"), cfg(), 1), 1L);
    assertEquals(1, altar.view.objects());
    assertEquals(CellKind.ALTAR, altar.view.objectKind(0));
    assertEquals(1000, altar.view.energy(0));
    assertEquals(0, count(altar.view, CellKind.GREEN_GENERATOR) + count(altar.view, CellKind.CONVERTER));
  }
}
