package dev.kindred.env.energy;

import static dev.kindred.env.energy.EnergyKit.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kindred.env.FeatureSpec;
import dev.kindred.env.TensorSpec;
import dev.kindred.env.WorldType;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The fast observation writer against a plain, readable one built on the public view: they must
 * agree byte for byte, step after step.
 */
class EnergyObservationTest {

  /** The readable version: one window cell at a time, from the view only. */
  static byte[] referenceGrid(EnergyView v, int observer, int size) {
    int c = Observer.CHANNELS;
    byte[] out = new byte[c * size * size];
    int r = size / 2;
    int[][] objectAt = new int[v.width()][v.height()];
    for (int[] col : objectAt) {
      Arrays.fill(col, -1);
    }
    for (int o = 0; o < v.objects(); o++) {
      objectAt[v.objectX(o)][v.objectY(o)] = o;
    }
    for (int row = 0; row < size; row++) {
      for (int col = 0; col < size; col++) {
        int x = v.agentX(observer) - r + col;
        int y = v.agentY(observer) - r + row;
        if (x < 0 || y < 0 || x >= v.width() || y >= v.height()) {
          continue;
        }
        int at = row * size + col;
        int plane = size * size;
        CellKind k = v.cell(x, y);
        switch (k) {
          case EMPTY -> { }
          case WALL -> out[Observer.WALL * plane + at] = 1;
          case AGENT -> {
            int j = v.agentAt(x, y);
            out[Observer.AGENT * plane + at] = 1;
            out[Observer.AGENT_ENERGY * plane + at] = (byte) (255 * v.energy(j) / v.maxEnergy());
            out[Observer.AGENT_ORIENTATION * plane + at] = (byte) (1 + v.orientation(j));
            out[Observer.AGENT_FROZEN * plane + at] = (byte) Math.min(255, v.frozenTicks(j));
            out[Observer.AGENT_SHIELD * plane + at] = (byte) (v.shielded(j) ? 1 : 0);
            out[Observer.AGENT_GROUP * plane + at] = (byte) (1 + v.group(j));
            out[Observer.AGENT_KINSHIP * plane + at] = (byte) Math.round(255 * v.kinship(observer, j));
            out[Observer.AGENT_GREEN * plane + at] = (byte) Math.min(255, v.inventory(j, 0));
            out[Observer.AGENT_YELLOW * plane + at] = (byte) Math.min(255, v.inventory(j, 1));
          }
          default -> {
            int o = objectAt[x][y];
            int channel = switch (k) {
              case GREEN_GENERATOR -> Observer.GREEN_GENERATOR;
              case YELLOW_GENERATOR -> Observer.YELLOW_GENERATOR;
              case CONVERTER -> Observer.CONVERTER;
              default -> Observer.ALTAR;
            };
            out[channel * plane + at] = 1;
            out[Observer.OBJECT_READY * plane + at] = (byte) (v.objectReady(o) ? 1 : 0);
            out[Observer.OBJECT_COOLDOWN * plane + at] = (byte) Math.min(255, v.objectCooldown(o));
            out[Observer.GENERATOR_STOCK * plane + at] = (byte) Math.max(0, Math.min(255, v.objectStock(o)));
          }
        }
      }
    }
    return out;
  }

