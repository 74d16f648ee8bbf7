package dev.kindred.bench;

import java.util.Collection;
import java.util.Locale;
import java.util.Map;

/**
 * A minimal JSON writer for benchmark rows: maps (objects, in iteration order), collections and
 * arrays (arrays), strings, numbers (NaN and infinities become null), booleans and null.
 */
public final class Json {
  private Json() {}

  /** {@code value} as compact one-line JSON. */
  public static String write(Object value) {
    StringBuilder b = new StringBuilder();
    append(b, value);
    return b.toString();
  }

  private static void append(StringBuilder b, Object v) {
    if (v == null) {
      b.append("null");
    } else if (v instanceof String s) {
      string(b, s);
    } else if (v instanceof Boolean bool) {
      b.append(bool);
    } else if (v instanceof Double || v instanceof Float) {
      number(b, ((Number) v).doubleValue());
    } else if (v instanceof Number n) {
      b.append(n.longValue());
    } else if (v instanceof Map<?, ?> m) {
      b.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!first) {
          b.append(',');
        }
        first = false;
        string(b, String.valueOf(e.getKey()));
        b.append(':');
        append(b, e.getValue());
      }
      b.append('}');
    } else if (v instanceof Collection<?> c) {
      b.append('[');
      boolean first = true;
      for (Object o : c) {
        if (!first) {
          b.append(',');
        }
        first = false;
        append(b, o);
      }
      b.append(']');
    } else if (v instanceof double[] a) {
      b.append('[');
      for (int i = 0; i < a.length; i++) {
        if (i > 0) {
          b.append(',');
        }
        number(b, a[i]);
      }
      b.append(']');
    } else if (v instanceof int[] a) {
      b.append('[');
      for (int i = 0; i < a.length; i++) {
        if (i > 0) {
          b.append(',');
        }
        b.append(a[i]);
      }
      b.append(']');
    } else if (v instanceof long[] a) {
      b.append('[');
      for (int i = 0; i < a.length; i++) {
        if (i > 0) {
          b.append(',');
        }
        b.append(a[i]);
      }
      b.append(']');
    } else {
      string(b, v.toString());
    }
  }

  private static void number(StringBuilder b, double d) {
    if (!Double.isFinite(d)) {
      b.append("null");
    } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      b.append((long) d);
    } else {
      // Shortest repr that round-trips; Java's is valid JSON except for the exponent marker case.
      b.append(Double.toString(d).replace("E", "e"));
    }
  }

  private static void string(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}
