package dev.kindred.env.energy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.Autoreset;
import dev.kindred.env.BatchedEnv;
import dev.kindred.env.WorldType;
import dev.kindred.env.energy.EnergyWorldType;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FrameRendererTest {
  static final String MAP = String.join("\n",
      "#######",
      "#A.g.y#",
      "#..c.h#",
      "#A....#",
      "#######");

  static EnergyWorld world(Map<String, Object> config) {
    WorldType type = new EnergyWorldType.Room();
    return (EnergyWorld) type.create(type.schema().resolve(config), 1);
  }

  static int rgb(BufferedImage img, int x, int y, int cell) {
    int[] p = FrameRenderer.cellCentre(x, y, cell);
    return img.getRGB(p[0], p[1]) & 0xffffff;
  }

  @Test
  void cellsHaveTheirColours() {
    EnergyWorld w = world(Map.of("map", MAP, "kinship", "teams", "groups", 2.0));
    BatchedEnv env = new BatchedEnv(w, Autoreset.NEXT_STEP, 1L, List.of());
    env.reset(null, null);
    EnergyView v = w.view(0);
    assertEquals(CellKind.WALL, v.cell(0, 0));
    int cell = 20;
    BufferedImage img = FrameRenderer.render(v, cell, "test");
    assertEquals(7 * cell, img.getWidth());
    assertTrue(img.getHeight() > FrameRenderer.TITLE_HEIGHT + 5 * cell, "title, map and legend");

    assertEquals(FrameRenderer.WALL.getRGB() & 0xffffff, rgb(img, 0, 0, cell), "wall");
    assertEquals(FrameRenderer.WALL.getRGB() & 0xffffff, rgb(img, 6, 4, cell), "wall");
    int floor = FrameRenderer.FLOOR.getRGB() & 0xffffff;
    assertEquals(floor, rgb(img, 2, 1, cell), "empty floor");
    assertEquals(floor, rgb(img, 4, 3, cell), "empty floor");
    assertEquals(FrameRenderer.GREEN_CRYSTAL.getRGB() & 0xffffff, rgb(img, 3, 1, cell), "green generator");
    assertEquals(FrameRenderer.YELLOW_CRYSTAL.getRGB() & 0xffffff, rgb(img, 5, 1, cell), "yellow generator");
    assertEquals(FrameRenderer.ALTAR_READY.getRGB() & 0xffffff, rgb(img, 5, 2, cell), "ready altar");
    assertNotEquals(floor, rgb(img, 3, 2, cell), "converter");
    // Two agents in two groups: each drawn in its group's colour near the centre of its cell.
    for (int a = 0; a < 2; a++) {
      int x = v.agentX(a);
      int y = v.agentY(a);
      int[] p = FrameRenderer.cellCentre(x, y, cell);
      int centre = img.getRGB(p[0], p[1]) & 0xffffff;
      assertNotEquals(floor, centre, "agent " + a);
      // The disc's far side from the nose (which points where the agent faces).
      int[] dx = {0, 1, 0, -1};
      int[] dy = {-1, 0, 1, 0};
      int o = v.orientation(a);
      int body = img.getRGB(p[0] - 4 * dx[o], p[1] - 1 - 4 * dy[o]) & 0xffffff;
      assertEquals(FrameRenderer.groupColor(v.group(a)).getRGB() & 0xffffff, body, "agent " + a + " in its group colour");
    }
    assertNotEquals(v.group(0), v.group(1));
  }

  @Test
  void coolingAltarLooksDifferent() {
    // Agent 0 faces the altar on its right and has the energy to use it.
    String map = String.join("\n", "#####", "#Ah.#", "#####");
    EnergyWorld w = world(Map.of("map", map, "altar_cost", List.of(1.0), "initial_energy", List.of(100.0, 100.0),
        "altar_cooldown", List.of(5.0, 5.0)));
    BatchedEnv env = new BatchedEnv(w, Autoreset.NEXT_STEP, 1L, List.of());
    env.reset(null, null);
    int cell = 16;
    EnergyView v = w.view(0);
    env.step(new int[] {2, 1}); // rotate to face right
    assertEquals(FrameRenderer.ALTAR_READY.getRGB() & 0xffffff, rgb(FrameRenderer.render(v, cell), 2, 1, cell));
    env.step(new int[] {3, 0}); // use the altar
    assertTrue(!v.objectReady(0), "altar cooling down after use");
    assertEquals(FrameRenderer.ALTAR_COOLING.getRGB() & 0xffffff, rgb(FrameRenderer.render(v, cell), 2, 1, cell));
  }

  @Test
  void pngAndContactSheet(@TempDir Path dir) throws Exception {
    EnergyWorld w = world(Map.of("map", MAP));
    BatchedEnv env = new BatchedEnv(w, Autoreset.NEXT_STEP, 1L, List.of());
    env.reset(null, null);
    BufferedImage a = FrameRenderer.render(w.view(0), 12, "a");
    env.step(new int[] {1, 0, 2, 1});
    BufferedImage b = FrameRenderer.render(w.view(0), 12, "b");
    BufferedImage sheet = FrameRenderer.contactSheet(List.of(a, b, a), 2, "sheet");
    assertTrue(sheet.getWidth() >= 2 * a.getWidth() && sheet.getHeight() >= 2 * a.getHeight());
    Path p = dir.resolve("sub/frame.png");
    FrameRenderer.writePng(sheet, p);
    BufferedImage back = ImageIO.read(p.toFile());
    assertEquals(sheet.getWidth(), back.getWidth());
    assertEquals(sheet.getHeight(), back.getHeight());
  }
}
