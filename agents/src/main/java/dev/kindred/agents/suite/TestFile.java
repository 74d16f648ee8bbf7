package dev.kindred.agents.suite;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.kindred.agents.ppo.Checkpoint;
import java.io.IOException;
import java.math.BigDecimal;
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
 * One behavioural test, one JSON file of a suite folder (its name is the file's, without
 * {@code .json}):
 *
 * <pre>{@code
 * {
 *   "description": "what the test asks, in a sentence",
 *   "world": "energy.room",
 *   "world_config": {"map": ["#####", "#A.h#", "#####"], "max_steps": 50, ...},
 *   "episodes": 32,
 *   "focal": [0],
 *   "others": [{"seats": [1], "brain": "noop"}, {"seats": [2], "script": ["rotate 2", "attack 1"]}],
 *   "metrics": [{"name": "hearts", "kind": "stat", "stat": "hearts", "better": "higher",
 *                "description": "altar uses per episode"}, ...]
 * }
 * }</pre>
 *
 * {@code world_config} goes to the world as it is, except that a {@code map} may be a list of
 * lines (joined with newlines). {@code episodes} defaults to 32; {@code focal} (the seats the
 * brain under test plays) to every seat no role holds; {@code others} to none. Metrics: see
 * {@link Metric}, {@link Measure} and {@link Condition}. Reading checks the file's shape;
 * {@link TestWorld} checks it against the world (seats, statistics, features, actions). Every
 * error names the file and the field.
 *
 * @param sha256    of the file's bytes, recorded with every result
 * @param freeCells cells of the inline map an agent can stand on ('.', ' ', 'A'), or 0 without one
 */
