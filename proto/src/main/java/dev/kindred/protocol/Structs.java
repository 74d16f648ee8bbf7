package dev.kindred.protocol;

import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.kindred.env.KindredException;
import dev.kindred.env.PlainValues;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Configuration values to and from {@code google.protobuf.Struct}. What is accepted, and how it
 * is normalised, is {@link PlainValues}'s: the same path as a configuration given in process.
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
    PlainValues.normalize(config).forEach((k, v) -> b.putFields(k, fromPlain(v)));
    return b.build();
  }

  /** One value as a protobuf Value; {@code path} names it in error messages. */
  public static Value toValue(String path, Object v) {
    return v instanceof Value pv ? pv : fromPlain(PlainValues.normalize(path, v));
  }

  /** A normalised plain value (see {@link PlainValues}) as a protobuf Value. */
  private static Value fromPlain(Object v) {
    Value.Builder b = Value.newBuilder();
    if (v == null) {
      b.setNullValue(NullValue.NULL_VALUE);
    } else if (v instanceof Boolean x) {
      b.setBoolValue(x);
    } else if (v instanceof Double x) {
      b.setNumberValue(x);
    } else if (v instanceof String x) {
      b.setStringValue(x);
    } else if (v instanceof List<?> list) {
      ListValue.Builder lb = ListValue.newBuilder();
      list.forEach(e -> lb.addValues(fromPlain(e)));
      b.setListValue(lb);
    } else {
      Struct.Builder sb = Struct.newBuilder();
      ((Map<?, ?>) v).forEach((k, e) -> sb.putFields((String) k, fromPlain(e)));
      b.setStructValue(sb);
    }
    return b.build();
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
