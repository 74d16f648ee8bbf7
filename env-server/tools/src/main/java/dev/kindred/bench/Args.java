package dev.kindred.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A small command-line flag parser for the benchmark and measurement commands:
 * {@code --name value}, {@code --name=value} and boolean {@code --flag}. Unknown flags and
 * malformed values are reported as {@link IllegalArgumentException}s naming the flag.
 */
final class Args {
  private final Map<String, String> values = new LinkedHashMap<>();

  private Args() {}

  /**
   * @param booleans flags that take no value
   * @param valued   flags that take one value
   */
  static Args parse(String[] args, Set<String> booleans, Set<String> valued) {
    Args a = new Args();
    List<String> rest = new ArrayList<>(List.of(args));
    for (int i = 0; i < rest.size(); i++) {
      String arg = rest.get(i);
      if (!arg.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + arg + "' (flags start with --)");
      }
      String name = arg.substring(2);
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      if (booleans.contains(name)) {
        if (value != null && !value.equals("true") && !value.equals("false")) {
          throw new IllegalArgumentException("--" + name + " takes no value (or =true/=false), got '" + value + "'");
        }
        a.values.put(name, value == null ? "true" : value);
      } else if (valued.contains(name)) {
        if (value == null) {
          if (i + 1 >= rest.size()) {
            throw new IllegalArgumentException("--" + name + " needs a value");
          }
          value = rest.get(++i);
        }
        a.values.put(name, value);
      } else {
        throw new IllegalArgumentException("unknown flag --" + name + " (see --help)");
      }
    }
    return a;
  }

  boolean has(String name) {
    return values.containsKey(name);
  }

  boolean flag(String name) {
    return "true".equals(values.get(name));
  }

  String string(String name, String fallback) {
    return values.getOrDefault(name, fallback);
  }

  int integer(String name, int fallback) {
    String v = values.get(name);
    if (v == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(v.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " needs an integer, got '" + v + "'");
    }
  }

  double number(String name, double fallback) {
    String v = values.get(name);
    if (v == null) {
      return fallback;
    }
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " needs a number, got '" + v + "'");
    }
  }

  /** A comma-separated list of numbers, or null when absent. */
  double[] numbers(String name) {
    String v = values.get(name);
    if (v == null) {
      return null;
    }
    String[] parts = v.split(",");
    double[] out = new double[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        out[i] = Double.parseDouble(parts[i].trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--" + name + " needs comma-separated numbers, got '" + v + "'");
      }
    }
    return out;
  }

  /** A comma-separated list of words, or the fallback when absent. */
  List<String> words(String name, List<String> fallback) {
    String v = values.get(name);
    if (v == null) {
      return fallback;
    }
    List<String> out = new ArrayList<>();
    for (String p : v.split(",")) {
      if (!p.isBlank()) {
        out.add(p.trim().toLowerCase(Locale.ROOT));
      }
    }
    return out;
  }

  static int positive(String name, int v) {
    if (v < 1) {
      throw new IllegalArgumentException("--" + name + " must be at least 1, got " + v);
    }
    return v;
  }
}
