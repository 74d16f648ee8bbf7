package dev.kindred.agents.tournament;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import com.google.gson.reflect.TypeToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A tournament's configuration, read from JSON (see {@code agents/configs/tournament.json}):
 *
 * <pre>{@code
 * {"name": "default", "seed": 7, "episodes": 16, "copies": 8, "bootstrap": 1000,
 *  "brains": [{"name": "forager", "brain": "scripted_forager"},
 *             {"name": "lazy", "brain": "lazy_forager", "p": 0.5},
 *             {"name": "ppo", "brain": "checkpoint", "path": "runs/x",
 *              "train": {"config": "agents/configs/energy-small.json", "steps": 60000}}],
 *  "scenarios": ["default"]}
 * }</pre>
 *
 * {@code episodes}: pairs of episodes per pairing and scenario (each pair: both seatings on the same
 * seeds). {@code scenarios}: names of default scenarios ({@code "default"}: all of them) and/or
 * scenario objects ({@code name, world, world_config, layout, tags}).
 *
 * @param raw the configuration as read (recorded in the results)
 */
public record TournamentConfig(String name, long seed, int episodes, int copies, int bootstrap, boolean greedy,
    List<BrainSpec> brains, List<Scenario> scenarios, Map<String, Object> raw) {

  /** The brain kinds a configuration may name. */
  public static final List<String> BRAIN_KINDS = List.of("random", "scripted_forager", "lazy_forager", "checkpoint",
      "active_inference_spin", "remote");
  private static final Set<String> KEYS = Set.of("name", "seed", "episodes", "copies", "bootstrap", "greedy", "brains",
      "scenarios");

  /** A brain as configured: its name, kind and the kind's options. */
  public record BrainSpec(String name, String kind, Map<String, Object> options) {
    public BrainSpec {
      options = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }
  }

  /**
   * Reads a configuration file.
   *
   * @throws IllegalArgumentException naming what is wrong: an unknown key, brain kind or scenario
   *                                  name (with the known ones), a duplicate name, a bad number
   */
  public static TournamentConfig read(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    Map<String, Object> m;
    try {
      m = new Gson().fromJson(text, new TypeToken<LinkedHashMap<String, Object>>() {}.getType());
    } catch (JsonParseException e) {
      throw new IllegalArgumentException(file + " is not a JSON object: " + e.getMessage(), e);
    }
    if (m == null) {
      throw new IllegalArgumentException(file + " is empty; expected a JSON object with brains and scenarios");
    }
    return of(m);
  }

  /** A configuration from plain values (as Gson reads JSON). */
  @SuppressWarnings("unchecked")
  public static TournamentConfig of(Map<String, Object> m) {
    for (String k : m.keySet()) {
      if (!KEYS.contains(k)) {
        throw new IllegalArgumentException("unknown key '" + k + "' in the tournament configuration; known keys: "
            + String.join(", ", KEYS.stream().sorted().toList()));
      }
    }
    String name = (String) m.getOrDefault("name", "tournament");
    long seed = number(m, "seed", 1).longValue();
    int episodes = positive(m, "episodes", 16);
    int copies = positive(m, "copies", 8);
    int bootstrap = positive(m, "bootstrap", 1000);
    boolean greedy = Boolean.TRUE.equals(m.get("greedy"));
    List<BrainSpec> brains = new ArrayList<>();
    Set<String> names = new HashSet<>();
    Object bl = m.get("brains");
    if (!(bl instanceof List<?> list) || list.size() < 2) {
      throw new IllegalArgumentException("brains: a tournament needs a list of at least two brains, e.g. "
          + "[{\"name\": \"forager\", \"brain\": \"scripted_forager\"}, {\"name\": \"random\", \"brain\": \"random\"}]");
    }
    for (Object o : list) {
      if (!(o instanceof Map<?, ?> b)) {
        throw new IllegalArgumentException("brains: every brain is an object with name and brain; got " + o);
      }
      Map<String, Object> bm = new LinkedHashMap<>((Map<String, Object>) b);
      String kind = String.valueOf(bm.remove("brain"));
      String bn = String.valueOf(bm.remove("name"));
      if (!BRAIN_KINDS.contains(kind)) {
        throw new IllegalArgumentException("brain '" + bn + "': unknown brain '" + kind + "'; known brains: "
            + String.join(", ", BRAIN_KINDS));
      }
      if (bn.equals("null") || bn.isBlank() || !names.add(bn)) {
        throw new IllegalArgumentException("brains: every brain needs a distinct name; got '" + bn + "'");
      }
      brains.add(new BrainSpec(bn, kind, bm));
    }
    List<Scenario> scenarios = new ArrayList<>();
    Object sl = m.getOrDefault("scenarios", List.of("default"));
    if (!(sl instanceof List<?> slist) || slist.isEmpty()) {
      throw new IllegalArgumentException("scenarios: a list of scenario names (" + String.join(", ",
          Scenario.defaultNames()) + ", or \"default\" for all) and/or scenario objects");
    }
    Set<String> scenarioNames = new HashSet<>();
    for (Object o : slist) {
      List<Scenario> add = new ArrayList<>();
      if (o instanceof String s) {
        if (s.equals("default")) {
          add.addAll(Scenario.defaults());
        } else {
          Scenario d = Scenario.catalogue().stream().filter(x -> x.name().equals(s)).findFirst().orElseThrow(() ->
              new IllegalArgumentException("unknown scenario '" + s + "'; known scenarios: "
                  + String.join(", ", Scenario.defaultNames()) + " (or \"default\" for all, or a scenario object)"));
          add.add(d);
        }
      } else if (o instanceof Map<?, ?> sm) {
        Map<String, Object> x = (Map<String, Object>) sm;
        Object wc = x.getOrDefault("world_config", Map.of());
        if (!(wc instanceof Map<?, ?>)) {
          throw new IllegalArgumentException("scenario " + x.get("name") + ": world_config must be an object");
        }
        add.add(new Scenario(String.valueOf(x.get("name")), String.valueOf(x.getOrDefault("world", "energy.room")),
            (Map<String, Object>) wc, String.valueOf(x.getOrDefault("layout", "half")),
            ((List<Object>) x.getOrDefault("tags", List.of())).stream().map(String::valueOf).toList(),
            String.valueOf(x.getOrDefault("metric", "hearts")),
            ((List<Object>) x.getOrDefault("background", List.of())).stream().map(String::valueOf).toList()));
      } else {
        throw new IllegalArgumentException("scenarios: expected names or objects, got " + o);
      }
      for (Scenario s : add) {
        if (!scenarioNames.add(s.name())) {
          throw new IllegalArgumentException("scenario '" + s.name() + "' is listed twice");
        }
        scenarios.add(s);
      }
    }
    for (Scenario sc : scenarios) {
      for (String b : sc.background()) {
        if (!names.contains(b)) {
          throw new IllegalArgumentException("scenario " + sc.name() + ": background brain '" + b + "' is not one of "
              + "the tournament's brains (" + String.join(", ", brains.stream().map(BrainSpec::name).toList()) + ")");
        }
      }
    }
    return new TournamentConfig(name, seed, episodes, copies, bootstrap, greedy, List.copyOf(brains),
        List.copyOf(scenarios), java.util.Collections.unmodifiableMap(new LinkedHashMap<>(m)));
  }

  private static Number number(Map<String, Object> m, String key, double dflt) {
    Object v = m.getOrDefault(key, dflt);
    if (!(v instanceof Number n)) {
      throw new IllegalArgumentException(key + ": expected a number, got " + v);
    }
    return n;
  }

  private static int positive(Map<String, Object> m, String key, int dflt) {
    double v = number(m, key, dflt).doubleValue();
    if (v < 1 || v != Math.rint(v) || v > 1_000_000) {
      throw new IllegalArgumentException(key + ": expected a whole number from 1 to 1000000, got " + v);
    }
    return (int) v;
  }
}
