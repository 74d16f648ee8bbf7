package dev.kindred.client;

import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Conversion of plain Java configuration values to and from {@code google.protobuf.Struct}.
 * Accepted: null, Boolean, any Number (sent as a double, as JSON does), String, CharSequence,
 * enums (by name), Lists and arrays (of these, nested for matrices: {@code int[]},
 * {@code long[]}, {@code float[]}, {@code double[]}, {@code boolean[]}, {@code Object[]},
 * {@code double[][]}...), and Maps with string keys.
 */
public final class Structs {
  private Structs() {}

  /**
   * The configuration as a Struct.
   *
   * @throws KindredException INVALID_ARGUMENT naming the key whose value cannot be encoded
   */
  public static Struct toStruct(Map<String, ?> config) {
    Struct.Builder b = Struct.newBuilder();
    if (config == null) {
      return b.build();
    }
    for (Map.Entry<String, ?> e : config.entrySet()) {
      if (e.getKey() == null) {
        throw new KindredException("INVALID_ARGUMENT", "config: a key is null");
      }
      b.putFields(e.getKey(), toValue("config." + e.getKey(), e.getValue()));
    }
    return b.build();
  }

  /** One value as a protobuf Value; {@code path} names it in error messages. */
  public static Value toValue(String path, Object v) {
    if (v == null) {
      return Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
    }
    if (v instanceof Value pv) {
      return pv;
    }
    if (v instanceof Boolean b) {
      return Value.newBuilder().setBoolValue(b).build();
    }
    if (v instanceof Number n) {
      return Value.newBuilder().setNumberValue(n.doubleValue()).build();
    }
    if (v instanceof CharSequence s) {
      return Value.newBuilder().setStringValue(s.toString()).build();
    }
    if (v instanceof Enum<?> en) {
      return Value.newBuilder().setStringValue(en.name()).build();
    }
    if (v instanceof Iterable<?> it) {
      ListValue.Builder lb = ListValue.newBuilder();
      int i = 0;
      for (Object e : it) {
        lb.addValues(toValue(path + "[" + i++ + "]", e));
      }
      return Value.newBuilder().setListValue(lb).build();
    }
    if (v.getClass().isArray()) {
      ListValue.Builder lb = ListValue.newBuilder();
      int n = java.lang.reflect.Array.getLength(v);
      for (int i = 0; i < n; i++) {
        lb.addValues(toValue(path + "[" + i + "]", java.lang.reflect.Array.get(v, i)));
      }
      return Value.newBuilder().setListValue(lb).build();
    }
    if (v instanceof Map<?, ?> m) {
      Struct.Builder sb = Struct.newBuilder();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        String k = String.valueOf(e.getKey());
        sb.putFields(k, toValue(path + "." + k, e.getValue()));
      }
      return Value.newBuilder().setStructValue(sb).build();
    }
    throw new KindredException("INVALID_ARGUMENT", path + ": cannot encode a " + v.getClass().getName()
        + "; expected a boolean, number, string, list or array of these, or null");
  }

  /** A Struct as plain Java values: Boolean, Double, String, List, Map, null. */
  public static Map<String, Object> toPlain(Struct struct) {
    Map<String, Object> out = new LinkedHashMap<>();
    struct.getFieldsMap().forEach((k, v) -> out.put(k, toPlain(v)));
    return out;
  }

  /** A Value as a plain Java value: Boolean, Double, String, List, Map, null. */
  public static Object toPlain(Value v) {
    return switch (v.getKindCase()) {
      case NULL_VALUE, KIND_NOT_SET -> null;
      case NUMBER_VALUE -> v.getNumberValue();
      case STRING_VALUE -> v.getStringValue();
      case BOOL_VALUE -> v.getBoolValue();
      case STRUCT_VALUE -> toPlain(v.getStructValue());
      case LIST_VALUE -> {
        List<Object> list = new java.util.ArrayList<>();
        for (Value e : v.getListValue().getValuesList()) {
          list.add(toPlain(e));
        }
        yield list;
      }
    };
  }
}