  private static void compare(WorldType type, Map<String, Object> cfg, int steps, long seed) {
    EnergyWorld w = world(type, cfg, 2);
    Env e = new Env(w, seed);
    int size = w.spec().observations().get(0).shape()[1];
    int block = Observer.CHANNELS * size * size;
    SplittableRandom rng = new SplittableRandom(seed);
    int[] actions = new int[2 * e.agents * 2];
    for (int t = 0; t <= steps; t++) {
      if (t > 0) {
        for (int i = 0; i < actions.length; i += 2) {
          // Bias towards moving and using so that the world changes.
          int a = rng.nextInt(12);
          actions[i] = a >= ActionTable.COUNT ? (a % 2 == 0 ? MOVE : USE) : a;
          actions[i + 1] = rng.nextInt(a == ROTATE ? 4 : ActionTable.ARGUMENTS);
        }
        e.batch = e.env.step(actions);
      }
      ByteBuffer grid = e.batch.observation("grid");
      ByteBuffer globals = e.batch.observation("globals");
      for (int copy = 0; copy < 2; copy++) {
        EnergyView v = w.view(copy);
        for (int a = 0; a < e.agents; a++) {
          int agentIndex = copy * e.agents + a;
          byte[] fast = Arrays.copyOfRange(grid.array(), agentIndex * block, (agentIndex + 1) * block);
          assertArrayEquals(referenceGrid(v, a, size), fast, "step " + t + ", copy " + copy + ", agent " + a);
          int g = agentIndex * Observer.GLOBALS * 4;
          assertEquals((float) v.energy(a), globals.getFloat(g + 4 * Observer.G_ENERGY));
          assertEquals((float) v.inventory(a, 1), globals.getFloat(g + 4 * Observer.G_YELLOW));
          assertEquals((float) v.orientation(a), globals.getFloat(g + 4 * Observer.G_ORIENTATION));
          assertEquals((float) v.frozenTicks(a), globals.getFloat(g + 4 * Observer.G_FROZEN));
          assertEquals(v.shielded(a) ? 1f : 0f, globals.getFloat(g + 4 * Observer.G_SHIELD));
          assertEquals(e.batch.rewards()[agentIndex], globals.getFloat(g + 4 * Observer.G_LAST_REWARD));
          if (t > 0 && e.batch.resetMask()[copy] == 0) {
            assertEquals((float) actions[2 * agentIndex], globals.getFloat(g + 4 * Observer.G_LAST_ACTION));
            assertEquals((float) e.batch.actionSuccess()[agentIndex], globals.getFloat(g + 4 * Observer.G_LAST_SUCCESS));
          }
          assertEquals((float) v.economy(Economy.CONVERTER_ENERGY),
              globals.getFloat(g + 4 * (Observer.G_ECONOMY + Economy.CONVERTER_ENERGY)));
        }
      }
    }
  }

  @Test
  void fastGridAgreesWithTheReadableVersionOnS3() {
    compare(new EnergyWorldType.S3(), cfg("kinship", "families", "groups", 3, "generator_cooldown", new int[] {0, 6},
        "freeze_duration", new int[] {2, 300}, "initial_energy", new int[] {30, 250}, "max_steps", 120), 300, 5L);
  }

  @Test
  void fastGridAgreesWithTheReadableVersionOnS1() {
    compare(new EnergyWorldType.S1(), cfg("kinship", "random"), 60, 6L);
  }

  @Test
  void fastGridAgreesAtTheEdgesOfSmallOddMapsAndWindows() {
    compare(ROOM, cfg("map", "AgA.\n.hyA\nA.cA", "view_size", 5), 100, 7L);
    compare(ROOM, cfg("map", "AgA.\n.hyA\nA.cA", "view_size", 13, "kinship", "teams", "groups", 2), 100, 8L);
    compare(ROOM, cfg("map", "A", "view_size", 1), 10, 9L);
  }

  @Test
  void theSpecListsEveryFeature() {
    EnergyWorld w = world(new EnergyWorldType.S3(), cfg("view_size", 7), 1);
    TensorSpec grid = w.spec().observations().get(0);
    assertArrayEquals(new int[] {Observer.CHANNELS, 7, 7}, grid.shape());
    assertEquals(Observer.CHANNELS, grid.features().size());
    TensorSpec globals = w.spec().observations().get(1);
    assertEquals(Observer.GLOBALS, globals.shape()[0]);
    assertEquals(Observer.GLOBALS, globals.features().size());
    for (int i = 0; i < globals.features().size(); i++) {
      FeatureSpec f = globals.features().get(i);
      assertEquals(i, f.index());
    }
    assertEquals("economy.altar_cost", globals.features().get(Observer.G_ECONOMY + Economy.ALTAR_COST).name());
    assertEquals("body.attack", globals.features().get(Observer.G_BODY + ActionTable.ATTACK).name());
  }

  @Test
  void onlyRequestedObservationsAreWritten() {
    EnergyWorld w = world(new EnergyWorldType.S3(), cfg(), 1);
    var env = new dev.kindred.env.BatchedEnv(w, dev.kindred.env.Autoreset.NEXT_STEP, 1L, java.util.List.of("globals"));
    var b = env.reset(null, null);
    assertEquals(1, b.observationCount());
    env.step(new int[2 * 5]);
    assertEquals(250f, b.observation("globals").getFloat(0));
  }
}