public record TestFile(String name, Path path, String sha256, String description, String world,
    Map<String, Object> worldConfig, int episodes, List<Integer> focal, List<Role> others, List<Metric> metrics,
    int freeCells) {

  public static final int DEFAULT_EPISODES = 32;
  private static final List<String> FIELDS = List.of("description", "world", "world_config", "episodes", "focal",
      "others", "metrics");

  /**
   * Reads and checks a test file.
   *
   * @throws IllegalArgumentException naming the file and the field at fault
   */
  public static TestFile read(Path path) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(path);
    } catch (IOException e) {
      throw new IllegalArgumentException(path + ": cannot read the test file (" + e.getMessage() + ")", e);
    }
    String fileName = path.getFileName().toString();
    String name = fileName.endsWith(".json") ? fileName.substring(0, fileName.length() - 5) : fileName;
    JsonElement root;
    try {
      root = JsonParser.parseString(new String(bytes, StandardCharsets.UTF_8));
    } catch (JsonParseException e) {
      throw new IllegalArgumentException(path + ": not valid JSON (" + rootCause(e) + ")", e);
    }
    Reader r = new Reader(path);
    JsonObject o = r.object(root, "the file");
    r.onlyFields(o, "", FIELDS);
    String description = r.string(o, "description");
    String world = r.string(o, "world");
    Map<String, Object> worldConfig = new LinkedHashMap<>();
    int freeCells = 0;
    if (o.has("world_config")) {
      JsonObject wc = r.object(o.get("world_config"), "world_config");
      for (Map.Entry<String, JsonElement> e : wc.entrySet()) {
        worldConfig.put(e.getKey(), new Gson().fromJson(e.getValue(), Object.class));
      }
      if (wc.has("map")) {
        String map = r.map(wc.get("map"));
        worldConfig.put("map", map);
        freeCells = freeCells(map);
      }
    }
    int episodes = o.has("episodes") ? r.positiveInt(o.get("episodes"), "episodes") : DEFAULT_EPISODES;
    List<Integer> focal = o.has("focal") ? r.seats(o.get("focal"), "focal") : null;
    List<Role> others = new ArrayList<>();
    if (o.has("others")) {
      JsonArray a = r.array(o.get("others"), "others");
      for (int i = 0; i < a.size(); i++) {
        others.add(r.role(a.get(i), "others[" + i + "]"));
      }
    }
    JsonArray ms = r.array(r.require(o, "metrics", ""), "metrics");
    if (ms.isEmpty()) {
      throw r.error("metrics", "is empty; a test reports at least one metric");
    }
    List<Metric> metrics = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < ms.size(); i++) {
      Metric m = r.metric(ms.get(i), "metrics[" + i + "]");
      if (!names.add(m.name())) {
        throw r.error("metrics[" + i + "].name", "'" + m.name() + "' is used twice; metric names differ within a test");
      }
      metrics.add(m);
    }
    return new TestFile(name, path, Checkpoint.sha256(bytes), description, world, worldConfig, episodes, focal,
        others, metrics, freeCells);
  }

  /** Cells an agent can stand on: empty ones and the agents' starts. */
  static int freeCells(String map) {
    int n = 0;
    for (char ch : map.toCharArray()) {
      n += ch == '.' || ch == ' ' || ch == 'A' ? 1 : 0;
    }
    return n;
  }

  private static String rootCause(Throwable e) {
    while (e.getCause() != null) {
      e = e.getCause();
    }
    return e.getMessage();
  }

  /** Reads fields, with errors that name the file and the field. */
  private record Reader(Path path) {

    IllegalArgumentException error(String field, String problem) {
      return new IllegalArgumentException(path + ": " + field + ": " + problem);
    }

    private static String join(String at, String field) {
      return at.isEmpty() ? field : at + "." + field;
    }

    JsonElement require(JsonObject o, String field, String at) {
      if (!o.has(field) || o.get(field).isJsonNull()) {
        throw error(join(at, field), "missing");
      }
      return o.get(field);
    }

    void onlyFields(JsonObject o, String at, List<String> allowed) {
      for (String k : o.keySet()) {
        if (!allowed.contains(k)) {
          throw error(join(at, k), "unknown field; expected " + String.join(", ", allowed));
        }
      }
    }

    JsonObject object(JsonElement e, String field) {
      if (e == null || !e.isJsonObject()) {
        throw error(field, "expected a JSON object, got " + e);
      }
      return e.getAsJsonObject();
    }

    JsonArray array(JsonElement e, String field) {
      if (!e.isJsonArray()) {
        throw error(field, "expected a JSON list, got " + e);
      }
      return e.getAsJsonArray();
    }

    String string(JsonObject o, String field) {
      return string(require(o, field, ""), field);
    }

    String string(JsonElement e, String field) {
      if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString() || e.getAsString().isBlank()) {
        throw error(field, "expected a non-empty string, got " + e);
      }
      return e.getAsString();
    }

    int integer(JsonElement e, String field) {
      if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
        BigDecimal d = e.getAsBigDecimal();
        try {
          return d.intValueExact();
        } catch (ArithmeticException x) {
          // not a whole number of int range: the error below
        }
      }
      throw error(field, "expected a whole number, got " + e);
    }

    int positiveInt(JsonElement e, String field) {
      int v = integer(e, field);
      if (v < 1) {
        throw error(field, "expected at least 1, got " + v);
      }
      return v;
    }

    double number(JsonElement e, String field) {
      if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
        throw error(field, "expected a number, got " + e);
      }
      return e.getAsDouble();
    }

    List<Integer> seats(JsonElement e, String field) {
      JsonArray a = array(e, field);
      if (a.isEmpty()) {
        throw error(field, "is empty; expected at least one seat (agent index)");
      }
      List<Integer> out = new ArrayList<>();
      for (int i = 0; i < a.size(); i++) {
        int s = integer(a.get(i), field + "[" + i + "]");
        if (s < 0) {
          throw error(field + "[" + i + "]", "a seat is an agent index, 0 or more; got " + s);
        }
        out.add(s);
      }
      return out;
    }

    /** An ASCII map: a string, or a list of lines. */
    String map(JsonElement e) {
      String field = "world_config.map";
      if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
        return e.getAsString();
      }
      if (!e.isJsonArray()) {
        throw error(field, "expected a string or a list of lines, got " + e);
      }
      List<String> lines = new ArrayList<>();
      JsonArray a = e.getAsJsonArray();
      for (int i = 0; i < a.size(); i++) {
        lines.add(string(a.get(i), field + "[" + i + "]"));
      }
      return String.join("\n", lines);
    }

    Role role(JsonElement e, String at) {
      JsonObject o = object(e, at);
      onlyFields(o, at, List.of("seats", "brain", "script"));
      List<Integer> seats = seats(require(o, "seats", at), join(at, "seats"));
      if (o.has("brain") == o.has("script")) {
        throw error(at, "expected exactly one of brain (" + String.join(", ", Role.BRAINS) + ") and script");
      }
      if (o.has("brain")) {
        String brain = string(o.get("brain"), join(at, "brain"));
        if (!Role.BRAINS.contains(brain)) {
          throw error(join(at, "brain"), "unknown brain '" + brain + "'; expected one of "
              + String.join(", ", Role.BRAINS));
        }
        return new Role(seats, brain, null);
      }
      JsonArray a = array(o.get("script"), join(at, "script"));
      if (a.isEmpty()) {
        throw error(join(at, "script"), "is empty; expected actions such as \"rotate 2\", \"attack 1\", \"noop\"");
      }
      List<String> script = new ArrayList<>();
      for (int i = 0; i < a.size(); i++) {
        script.add(string(a.get(i), join(at, "script") + "[" + i + "]"));
      }
      return new Role(seats, null, script);
    }

    Metric metric(JsonElement e, String at) {
      JsonObject o = object(e, at);
      String name = string(require(o, "name", at), join(at, "name"));
      if (!name.matches("[a-z][a-z0-9_]*")) {
        throw error(join(at, "name"), "'" + name + "' must be lower case letters, digits and _ (a JSON key)");
      }
      String description = string(require(o, "description", at), join(at, "description"));
      String better = "none";
      if (o.has("better")) {
        better = string(o.get("better"), join(at, "better"));
        if (!Metric.BETTER.contains(better)) {
          throw error(join(at, "better"), "expected one of " + String.join(", ", Metric.BETTER) + ", got '"
              + better + "'");
        }
      }
      return new Metric(name, description, better, measure(o, at, List.of("name", "description", "better")));
    }

    /** A measure: {@code kind} and its fields; {@code extra} fields belong to the enclosing metric. */
    Measure measure(JsonObject o, String at, List<String> extra) {
      String kind = string(require(o, "kind", at), join(at, "kind"));
      List<String> fields = new ArrayList<>(extra);
      fields.add("kind");
      Measure m;
      switch (kind) {
        case "stat" -> {
          fields.add("stat");
          JsonElement s = require(o, "stat", at);
          List<String> stats = new ArrayList<>();
          if (s.isJsonArray() && !s.getAsJsonArray().isEmpty()) {
            for (int i = 0; i < s.getAsJsonArray().size(); i++) {
              stats.add(string(s.getAsJsonArray().get(i), join(at, "stat") + "[" + i + "]"));
            }
          } else {
            stats.add(string(s, join(at, "stat")));
          }
          m = new Measure.Stat(stats);
        }
        case "cells_visited" -> {
          fields.add("fraction_of_free_cells");
          boolean fraction = false;
          if (o.has("fraction_of_free_cells")) {
            JsonElement f = o.get("fraction_of_free_cells");
            if (!f.isJsonPrimitive() || !f.getAsJsonPrimitive().isBoolean()) {
              throw error(join(at, "fraction_of_free_cells"), "expected true or false, got " + f);
            }
            fraction = f.getAsBoolean();
          }
          m = new Measure.CellsVisited(fraction);
        }
        case "first_step", "fraction_of_steps" -> {
          fields.add("when");
          Condition c = condition(require(o, "when", at), join(at, "when"));
          m = kind.equals("first_step") ? new Measure.FirstStep(c) : new Measure.FractionOfSteps(c);
        }
        case "ratio" -> {
          fields.add("numerator");
          fields.add("denominator");
          String n = join(at, "numerator");
          String d = join(at, "denominator");
          m = new Measure.Ratio(measure(object(require(o, "numerator", at), n), n, List.of()),
              measure(object(require(o, "denominator", at), d), d, List.of()));
        }
        default -> throw error(join(at, "kind"), "unknown kind '" + kind + "'; expected one of "
            + String.join(", ", Measure.KINDS));
      }
      onlyFields(o, at, fields);
      return m;
    }

    Condition condition(JsonElement e, String at) {
      JsonObject o = object(e, at);
      String expected = "expected {\"reward_above\": number}, {\"action\": name} or {\"feature\": "
          + "\"observation.feature\", \"below\" or \"above\": number or feature}";
      if (o.has("reward_above")) {
        onlyFields(o, at, List.of("reward_above"));
        return new Condition.RewardAbove(number(o.get("reward_above"), join(at, "reward_above")));
      }
      if (o.has("action")) {
        onlyFields(o, at, List.of("action"));
        return new Condition.ActionSucceeded(string(o.get("action"), join(at, "action")));
      }
      if (o.has("feature")) {
        onlyFields(o, at, List.of("feature", "below", "above"));
        String feature = string(o.get("feature"), join(at, "feature"));
        if (o.has("below") == o.has("above")) {
          throw error(at, "expected exactly one of below and above beside feature");
        }
        boolean below = o.has("below");
        String key = below ? "below" : "above";
        JsonElement bound = o.get(key);
        if (bound.isJsonPrimitive() && ((JsonPrimitive) bound).isString()) {
          return new Condition.Feature(feature, below, null, string(bound, join(at, key)));
        }
        return new Condition.Feature(feature, below, number(bound, join(at, key)), null);
      }
      throw error(at, expected);
    }
  }
}
