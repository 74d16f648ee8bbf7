package dev.kindred.cli;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import dev.kindred.cli.support.Cli;
import dev.kindred.cli.support.PrintingCommand;
import dev.kindred.cli.support.SeedOption;
import dev.kindred.env.Autoreset;
import dev.kindred.env.BatchedEnv;
import dev.kindred.env.DataFiles;
import dev.kindred.env.EnvException;
import dev.kindred.env.World;
import dev.kindred.env.WorldContext;
import dev.kindred.env.WorldRegistry;
import dev.kindred.env.WorldType;
import dev.kindred.env.energy.EnergyWorld;
import dev.kindred.env.energy.FrameRenderer;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kindred energy render}: runs an energy world with random actions and draws frames
 * with {@link FrameRenderer} (a contact sheet or one PNG per frame), or prints the text
 * rendering of {@link EnergyWorld#render(int)}.
 */
@Command(name = "render",
    description = {
        "Run an energy world with random actions and draw PNG frames (a contact sheet or one file per frame) "
            + "or print the text rendering.",
        "",
        "Runs one copy of an energy/kinship world with random actions (weighted towards move, rotate and use) "
            + "and draws frames: a contact sheet (--out), one PNG per frame (--out-dir), or the text rendering "
            + "(--text)."})
public final class RenderCommand extends PrintingCommand {

  /**
   * Random actions, weighted towards what makes a lively picture: noop, move, rotate, use,
   * attack, shield, swap, give. Arguments are drawn within each action's range.
   */
  static final double[] ACTION_WEIGHTS = {0.02, 0.40, 0.22, 0.20, 0.07, 0.04, 0.01, 0.04};
  static final int[] ARGUMENT_RANGE = {1, 2, 4, 1, 9, 1, 1, 3};

  private static final Gson GSON = new Gson();

  @Option(names = "--world", paramLabel = "ID",
      description = "energy world id (default ${DEFAULT-VALUE}): energy.room, energy.s1, energy.s2, energy.s3, "
          + "energy.alone, energy.altar_only")
  String worldId = "energy.s3";

  @Option(names = "--config", paramLabel = "K=V",
      description = "a world config value (repeatable); V is JSON or a bare word, e.g. --config kinship=teams "
          + "--config groups=2 --config rooms=[2,2]")
  Map<String, String> overrides = new LinkedHashMap<>();

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "directory that --config map_file=NAME reads from, by a path relative to it (default: the "
          + "current directory)")
  Path dataDir = Path.of(".");

  @Option(names = "--config-json", paramLabel = "JSON",
      description = "the world config as one JSON object (applied before --config)")
  String configJson;

  @Mixin
  SeedOption seed = new SeedOption();

  @Option(names = "--steps", paramLabel = "N", description = "random steps to take (default ${DEFAULT-VALUE})")
  int steps = 120;

  @Option(names = "--every", paramLabel = "K",
      description = "draw a frame every K steps, and at step 0 (default ${DEFAULT-VALUE})")
  int every = 24;

  @Option(names = "--cell", paramLabel = "P",
      description = "pixels per cell (default ${DEFAULT-VALUE}; contact sheets of big maps: try 8)")
  int cell = 24;

  @Option(names = "--columns", paramLabel = "C",
      description = "frames per row of the contact sheet (default ${DEFAULT-VALUE})")
  int columns = 3;

  @Option(names = "--out", paramLabel = "FILE.png",
      description = "write a contact sheet of all frames (default energy-frames.png)")
  String outFile;

  @Option(names = "--out-dir", paramLabel = "DIR", description = "write frame-NNNNN.png per frame instead")
  String outDir;

  @Option(names = "--text", description = "print the text rendering of each frame instead of drawing")
  boolean text;

  @Override
  public Integer call() {
    Cli.atLeast("--steps", steps, 0);
    Cli.positive("--every", every);
    Cli.atLeast("--cell", cell, 4);
    Cli.positive("--columns", columns);
    Map<String, Object> config = new LinkedHashMap<>();
    if (configJson != null) {
      config.putAll(parseObject(configJson));
    }
    overrides.forEach((k, v) -> config.put(k.trim(), parseValue(v.trim())));

    WorldRegistry registry = WorldRegistry.builtIn();
    EnergyWorld world;
    BatchedEnv env;
    try {
      if (!worldId.startsWith("energy.")) {
        throw new IllegalArgumentException("'" + worldId + "' is not an energy world; expected one of "
            + String.join(", ", registry.ids().stream().filter(id -> id.startsWith("energy.")).toList()));
      }
      WorldType type = registry.get(worldId);
      World w = type.create(type.schema().resolve(config), 1, WorldContext.reading(DataFiles.in(dataDir)));
      world = (EnergyWorld) w;
      env = new BatchedEnv(world, Autoreset.NEXT_STEP, seed.value, List.of());
    } catch (EnvException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    int agents = world.spec().numAgents();
    SplittableRandom rng = new SplittableRandom(seed.value ^ 0x5DEECE66DL);
    int[] actions = new int[2 * agents];
    String title = worldId + "  seed " + seed.value;
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
    FrameRenderer.writePng(FrameRenderer.contactSheet(frames, columns, String.format(Locale.ROOT,
        "%s, seed %d: %d random steps, a frame every %d", worldId, seed.value, steps, every)), p);
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

  private static Object parseValue(String v) {
    try {
      Object o = GSON.fromJson(v, Object.class);
      return o == null ? v : o;
    } catch (JsonParseException e) {
      return v;
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> parseObject(String v) {
    Object o;
    try {
      o = GSON.fromJson(v, Object.class);
    } catch (JsonParseException e) {
      throw new IllegalArgumentException("--config-json is not JSON: " + e.getMessage(), e);
    }
    if (!(o instanceof Map<?, ?> m)) {
      throw new IllegalArgumentException("--config-json needs a JSON object, got '" + v + "'");
    }
    return (Map<String, Object>) m;
  }
}
