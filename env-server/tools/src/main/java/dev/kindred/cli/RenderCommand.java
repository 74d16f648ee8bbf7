package dev.kindred.cli;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import dev.kindred.env.Autoreset;
import dev.kindred.env.BatchedEnv;
import dev.kindred.env.EnvException;
import dev.kindred.env.World;
import dev.kindred.env.WorldRegistry;
import dev.kindred.env.WorldType;
import dev.kindred.env.energy.EnergyWorld;
import dev.kindred.env.energy.render.FrameRenderer;
import java.awt.image.BufferedImage;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code kindred energy render}: runs an energy world with random actions and draws frames
 * with {@link FrameRenderer} (a contact sheet or one PNG per frame), or prints the text
 * rendering of {@link EnergyWorld#render(int)}.
 */
public final class RenderCommand {
  private RenderCommand() {}

  /**
   * Random actions, weighted towards what makes a lively picture: noop, move, rotate, use,
   * attack, shield, swap, give. Arguments are drawn within each action's range.
   */
  static final double[] ACTION_WEIGHTS = {0.02, 0.40, 0.22, 0.20, 0.07, 0.04, 0.01, 0.04};
  static final int[] ARGUMENT_RANGE = {1, 2, 4, 1, 9, 1, 1, 3};

  public static String usage() {
    return """
        Usage: kindred energy render [flags]

        Runs one copy of an energy/kinship world with random actions (weighted towards move,
        rotate and use) and draws frames: a contact sheet (--out), one PNG per frame
        (--out-dir), or the text rendering (--text).

        Flags:
          --world ID          energy world id (default energy.s3): energy.room, energy.s1,
                              energy.s2, energy.s3, energy.alone, energy.altar_only
          --config K=V        a world config value (repeatable); V is JSON or a bare word,
                              e.g. --config kinship=teams --config groups=2 --config rooms=[2,2]
          --config-json JSON  the world config as one JSON object (applied before --config)
          --seed S            session seed (default 1)
          --steps N           random steps to take (default 120)
          --every K           draw a frame every K steps, and at step 0 (default 24)
          --cell P            pixels per cell (default 24; contact sheets of big maps: try 8)
          --columns C         frames per row of the contact sheet (default 3)
          --out FILE.png      write a contact sheet of all frames (default energy-frames.png)
          --out-dir DIR       write frame-NNNNN.png per frame instead
          --text              print the text rendering of each frame instead of drawing
          --help              this help
        """;
  }

  public static int run(String[] args) {
    return run(args, System.out, System.err);
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    String worldId = "energy.s3";
    Map<String, Object> config = new LinkedHashMap<>();
    Map<String, Object> overrides = new LinkedHashMap<>();
    long seed = 1;
    int steps = 120;
    int every = 24;
    int cell = 24;
    int columns = 3;
    String outFile = null;
    String outDir = null;
    boolean text = false;
    Gson gson = new Gson();
    try {
      for (int i = 0; i < args.length; i++) {
        String flag = args[i];
        String value = null;
        int eq = flag.indexOf('=');
        if (flag.startsWith("--") && eq > 0) {
          value = flag.substring(eq + 1);
          flag = flag.substring(0, eq);
        }
        switch (flag) {
          case "--help", "-h" -> {
            out.print(usage());
            return 0;
          }
          case "--text" -> text = true;
          case "--world", "--config", "--config-json", "--seed", "--steps", "--every", "--cell", "--columns",
              "--out", "--out-dir" -> {
            if (value == null) {
              if (i + 1 >= args.length) {
                throw new IllegalArgumentException(flag + " needs a value");
              }
              value = args[++i];
            }
            switch (flag) {
              case "--world" -> worldId = value;
              case "--config" -> {
                int e = value.indexOf('=');
                if (e <= 0) {
                  throw new IllegalArgumentException("--config needs key=value, got '" + value + "'");
                }
                overrides.put(value.substring(0, e).trim(), parseValue(gson, value.substring(e + 1).trim()));
              }
              case "--config-json" -> config.putAll(parseObject(gson, value));
              case "--seed" -> seed = parseLong(flag, value);
              case "--steps" -> steps = (int) nonNegative(flag, parseLong(flag, value));
              case "--every" -> every = (int) Math.max(1, positive(flag, parseLong(flag, value)));
              case "--cell" -> cell = (int) positive(flag, parseLong(flag, value));
              case "--columns" -> columns = (int) positive(flag, parseLong(flag, value));
              case "--out" -> outFile = value;
              case "--out-dir" -> outDir = value;
              default -> throw new AssertionError(flag);
            }
          }
          default -> throw new IllegalArgumentException("unknown flag " + flag + " (see --help)");
        }
      }
      if (cell < 4) {
        throw new IllegalArgumentException("--cell must be at least 4, got " + cell);
      }
    } catch (IllegalArgumentException | JsonParseException e) {
      err.println("kindred energy render: " + e.getMessage());
      return 2;
    }
    config.putAll(overrides);

    WorldRegistry registry = WorldRegistry.builtIn();
    EnergyWorld world;
    BatchedEnv env;
    try {
      if (!worldId.startsWith("energy.")) {
        throw new IllegalArgumentException("'" + worldId + "' is not an energy world; expected one of "
            + String.join(", ", registry.ids().stream().filter(id -> id.startsWith("energy.")).toList()));
      }
      WorldType type = registry.get(worldId);
      World w = type.create(type.schema().resolve(config), 1);
      world = (EnergyWorld) w;
      env = new BatchedEnv(world, Autoreset.NEXT_STEP, seed, List.of());
    } catch (EnvException | IllegalArgumentException e) {
      err.println("kindred energy render: " + e.getMessage());
      return 2;
    }
    int agents = world.spec().numAgents();
    SplittableRandom rng = new SplittableRandom(seed ^ 0x5DEECE66DL);
    int[] actions = new int[2 * agents];
    String title = worldId + "  seed " + seed;
    List<BufferedImage> frames = new ArrayList<>();
    int written = 0;
    env.reset(null, null);
    for (int t = 0; t <= steps; t++) {
      if (t > 0) {
        for (int a = 0; a < agents; a++) {
          int action = pick(rng);
          actions[2 * a] = action;
          actions[2 * a + 1] = rng.nextInt(ARGUMENT_RANGE[action]);
        }
        env.step(actions);
      }
      if (t % every != 0 && t != steps) {
        continue;
      }
      if (text) {
        out.print(world.render(0));
        out.println();
      } else if (outDir != null) {
        Path p = Path.of(outDir, String.format(Locale.ROOT, "frame-%05d.png", t));
        FrameRenderer.writePng(world.view(0), cell, title, p);
        written++;
      } else {
        frames.add(FrameRenderer.render(world.view(0), cell, title));
      }
    }
    if (text) {
      return 0;
    }
    if (outDir != null) {
      err.printf(Locale.ROOT, "kindred energy render: wrote %d frames to %s%n", written, outDir);
      return 0;
    }
    Path p = Path.of(outFile == null ? "energy-frames.png" : outFile);
    FrameRenderer.writePng(FrameRenderer.contactSheet(frames, columns,
        String.format(Locale.ROOT, "%s, seed %d: %d random steps, a frame every %d", worldId, seed, steps, every)), p);
    err.printf(Locale.ROOT, "kindred energy render: wrote a contact sheet of %d frames to %s%n", frames.size(), p);
    return 0;
  }

  private static int pick(SplittableRandom rng) {
    double u = rng.nextDouble();
    for (int k = 0; k < ACTION_WEIGHTS.length; k++) {
      u -= ACTION_WEIGHTS[k];
      if (u < 0) {
        return k;
      }
    }
    return 0;
  }

  private static Object parseValue(Gson gson, String v) {
    try {
      Object o = gson.fromJson(v, Object.class);
      return o == null ? v : o;
    } catch (JsonParseException e) {
      return v;
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> parseObject(Gson gson, String v) {
    Object o = gson.fromJson(v, Object.class);
    if (!(o instanceof Map<?, ?> m)) {
      throw new IllegalArgumentException("--config-json needs a JSON object, got '" + v + "'");
    }
    return (Map<String, Object>) m;
  }

  private static long parseLong(String flag, String v) {
    try {
      return Long.parseLong(v.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " needs an integer, got '" + v + "'");
    }
  }

  private static long positive(String flag, long v) {
    if (v < 1) {
      throw new IllegalArgumentException(flag + " must be at least 1, got " + v);
    }
    return v;
  }

  private static long nonNegative(String flag, long v) {
    if (v < 0) {
      throw new IllegalArgumentException(flag + " must be at least 0, got " + v);
    }
    return v;
  }
}
