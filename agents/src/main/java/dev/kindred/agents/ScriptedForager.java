package dev.kindred.agents;

import dev.kindred.env.FeatureSpec;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.StepBatch;
import dev.kindred.env.TensorSpec;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * The energy world's scripted baseline: gather → convert → altar. From its egocentric window it
 * picks a goal — the altar when it has at least {@code altar_cost} energy to spare, else a
 * converter when it carries the crystals a conversion takes, else a ready generator of a
 * colour it lacks — walks a shortest path (breadth-first over free cells of the window) to a
 * cell next to the nearest one, turns to face it and uses it. With no goal in view it wanders.
 *
 * <p>Reads {@code grid}, or {@code tokens} scattered into the same image ({@link WindowImage};
 * channels: wall 9, generators 10 and 11, converter 12, altar 13, object_ready 14, agents 0), and
 * the named {@code globals} features. Writes
 * {@code [action, argument]}: 1 move (0 forward), 2 rotate (direction), 3 use.
 */
public final class ScriptedForager implements BatchPolicy {
  private static final int AGENT = 0;
  private static final int WALL = 9;
  private static final int GREEN_GENERATOR = 10;
  private static final int YELLOW_GENERATOR = 11;
  private static final int CONVERTER = 12;
  private static final int ALTAR = 13;
  private static final int READY = 14;
  private static final int[] DX = {0, 1, 0, -1};
  private static final int[] DY = {-1, 0, 1, 0};

  private final int view;
  private final int plane;
  private final int channels;
  private final int globals;
  private final int gEnergy;
  private final int gGreen;
  private final int gYellow;
  private final int gOrientation;
  private final int gAltarCost;
  private final int gNeedGreen;
  private final int gNeedYellow;
  private final int gMoveCost;
  private final SplittableRandom random;
  /** The window as an image, from the grid or the tokens observation. */
  private final WindowImage window;
  // Breadth-first search scratch over the window.
  private final int[] queue;
  private final int[] firstStep;
  private final boolean[] target;

  public ScriptedForager(SessionSpec spec, long seed) {
    TensorSpec w = WindowImage.find(spec);
    if (w == null) {
      throw new IllegalArgumentException("the scripted forager needs the energy world's 'grid' or 'tokens' "
          + "observation; " + spec.worldId() + " has neither");
    }
    this.window = WindowImage.of(spec, w);
    TensorSpec g = tensor(spec, "globals");
    this.channels = window.shape()[0];
    this.view = window.shape()[1];
    this.plane = view * view;
    this.globals = g.shape()[0];
    this.gEnergy = feature(g, "energy");
    this.gGreen = feature(g, "green");
    this.gYellow = feature(g, "yellow");
    this.gOrientation = feature(g, "orientation");
    this.gAltarCost = feature(g, "economy.altar_cost");
    this.gNeedGreen = feature(g, "economy.converter_green");
    this.gNeedYellow = feature(g, "economy.converter_yellow");
    this.gMoveCost = feature(g, "economy.move_cost");
    this.random = new SplittableRandom(seed);
    this.queue = new int[plane];
    this.firstStep = new int[plane];
    this.target = new boolean[plane];
  }

  private static TensorSpec tensor(SessionSpec spec, String name) {
    return spec.observations().stream().filter(t -> t.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("the scripted forager needs the energy world's '" + name
            + "' observation; " + spec.worldId() + " has none"));
  }

  private static int feature(TensorSpec t, String name) {
    for (FeatureSpec f : t.features()) {
      if (f.name().equals(name)) {
        return f.index();
      }
    }
    throw new IllegalArgumentException("globals has no feature '" + name + "'");
  }

