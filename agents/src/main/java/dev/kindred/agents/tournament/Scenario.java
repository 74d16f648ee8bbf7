package dev.kindred.agents.tournament;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A setting two brains meet in (Melting Pot's idea, made ours): a world and its configuration,
 * how the agents are seated (the first brain's seats in the first game; the second game swaps
 * them), and tags saying what the setting is about.
 *
 * @param layout {@code half} (the first brain holds the first half of the agents),
 *               {@code one_vs_rest} (it holds agent 0) or {@code focal:K} (it holds agents 0..K-1)
 * @param metric what a brain's seats score per agent in an episode: {@code hearts} (the energy
 *               world's altar uses, the default) or {@code return} (the episode return, e.g. a
 *               spin world's negative surprise)
 * @param background empty: every pair of brains meets, seats swapped; else the names of brains
 *               that hold every seat but the first brain's, in turn (a background population):
 *               each brain in turn plays the layout's first seats against it
 */
public record Scenario(String name, String world, Map<String, Object> worldConfig, String layout, List<String> tags,
    String metric, List<String> background) {

  /** The metrics a scenario may score by. */
  public static final List<String> METRICS = List.of("hearts", "return");

  public Scenario(String name, String world, Map<String, Object> worldConfig, String layout, List<String> tags) {
    this(name, world, worldConfig, layout, tags, "hearts", List.of());
  }

  public Scenario(String name, String world, Map<String, Object> worldConfig, String layout, List<String> tags,
      String metric) {
    this(name, world, worldConfig, layout, tags, metric, List.of());
  }

  /** Whether each brain plays against a background population rather than pair by pair. */
  public boolean hasBackground() {
    return !background.isEmpty();
  }

  public Scenario {
    background = List.copyOf(background);
    if (!METRICS.contains(metric)) {
      throw new IllegalArgumentException("scenario " + name + ": unknown metric '" + metric + "'; expected one of "
          + METRICS);
    }
    worldConfig = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(worldConfig));
    tags = List.copyOf(tags);
  }

  /** The first brain's seats in the first game, for a world of {@code agents} agents. */
  public int[] firstSeats(int agents) {
    int k;
    if (layout.equals("half")) {
      k = agents / 2;
    } else if (layout.equals("one_vs_rest")) {
      k = 1;
    } else if (layout.startsWith("focal:")) {
      try {
        k = Integer.parseInt(layout.substring("focal:".length()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("scenario " + name + ": layout '" + layout + "' needs a number after "
            + "focal:, e.g. focal:2");
      }
    } else {
      throw new IllegalArgumentException("scenario " + name + ": unknown layout '" + layout + "'; expected half, "
          + "one_vs_rest or focal:K");
    }
    if (k < 1 || k >= agents) {
      throw new IllegalArgumentException("scenario " + name + ": layout " + layout + " gives the first brain " + k
          + " of " + agents + " agents; each brain needs at least one (use a world with more agents)");
    }
    int[] seats = new int[k];
    for (int i = 0; i < k; i++) {
      seats[i] = i;
    }
    return seats;
  }

  private static Map<String, Object> room(int size, int agents, int altars, int converters, int generators,
      int walls, Object... extra) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("width", size);
    m.put("height", size);
    m.put("agents", agents);
    m.put("altars", altars);
    m.put("converters", converters);
    m.put("green_generators", generators);
    m.put("yellow_generators", generators);
    m.put("walls", walls);
    m.put("max_steps", 200);
    for (int i = 0; i < extra.length; i += 2) {
      m.put((String) extra[i], extra[i + 1]);
    }
    return m;
  }

  /**
   * The default scenario set: the settings of the talk at sizes a 2-core machine plays in
   * minutes — a 1-vs-1 duel on the small training map, resource-rich and resource-poor maps
   * half vs half, one focal agent against three, teams of kin, one against ten and ten against ten.
   */
  public static List<Scenario> defaults() {
    List<Scenario> s = new ArrayList<>();
    s.add(new Scenario("duel", "energy.room", room(9, 2, 1, 1, 2, 0), "half",
        List.of("1 vs 1", "map 9x9", "resources normal", "kinship selfish")));
    s.add(new Scenario("rich", "energy.room", room(11, 4, 2, 2, 4, 4), "half",
        List.of("2 vs 2", "map 11x11", "resources rich", "kinship selfish")));
    s.add(new Scenario("poor", "energy.room", room(11, 4, 1, 1, 1, 4), "half",
        List.of("2 vs 2", "map 11x11", "resources poor", "kinship selfish")));
    s.add(new Scenario("one_vs_three", "energy.room", room(11, 4, 1, 2, 3, 4), "one_vs_rest",
        List.of("1 vs 3", "map 11x11", "resources normal", "kinship selfish")));
    s.add(new Scenario("kin_teams", "energy.room", room(11, 4, 1, 2, 3, 4, "kinship", "teams", "groups", 2), "half",
        List.of("2 vs 2", "map 11x11", "resources normal", "kinship teams")));
    s.add(new Scenario("one_vs_ten", "energy.room", room(15, 11, 2, 4, 6, 8), "one_vs_rest",
        List.of("1 vs 10", "map 15x15", "resources normal", "kinship selfish")));
    s.add(new Scenario("ten_vs_ten", "energy.room", room(21, 20, 4, 8, 12, 16), "half",
        List.of("10 vs 10", "map 21x21", "resources normal", "kinship selfish")));
    return List.copyOf(s);
  }

  /**
   * Every scenario that can be named in a configuration: the defaults, and others not in
   * {@code "default"} (their worlds need other brains): {@code spin_pair}, two pairs of spins of a
   * lattice at β = 0.4 scored by return (negative surprise), for the active-inference rule and
   * spin-trained checkpoints.
   */
  public static List<Scenario> catalogue() {
    List<Scenario> all = new ArrayList<>(defaults());
    Map<String, Object> spin = new LinkedHashMap<>();
    spin.put("width", 8);
    spin.put("height", 8);
    spin.put("beta", 0.4);
    spin.put("controlled", List.of(0, 9, 36, 45));
    spin.put("max_steps", 200);
    all.add(new Scenario("spin_pair", "spin.lattice", spin, "half",
        List.of("2 vs 2", "spin lattice 8x8", "beta 0.4"), "return"));
    return List.copyOf(all);
  }

  /** Names of the scenarios a configuration may name, for messages. */
  public static List<String> defaultNames() {
    return catalogue().stream().map(Scenario::name).toList();
  }
}
