package dev.kindred.env;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parameters of a world. {@link #resolve} turns a JSON-like map (as decoded from a
 * protobuf Struct or a JSON file) into a {@link Config}, or fails with an INVALID_ARGUMENT
 * {@link EnvException} naming the key and what was expected. Unknown keys are errors.
 */
public final class ConfigSchema {
  private final Map<String, Parameter> parameters = new LinkedHashMap<>();

  public ConfigSchema(List<Parameter> parameters) {
    for (Parameter p : parameters) {
      if (this.parameters.put(p.name(), p) != null) {
        throw new IllegalArgumentException("duplicate parameter " + p.name());
      }
    }
    // Defaults must pass their own checks: a schema that cannot resolve itself is a bug.
    resolve(Map.of());
  }

  public List<Parameter> parameters() {
    return List.copyOf(parameters.values());
  }

  /** The default configuration. */
  public Config defaults() {
    return resolve(Map.of());
  }

  /**
   * Checks {@code raw} and fills in defaults.
   *
   * @param raw keys to values: Boolean, Number, String, List (of numbers or of lists of
   *            numbers), or null (same as absent)
   */
  public Config resolve(Map<String, ?> raw) {
    for (String key : raw.keySet()) {
      if (!parameters.containsKey(key)) {
        throw EnvException.invalid("config." + Quote.excerpt(key),
            "unknown configuration key; known keys are " + String.join(", ", parameters.keySet()));
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Parameter p : parameters.values()) {
      Object v = raw.get(p.name());
      if (v == null) {
        v = p.defaultValue();
      }
      if (v != null) {
        out.put(p.name(), convert(p, v));
      }
    }
    return new Config(out);
  }

  private static Object convert(Parameter p, Object v) {
    String field = "config." + p.name();
    switch (p.type()) {
      case BOOL -> {
        if (!(v instanceof Boolean)) {
          throw EnvException.invalid(field, "expected true or false, got " + describe(v));
        }
        return v;
      }
      case INT -> {
        long x = toLong(field, v);
        checkBounds(field, p, x);
        return x;
      }
      case FLOAT -> {
        double x = toDouble(field, v);
        checkBounds(field, p, x);
        return x;
      }
      case STRING -> {
        if (!(v instanceof String s)) {
          throw EnvException.invalid(field, "expected a string, got " + describe(v));
        }
        if (!p.choices().isEmpty() && !p.choices().contains(s)) {
          throw EnvException.invalid(field, "'" + Quote.excerpt(s) + "' is not one of " + String.join(", ", p.choices()));
        }
        return s;
      }
      case INT_LIST -> {
        List<?> list = toList(field, v);
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
          out[i] = toLong(field + "[" + i + "]", list.get(i));
          checkBounds(field + "[" + i + "]", p, out[i]);
        }
        return out;
      }
      case FLOAT_LIST -> {
        List<?> list = toList(field, v);
        double[] out = new double[list.size()];
        for (int i = 0; i < out.length; i++) {
          out[i] = toDouble(field + "[" + i + "]", list.get(i));
          checkBounds(field + "[" + i + "]", p, out[i]);
        }
        return out;
      }
      case FLOAT_MATRIX -> {
        List<?> rows = toList(field, v);
        double[][] out = new double[rows.size()][];
        for (int i = 0; i < out.length; i++) {
          List<?> row = toList(field + "[" + i + "]", rows.get(i));
          if (i > 0 && row.size() != out[0].length) {
            throw EnvException.invalid(field, "row " + i + " has " + row.size()
                + " entries but row 0 has " + out[0].length + "; every row must have the same length");
          }
          out[i] = new double[row.size()];
          for (int j = 0; j < row.size(); j++) {
            String f = field + "[" + i + "][" + j + "]";
            out[i][j] = toDouble(f, row.get(j));
            checkBounds(f, p, out[i][j]);
          }
        }
        return out;
      }
      default -> throw new IllegalStateException("unhandled type " + p.type());
    }
  }

  private static List<?> toList(String field, Object v) {
    if (v instanceof List<?> l) {
      return l;
    }
    if (v instanceof long[] a) {
      List<Object> out = new ArrayList<>();
      for (long x : a) {
        out.add(x);
      }
      return out;
    }
    if (v instanceof double[] a) {
      List<Object> out = new ArrayList<>();
      for (double x : a) {
        out.add(x);
      }
      return out;
    }
    if (v instanceof double[][] m) {
      return List.of((Object[]) m);
    }
    throw EnvException.invalid(field, "expected a list, got " + describe(v));
  }

  private static long toLong(String field, Object v) {
    if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
      return ((Number) v).longValue();
    }
    if (v instanceof Number n) {
      double d = n.doubleValue();
      if (!Double.isFinite(d) || d != Math.rint(d) || Math.abs(d) > 9.007199254740992E15) {
        throw EnvException.invalid(field, "expected an integer, got " + d);
      }
      return (long) d;
    }
    throw EnvException.invalid(field, "expected an integer, got " + describe(v));
  }

  private static double toDouble(String field, Object v) {
    if (v instanceof Number n) {
      double d = n.doubleValue();
      if (!Double.isFinite(d)) {
        throw EnvException.invalid(field, "expected a finite number, got " + d);
      }
      return d;
    }
    if (v instanceof double[] a) {
      throw EnvException.invalid(field, "expected a number, got a list of " + a.length);
    }
    throw EnvException.invalid(field, "expected a number, got " + describe(v));
  }

  private static void checkBounds(String field, Parameter p, double x) {
    if ((p.min() != null && x < p.min()) || (p.max() != null && x > p.max())) {
      throw EnvException.invalid(field, "value " + format(x) + " is out of range; expected "
          + format(p.min(), "-inf") + " <= value <= " + format(p.max(), "+inf"));
    }
  }

  private static String format(Double d) {
    return format(d, "none");
  }

  private static String format(Double d, String ifNull) {
    if (d == null) {
      return ifNull;
    }
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString(d.longValue()) : d.toString();
  }

  private static String describe(Object v) {
    if (v instanceof String s) {
      return "the string '" + Quote.excerpt(s) + "'";
    }
    if (v instanceof List<?> l) {
      return "a list of " + l.size();
    }
    if (v instanceof Map<?, ?>) {
      return "an object";
    }
    return String.valueOf(v);
  }
}