  @Override
  public void act(StepBatch observation, int[] actions) {
    ByteBuffer grid = window.image(observation);
    ByteBuffer glob = observation.observation("globals");
    int rows = observation.copies() * observation.agents();
    for (int r = 0; r < rows; r++) {
      int gb = r * globals * 4;
      float energy = glob.getFloat(gb + 4 * gEnergy);
      float green = glob.getFloat(gb + 4 * gGreen);
      float yellow = glob.getFloat(gb + 4 * gYellow);
      int orientation = (int) glob.getFloat(gb + 4 * gOrientation);
      float altarCost = glob.getFloat(gb + 4 * gAltarCost);
      float needGreen = glob.getFloat(gb + 4 * gNeedGreen);
      float needYellow = glob.getFloat(gb + 4 * gNeedYellow);
      float spare = Math.max(10, 4 * glob.getFloat(gb + 4 * gMoveCost));
      int base = r * channels * plane;
      int goal = -1;
      if (energy >= altarCost + spare && mark(grid, base, ALTAR, -1)) {
        goal = ALTAR;
      } else if (green >= needGreen && yellow >= needYellow && mark(grid, base, CONVERTER, -1)) {
        goal = CONVERTER;
      } else if (green < needGreen && mark(grid, base, GREEN_GENERATOR, READY)) {
        goal = GREEN_GENERATOR;
      } else if (yellow < needYellow && mark(grid, base, YELLOW_GENERATOR, READY)) {
        goal = YELLOW_GENERATOR;
      } else if (mark(grid, base, GREEN_GENERATOR, READY) || mark(grid, base, YELLOW_GENERATOR, READY)) {
        goal = GREEN_GENERATOR;
      }
      int dir = goal < 0 ? -1 : route(grid, base);
      int a = r * 2;
      if (dir >= 4) {
        // Next to a goal: face it, then use it.
        int face = dir - 4;
        actions[a] = face == orientation ? 3 : 2;
        actions[a + 1] = face == orientation ? 0 : face;
      } else if (dir >= 0) {
        actions[a] = dir == orientation ? 1 : 2;
        actions[a + 1] = dir == orientation ? 0 : dir;
      } else {
        wander(grid, base, orientation, actions, a);
      }
    }
  }

  /** Marks the cells of {@code channel} (and, when {@code ready >= 0}, that channel) as targets. */
  private boolean mark(ByteBuffer grid, int base, int channel, int ready) {
    boolean any = false;
    for (int k = 0; k < plane; k++) {
      boolean t = grid.get(base + channel * plane + k) != 0 && (ready < 0 || grid.get(base + ready * plane + k) != 0);
      target[k] = t;
      any |= t;
    }
    return any;
  }

  private boolean blocked(ByteBuffer grid, int base, int k) {
    for (int c : new int[] {AGENT, WALL, GREEN_GENERATOR, YELLOW_GENERATOR, CONVERTER, ALTAR}) {
      if (grid.get(base + c * plane + k) != 0) {
        return true;
      }
    }
    return false;
  }

  /**
   * Breadth-first from the centre over free cells to a cell next to a target. Returns 4 + the
   * direction of an adjacent target, the first step's direction, or -1 when none is reachable.
   */
  private int route(ByteBuffer grid, int base) {
    int centre = (view / 2) * view + view / 2;
    for (int d = 0; d < 4; d++) {
      int n = step(centre, d);
      if (n >= 0 && target[n]) {
        return 4 + d;
      }
    }
    java.util.Arrays.fill(firstStep, -2);
    int head = 0;
    int tail = 0;
    firstStep[centre] = -1;
    queue[tail++] = centre;
    while (head < tail) {
      int cell = queue[head++];
      for (int d = 0; d < 4; d++) {
        int n = step(cell, d);
        if (n < 0 || firstStep[n] != -2) {
          continue;
        }
        if (target[n]) {
          return firstStep[cell] < 0 ? d : firstStep[cell];
        }
        if (blocked(grid, base, n)) {
          continue;
        }
        firstStep[n] = firstStep[cell] < 0 ? d : firstStep[cell];
        queue[tail++] = n;
      }
    }
    return -1;
  }

  private int step(int cell, int d) {
    int x = cell % view + DX[d];
    int y = cell / view + DY[d];
    return x < 0 || y < 0 || x >= view || y >= view ? -1 : y * view + x;
  }

  private void wander(ByteBuffer grid, int base, int orientation, int[] actions, int a) {
    int centre = (view / 2) * view + view / 2;
    int ahead = step(centre, orientation);
    boolean free = ahead >= 0 && !blocked(grid, base, ahead) && grid.get(base + ahead) == 0;
    if (free && random.nextInt(8) != 0) {
      actions[a] = 1;
      actions[a + 1] = 0;
    } else {
      actions[a] = 2;
      actions[a + 1] = random.nextInt(4);
    }
  }
}
