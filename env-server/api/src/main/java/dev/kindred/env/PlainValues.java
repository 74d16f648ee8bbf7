package dev.kindred.env;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Configuration values as JSON sees them. Accepted: null, Boolean, any Number (as a double, as
 * JSON does), String, CharSequence, enums (by name), Lists and arrays (of these, nested for
 * matrices: {@code int[]}, {@code double[][]}, {@code Object[]}...), and Maps with string keys.
 * A configuration takes this one path whether it goes on the wire or to a world in process, so
 * both resolve it identically.
 */
public final class PlainValues {
  private PlainValues() {}

  /**
   * The configuration with every value as Boolean, Double, String, List, Map or null.
   *
   * @throws KindredException INVALID_ARGUMENT naming the key whose value cannot be encoded
   */
  public static Map<String, Object> normalize(Map<String, ?> config) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (config == null) {
      return out;
    }
    for (Map.Entry<String, ?> e : config.entrySet()) {
      if (e.getKey() == null) {
        throw new KindredException("INVALID_ARGUMENT", "config: a key is null");
      }
      out.put(e.getKey(), normalize("config." + e.getKey(), e.getValue()));
    }
    return out;
  }

  /** One value as Boolean, Double, String, List, Map or null; {@code path} names it in errors. */
  public static Object normalize(String path, Object v) {
    if (v == null || v instanceof Boolean || v instanceof Double || v instanceof String) {
      return v;
    }
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    if (v instanceof CharSequence s) {
      return s.toString();
    }
    if (v instanceof Enum<?> en) {
      return en.name();
    }
    if (v instanceof Iterable<?> it) {
      List<Object> list = new ArrayList<>();
      for (Object e : it) {
        list.add(normalize(path + "[" + list.size() + "]", e));
      }
      return list;
    }
    if (v.getClass().isArray()) {
      int n = Array.getLength(v);
      List<Object> list = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        list.add(normalize(path + "[" + i + "]", Array.get(v, i)));
      }
      return list;
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> map = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        String k = String.valueOf(e.getKey());
        map.put(k, normalize(path + "." + k, e.getValue()));
      }
      return map;
    }
    throw new KindredException("INVALID_ARGUMENT", path + ": cannot encode a " + v.getClass().getName()
        + "; expected a boolean, number, string, list or array of these, or null");
  }
}
