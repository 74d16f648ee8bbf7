package dev.kindred.env.energy;

import dev.kindred.env.Config;
import dev.kindred.env.ConfigSchema;
import dev.kindred.env.Parameter;
import dev.kindred.env.ParameterType;
import dev.kindred.env.World;
import dev.kindred.env.WorldContext;
import dev.kindred.env.WorldType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The energy/kinship world types. They share one schema and differ only in its defaults:
 * {@code energy.room} (a configurable 25x25 room), the benchmark scenarios
 * {@code energy.s1}, {@code energy.s2}, {@code energy.s3} of docs/benchmarks.md, and the
 * talk's behavioural rooms {@code energy.alone} and {@code energy.altar_only}. Every key can be
 * overridden in every one of them. Each id is a nested class listed in
 * {@code META-INF/services/dev.kindred.env.WorldType}.
 */
public abstract class EnergyWorldType implements WorldType {
  private final String id;
  private final String title;
  private final String summary;
  private final ConfigSchema schema;

  EnergyWorldType(String id, String title, String summary, Map<String, Object> defaults) {
    this.id = id;
    this.title = title;
    this.summary = summary;
    this.schema = new ConfigSchema(parameters(defaults));
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public String title() {
    return title;
  }

  @Override
  public String description() {
    return summary + " Agents gather green and yellow crystals from generators, turn them into energy at "
        + "converters and spend energy at the heart altar for reward (hearts), shared with kin through a "
        + "reward-sharing matrix K: agent i receives sum_j K[i][j] r_j. Every action costs energy; costs and "
        + "yields are sampled per episode from configured ranges and shown in each agent's globals. Agents can "
        + "attack (freezing unshielded targets and taking their crystals), shield, swap with frozen agents and "
        + "give energy or crystals. Observations: an egocentric uint8 window (grid, or tokens: (location, "
        + "feature, value) triples of its nonzero bytes), float globals and the "
        + "action mask (the [action, argument] pairs each agent can do next step). Actions: [action, argument] "
        + "per agent, done one agent after another in a random order drawn anew each step (agent_order).";
  }

  @Override
  public ConfigSchema schema() {
    return schema;
  }

  @Override
  public World create(Config config, int copies, WorldContext context) {
    return new EnergyWorld(id, config, copies, context);
  }

  private static long i(Map<String, Object> d, String key, long fallback) {
    Object v = d.get(key);
    return v == null ? fallback : ((Number) v).longValue();
  }

  static List<Parameter> parameters(Map<String, Object> d) {
    List<Parameter> p = new ArrayList<>();
    p.add(Parameter.integer("width", i(d, "width", 25), 1, 4096,
        "map width in cells, border walls included (ignored with map or map_file)"));
    p.add(Parameter.integer("height", i(d, "height", 25), 1, 4096,
        "map height in cells, border walls included (ignored with map or map_file)"));
    p.add(Parameter.integer("agents", i(d, "agents", 5), 1, 10_000,
        "agents, placed at random free cells (with a map: the map's 'A's decide)"));
    p.add(Parameter.integer("altars", i(d, "altars", 1), 0, 1_000_000, "heart altars placed at random free cells"));
    p.add(Parameter.integer("converters", i(d, "converters", 3), 0, 1_000_000, "converters placed at random free cells"));
    p.add(Parameter.integer("green_generators", i(d, "green_generators", 8), 0, 1_000_000,
        "green crystal generators placed at random free cells"));
    p.add(Parameter.integer("yellow_generators", i(d, "yellow_generators", 7), 0, 1_000_000,
        "yellow crystal generators placed at random free cells"));
    p.add(Parameter.integer("walls", i(d, "walls", 10), 0, 1_000_000,
        "extra walls placed at random free cells (besides border and room walls)"));
    p.add(Parameter.bool("border", true, "surround the map with walls"));
    p.add(new Parameter("rooms", "[columns, rows]: split the map into a grid of rooms separated by walls with a "
        + "door in each wall between neighbouring rooms; objects go anywhere", ParameterType.INT_LIST,
        List.of(1L, 1L), 1.0, 256.0, List.of()));
    p.add(Parameter.integer("door_width", 2, 1, 4096, "cells per door between rooms"));
    p.add(Parameter.optional("map", ParameterType.STRING, null, null,
        "an ASCII map overriding the builder: " + AsciiMap.LEGEND + "; lines of equal length separated by newlines"));
    p.add(Parameter.optional("map_file", ParameterType.STRING, null, null,
        "name of an ASCII map file (same legend as map) in the server's data directory, relative to it (a "
            + "server without one reads no files)"));
    p.add(Parameter.integer("view_size", i(d, "view_size", 11), 1, 63,
        "side of the egocentric observation window, odd"));
    p.add(Parameter.choice("observation", Observer.GRID, Observer.WINDOW_OBSERVATIONS,
        "how each agent's view window is observed: grid (a dense uint8 [17, view_size, view_size] tensor) or tokens "
            + "(uint8 [token_budget, 3]: one (location, feature, value) triple per nonzero byte of that window, "
            + "unused slots 255; needs view_size <= " + Observer.MAX_TOKEN_VIEW + ")"));
    p.add(Parameter.integer("token_budget", Observer.DEFAULT_TOKEN_BUDGET, 1, Observer.MAX_TOKEN_BUDGET,
        "observation = tokens: token slots per agent; a window with more tokens loses its farthest cells first "
            + "(counted by the episode statistic tokens_dropped)"));
    p.add(Parameter.integer("max_steps", i(d, "max_steps", 1000), 1, 1_000_000_000,
        "episodes are truncated after this many steps"));
    p.add(Parameter.choice("agent_order", ActionTable.ORDER_RANDOM, ActionTable.ORDERS,
        "the order in which agents act within a step: random (a uniformly random permutation drawn anew each "
            + "step from the copy's seeded stream, so no agent always moves first; still deterministic for a seed "
            + "and actions) or index (agent 0 first, then 1, ...)"));
    p.add(Parameter.integer("max_energy", i(d, "max_energy", 250), 1, 10_000_000, "energy cap of every agent"));
    p.add(Parameter.optional("agent_initial_energy", ParameterType.INT_LIST, 0.0, 1_000_000.0,
        "energy of each agent at the start of an episode, one entry per agent, capped at max_energy (default: "
            + "every agent starts with the sampled initial_energy, which the globals show either way)"));
    p.add(Parameter.integer("max_inventory", 5, 0, 1_000_000, "crystals of each kind an agent can carry"));
    @SuppressWarnings("unchecked")
    Map<String, int[]> econ = (Map<String, int[]>) d.getOrDefault("economy", Map.of());
    p.addAll(Economy.parameters(econ));
    List<Object> ones = new ArrayList<>();
    for (int k = 0; k < ActionTable.COUNT; k++) {
      ones.add(1.0);
    }
    p.add(new Parameter("body_profiles", "body profiles: rows of " + ActionTable.COUNT
        + " cost multipliers (noop, move, rotate, use, attack, shield toggle and upkeep, swap, give); "
        + "effective cost = round(sampled cost x multiplier)", ParameterType.FLOAT_MATRIX, List.of(ones),
        0.0, 100.0, List.of()));
    p.add(Parameter.optional("agent_bodies", ParameterType.INT_LIST, 0.0, 1_000_000.0,
        "body profile index of each agent (default: agent a uses profile a mod rows)"));
    p.add(Parameter.choice("kinship", (String) d.getOrDefault("kinship", "selfish"), Kinship.PRESETS,
        "reward sharing preset: selfish (K = identity), teams (team_share within a group), families "
            + "(kin_levels for self, same family, sibling family), explicit (kinship_matrix), random "
            + "(off-diagonal sampled per episode from kin_random_range)"));
    p.add(Parameter.integer("groups", 1, 1, 10_000,
        "number of groups (teams or families); agent a is in group floor(a * groups / agents)"));
    p.add(Parameter.number("team_share", 1.0, 0.0, 1.0, "teams: K[i][j] for teammates i != j"));
    p.add(new Parameter("kin_levels", "families: [self, same family, sibling family] relatedness (families 2k "
        + "and 2k+1 are siblings)", ParameterType.FLOAT_LIST, List.of(1.0, 0.5, 0.25), 0.0, 1.0, List.of()));
    p.add(Parameter.optional("kinship_matrix", ParameterType.FLOAT_MATRIX, 0.0, 1.0,
        "explicit: agents x agents matrix, K[i][j] = share of j's reward that i receives (asymmetric allowed)"));
    p.add(new Parameter("kin_random_range", "random: [lo, hi] range of off-diagonal K entries, sampled per episode",
        ParameterType.FLOAT_LIST, List.of(0.0, 1.0), 0.0, 1.0, List.of()));
    return p;
  }

  private static Map<String, Object> room(int agents, int width, int height, int altars, int converters,
      int generators, int walls) {
    Map<String, Object> d = new HashMap<>();
    d.put("agents", agents);
    d.put("width", width);
    d.put("height", height);
    d.put("altars", altars);
    d.put("converters", converters);
    d.put("green_generators", (generators + 1) / 2);
    d.put("yellow_generators", generators / 2);
    d.put("walls", walls);
    return d;
  }

  /** {@code energy.room}: a configurable room; defaults are the public version's 25x25 room. */
  public static final class Room extends EnergyWorldType {
    public Room() {
      super("energy.room", "Energy/kinship room",
          "A room built from object counts (default 25x25, 5 agents, 1 altar, 3 converters, 15 generators, "
              + "10 walls), multi-room layouts or an ASCII map.",
          room(5, 25, 25, 1, 3, 15, 10));
    }
  }

  /** {@code energy.s1}: benchmark scenario S1. */
  public static final class S1 extends EnergyWorldType {
    public S1() {
      super("energy.s1", "Energy/kinship S1",
          "Benchmark scenario S1: 20 agents on 40x40 with 5 altars, 10 converters, 50 generators, 40 walls.",
          room(20, 40, 40, 5, 10, 50, 40));
    }
  }

  /** {@code energy.s2}: benchmark scenario S2. */
  public static final class S2 extends EnergyWorldType {
    public S2() {
      super("energy.s2", "Energy/kinship S2",
          "Benchmark scenario S2: 100 agents on 100x100 with 20 altars, 30 converters, 200 generators, 1000 walls.",
          room(100, 100, 100, 20, 30, 200, 1000));
    }
  }

  /** {@code energy.s3}: benchmark scenario S3. */
  public static final class S3 extends EnergyWorldType {
    public S3() {
      super("energy.s3", "Energy/kinship S3",
          "Benchmark scenario S3: 5 agents on 25x25 with 1 altar, 3 converters, 15 generators, 10 walls.",
          room(5, 25, 25, 1, 3, 15, 10));
    }
  }

  /** {@code energy.alone}: one agent in an empty walled room. */
  public static final class Alone extends EnergyWorldType {
    public Alone() {
      super("energy.alone", "Energy/kinship: alone",
          "Behavioural room: one agent alone in an empty 11x11 walled room (nothing to gather, nobody to meet).",
          room(1, 11, 11, 0, 0, 0, 0));
    }
  }

  /** {@code energy.altar_only}: agents given plenty of energy, and only an altar. */
  public static final class AltarOnly extends EnergyWorldType {
    public AltarOnly() {
      super("energy.altar_only", "Energy/kinship: altar only",
          "Behavioural room: 4 agents given 1000 energy each in a 15x15 room with only one heart altar "
              + "(no generators or converters): what do they do with energy they cannot replenish?",
          altarOnly());
    }

    private static Map<String, Object> altarOnly() {
      Map<String, Object> d = room(4, 15, 15, 1, 0, 0, 0);
      d.put("max_energy", 1000);
      d.put("economy", Map.of("initial_energy", new int[] {1000, 1000}));
      return d;
    }
  }
}
