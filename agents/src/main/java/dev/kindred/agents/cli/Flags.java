package dev.kindred.agents.cli;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --name value} and {@code --switch} flags; anything else is an error naming the known flags. */
final class Flags {
  private final Map<String, String> values = new HashMap<>();

  Flags(String[] args, Set<String> valued, Set<String> switches, String usage) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String name = a.startsWith("--") ? a.substring(2) : null;
      String inline = null;
      if (name != null && name.contains("=")) {
        inline = name.substring(name.indexOf('=') + 1);
        name = name.substring(0, name.indexOf('='));
      }
      if (name != null && switches.contains(name) && inline == null) {
        values.put(name, "true");
      } else if (name != null && valued.contains(name)) {
        if (inline == null && i + 1 >= args.length) {
          throw new IllegalArgumentException("--" + name + " needs a value\n" + usage);
        }
        String v = inline != null ? inline : args[++i];
        values.merge(name, v, (x, y) -> x + "\u0000" + y); // repeated flags: every value, in order
      } else {
        throw new IllegalArgumentException("unknown argument '" + a + "'\n" + usage);
      }
    }
  }

  /** The flag's value (the last, when repeated). */
  String get(String name) {
    String v = values.get(name);
    return v == null ? null : v.substring(v.lastIndexOf('\u0000') + 1);
  }

  /** Every value of a repeatable flag, in order. */
  List<String> all(String name) {
    String v = values.get(name);
    return v == null ? List.of() : List.of(v.split("\u0000"));
  }

  boolean has(String name) {
    return values.containsKey(name);
  }

  long longValue(String name, long fallback) {
    String v = values.get(name);
    if (v == null) {
      return fallback;
    }
    try {
      return Long.parseLong(v.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " must be an integer, got '" + v + "'");
    }
  }

  static Set<String> set(String... names) {
    return Set.copyOf(List.of(names));
  }
}
