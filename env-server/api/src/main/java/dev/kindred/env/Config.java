package dev.kindred.env;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A configuration checked against its {@link ConfigSchema}: every key is known, every value has
 * its parameter's type and bounds, and every parameter with a default has a value. Values are
 * held as Boolean, Long, Double, String, {@code long[]}, {@code double[]} or {@code double[][]}.
 */
public final class Config {
  private final Map<String, Object> values;

  Config(Map<String, Object> values) {
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  /** Whether the key has a value (optional parameters without default may have none). */
  public boolean has(String key) {
    return values.containsKey(key);
  }

  public boolean getBool(String key) {
    return (Boolean) require(key);
  }

  public long getLong(String key) {
    return (Long) require(key);
  }

  /** An INT parameter as int; its schema bounds must fit in an int. */
  public int getInt(String key) {
    return Math.toIntExact((Long) require(key));
  }

  public double getDouble(String key) {
    return (Double) require(key);
  }

  public String getString(String key) {
    return (String) require(key);
  }

  public long[] getLongList(String key) {
    return ((long[]) require(key)).clone();
  }

  /** An INT_LIST parameter as ints; its schema bounds must fit in an int. */
  public int[] getIntList(String key) {
    long[] v = (long[]) require(key);
    int[] out = new int[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = Math.toIntExact(v[i]);
    }
    return out;
  }

  public double[] getDoubleList(String key) {
    return ((double[]) require(key)).clone();
  }

  public double[][] getMatrix(String key) {
    double[][] m = (double[][]) require(key);
    double[][] out = new double[m.length][];
    for (int i = 0; i < m.length; i++) {
      out[i] = m[i].clone();
    }
    return out;
  }

  /**
   * The configuration as plain JSON-like Java values (Boolean, Double, String, List), e.g. to
   * echo it in a spec or record it in a report. Integers become doubles, as in JSON.
   */
  public Map<String, Object> toPlain() {
    Map<String, Object> out = new LinkedHashMap<>();
    values.forEach((k, v) -> out.put(k, plain(v)));
    return out;
  }

  private static Object plain(Object v) {
    if (v instanceof Long l) {
      return l.doubleValue();
    }
    if (v instanceof long[] a) {
      return java.util.Arrays.stream(a).mapToObj(x -> (Object) (double) x).toList();
    }
    if (v instanceof double[] a) {
      return java.util.Arrays.stream(a).boxed().map(x -> (Object) x).toList();
    }
    if (v instanceof double[][] m) {
      return java.util.Arrays.stream(m).map(Config::plain).toList();
    }
    return v;
  }

  private Object require(String key) {
    Object v = values.get(key);
    if (v == null) {
      throw new IllegalStateException("configuration has no value for '" + key + "'");
    }
    return v;
  }

  @Override
  public String toString() {
    return toPlain().toString();
  }

  /** Keys with values, in schema order. */
  public List<String> keys() {
    return List.copyOf(values.keySet());
  }
}
