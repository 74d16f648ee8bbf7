package dev.kindred.dmenv;

import com.google.protobuf.ByteString;
import dev.kindred.dmenv.proto.DataType;
import dev.kindred.dmenv.proto.Tensor;
import dev.kindred.dmenv.proto.TensorSpec;
import dev.kindred.env.DType;
import dev.kindred.env.EnvException;
import dev.kindred.env.Quote;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Conversions between dm_env_rpc {@link Tensor}s and Kindred's packed little-endian arrays, with
 * dm_env_rpc's shape rules: an empty shape is a scalar (exactly one element); one negative
 * dimension is inferred from the element count; a single element broadcasts to the whole shape.
 */
public final class DmTensors {
  private DmTensors() {}

  /** The dm_env_rpc data type of a Kindred element type. */
  public static DataType dataType(DType d) {
    return switch (d) {
      case UINT8 -> DataType.UINT8;
      case INT8 -> DataType.INT8;
      case INT32 -> DataType.INT32;
      case INT64 -> DataType.INT64;
      case FLOAT32 -> DataType.FLOAT;
      case FLOAT64 -> DataType.DOUBLE;
    };
  }

  /** The data type a tensor's payload carries (INVALID_DATA_TYPE when none is set). */
  public static DataType dataType(Tensor t) {
    return switch (t.getPayloadCase()) {
      case FLOATS -> DataType.FLOAT;
      case DOUBLES -> DataType.DOUBLE;
      case INT8S -> DataType.INT8;
      case INT32S -> DataType.INT32;
      case INT64S -> DataType.INT64;
      case UINT8S -> DataType.UINT8;
      case UINT32S -> DataType.UINT32;
      case UINT64S -> DataType.UINT64;
      case BOOLS -> DataType.BOOL;
      case STRINGS -> DataType.STRING;
      case PROTOS -> DataType.PROTO;
      case PAYLOAD_NOT_SET -> DataType.INVALID_DATA_TYPE;
    };
  }

  /** Number of elements in the payload. */
  public static int count(Tensor t) {
    return switch (t.getPayloadCase()) {
      case FLOATS -> t.getFloats().getArrayCount();
      case DOUBLES -> t.getDoubles().getArrayCount();
      case INT8S -> t.getInt8S().getArray().size();
      case INT32S -> t.getInt32S().getArrayCount();
      case INT64S -> t.getInt64S().getArrayCount();
      case UINT8S -> t.getUint8S().getArray().size();
      case UINT32S -> t.getUint32S().getArrayCount();
      case UINT64S -> t.getUint64S().getArrayCount();
      case BOOLS -> t.getBools().getArrayCount();
      case STRINGS -> t.getStrings().getArrayCount();
      case PROTOS -> t.getProtos().getArrayCount();
      case PAYLOAD_NOT_SET -> 0;
    };
  }

  /**
   * Most elements one broadcast value may fill: what one Java array can hold. Tighter limits on
   * what a request may expand to are the server's (settings: one message's worth of values),
   * checked by the callers before they expand anything.
   */
  static final int MAX_BROADCAST_ELEMENTS = Integer.MAX_VALUE - 8;

  /**
   * Elements of {@code shape} without dimension {@code skip} (-1: all), exactly; -1 when the
   * product does not fit a long (client shapes can have any number of dimensions of any size).
   */
  private static long elements(int[] shape, int skip) {
    for (int i = 0; i < shape.length; i++) {
      if (i != skip && shape[i] == 0) {
        return 0;
      }
    }
    long n = 1;
    for (int i = 0; i < shape.length; i++) {
      if (i != skip) {
        try {
          n = Math.multiplyExact(n, shape[i]);
        } catch (ArithmeticException e) {
          return -1;
        }
      }
    }
    return n;
  }

  /**
   * The concrete shape of a tensor: its declared shape with a negative dimension inferred (or
   * set to 1 when a single element is broadcast).
   *
   * @param what names the tensor in error messages, e.g. "actions.spin (uid 1)"
   * @throws EnvException INVALID_ARGUMENT when the payload cannot fill the shape, or a single
   *                      element would be broadcast to more than {@value #MAX_BROADCAST_ELEMENTS}
   */
  public static int[] resolveShape(Tensor t, String what) {
    if (t.getPayloadCase() == Tensor.PayloadCase.PAYLOAD_NOT_SET) {
      throw EnvException.invalid(what, "the tensor has no payload; set one of its typed arrays");
    }
    int count = count(t);
    int[] shape = t.getShapeList().stream().mapToInt(Integer::intValue).toArray();
    int negative = -1;
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] < 0) {
        if (negative >= 0) {
          throw EnvException.invalid(what, "shape " + describe(shape)
              + " has more than one negative (variable) dimension; at most one is allowed");
        }
        negative = i;
      }
    }
    if (shape.length == 0) {
      if (count != 1) {
        throw EnvException.invalid(what, "has an empty shape (a scalar) but " + count
            + " elements; a scalar has exactly one");
      }
      return shape;
    }
    if (count == 1) {
      // Broadcast: a variable dimension becomes 1, as dm_env_rpc's own unpacking does.
      if (negative >= 0) {
        shape[negative] = 1;
      }
      long n = elements(shape, -1);
      if (n < 0 || n > MAX_BROADCAST_ELEMENTS) {
        // One value in a few bytes would otherwise make the server build a list of any size.
        throw EnvException.invalid(what, "shape " + describe(shape) + " broadcasts one value to "
            + (n < 0 ? "more than 2^63" : Long.toString(n)) + " elements; at most " + MAX_BROADCAST_ELEMENTS
            + " are accepted");
      }
      return shape;
    }
    long known = elements(shape, negative);
    if (known < 0) {
      throw EnvException.invalid(what, "shape " + describe(shape) + " has more than 2^63 elements; it cannot hold the "
          + count + " elements sent");
    }
    if (negative >= 0) {
      if (known == 0 || count % known != 0) {
        throw EnvException.invalid(what, "has " + count + " elements, which do not fill shape "
            + describe(shape) + " for any size of its variable dimension");
      }
      shape[negative] = (int) (count / known);
      return shape;
    }
    if (known != count) {
      throw EnvException.invalid(what, "has " + count + " elements but shape " + describe(shape)
          + " needs " + known + " (or exactly 1, broadcast to the whole shape)");
    }
    return shape;
  }

  /**
   * Packs {@code elements} little-endian values of type {@code dtype} read from {@code src}
   * starting at byte {@code offset}.
   */
  public static Tensor pack(DType dtype, ByteBuffer src, int offset, int elements, int[] shape) {
    ByteBuffer in = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    Tensor.Builder b = Tensor.newBuilder();
    for (int d : shape) {
      b.addShape(d);
    }
    switch (dtype) {
      case INT8, UINT8 -> {
        ByteString bytes = in.hasArray()
            ? ByteString.copyFrom(in.array(), in.arrayOffset() + offset, elements)
            : ByteString.copyFrom(in.position(offset).limit(offset + elements).slice());
        if (dtype == DType.INT8) {
          b.setInt8S(Tensor.Int8Array.newBuilder().setArray(bytes));
        } else {
          b.setUint8S(Tensor.Uint8Array.newBuilder().setArray(bytes));
        }
      }
      case INT32 -> {
        Tensor.Int32Array.Builder a = Tensor.Int32Array.newBuilder();
        for (int i = 0; i < elements; i++) {
          a.addArray(in.getInt(offset + 4 * i));
        }
        b.setInt32S(a);
      }
      case INT64 -> {
        Tensor.Int64Array.Builder a = Tensor.Int64Array.newBuilder();
        for (int i = 0; i < elements; i++) {
          a.addArray(in.getLong(offset + 8 * i));
        }
        b.setInt64S(a);
      }
      case FLOAT32 -> {
        Tensor.FloatArray.Builder a = Tensor.FloatArray.newBuilder();
        for (int i = 0; i < elements; i++) {
          a.addArray(in.getFloat(offset + 4 * i));
        }
        b.setFloats(a);
      }
      case FLOAT64 -> {
        Tensor.DoubleArray.Builder a = Tensor.DoubleArray.newBuilder();
        for (int i = 0; i < elements; i++) {
          a.addArray(in.getDouble(offset + 8 * i));
        }
        b.setDoubles(a);
      }
    }
    return b.build();
  }

  /** A float tensor of {@code values[from, from + n)}. */
  public static Tensor floats(float[] values, int from, int n, int[] shape) {
    Tensor.FloatArray.Builder a = Tensor.FloatArray.newBuilder();
    for (int i = 0; i < n; i++) {
      a.addArray(values[from + i]);
    }
    Tensor.Builder b = Tensor.newBuilder().setFloats(a);
    for (int d : shape) {
      b.addShape(d);
    }
    return b.build();
  }

  /**
   * A spec with optional inclusive bounds, each a single-element array (broadcast) of the
   * spec's own type, as dm_env_rpc requires.
   */
  public static TensorSpec spec(String name, DataType dtype, int[] shape, Double low, Double high) {
    TensorSpec.Builder b = TensorSpec.newBuilder().setName(name).setDtype(dtype);
    for (int d : shape) {
      b.addShape(d);
    }
    if (low != null) {
      b.setMin(value(dtype, low));
    }
    if (high != null) {
      b.setMax(value(dtype, high));
    }
    return b.build();
  }

  private static TensorSpec.Value value(DataType dtype, double v) {
    TensorSpec.Value.Builder b = TensorSpec.Value.newBuilder();
    switch (dtype) {
      case FLOAT -> b.setFloats(Tensor.FloatArray.newBuilder().addArray((float) v));
      case DOUBLE -> b.setDoubles(Tensor.DoubleArray.newBuilder().addArray(v));
      case INT8 -> b.setInt8S(Tensor.Int8Array.newBuilder()
          .setArray(ByteString.copyFrom(new byte[] {(byte) Math.max(-128, Math.min(127, Math.round(v)))})));
      case UINT8 -> b.setUint8S(Tensor.Uint8Array.newBuilder()
          .setArray(ByteString.copyFrom(new byte[] {(byte) Math.max(0, Math.min(255, Math.round(v)))})));
      case INT32 -> b.setInt32S(Tensor.Int32Array.newBuilder().addArray(Math.toIntExact(Math.round(v))));
      case INT64 -> b.setInt64S(Tensor.Int64Array.newBuilder().addArray(Math.round(v)));
      default -> throw new IllegalArgumentException("no numeric bounds for " + dtype);
    }
    return b.build();
  }

  /**
   * The elements of a tensor as plain Java values: Boolean, Long (every integer type; uint64
   * above 2^63-1 is refused), Double (float and double; a float is widened through its
   * shortest decimal form, so 0.1f gives 0.1) or String.
   *
   * @throws EnvException INVALID_ARGUMENT for proto payloads and out-of-range uint64s
   */
  public static List<Object> values(Tensor t, String what) {
    int n = count(t);
    List<Object> out = new ArrayList<>(n);
    switch (t.getPayloadCase()) {
      case FLOATS -> t.getFloats().getArrayList().forEach(f -> out.add(Double.parseDouble(Float.toString(f))));
      case DOUBLES -> out.addAll(t.getDoubles().getArrayList());
      case INT8S -> {
        for (byte x : t.getInt8S().getArray().toByteArray()) {
          out.add((long) x);
        }
      }
      case UINT8S -> {
        for (byte x : t.getUint8S().getArray().toByteArray()) {
          out.add((long) (x & 0xff));
        }
      }
      case INT32S -> t.getInt32S().getArrayList().forEach(x -> out.add((long) x));
      case INT64S -> out.addAll(t.getInt64S().getArrayList());
      case UINT32S -> t.getUint32S().getArrayList().forEach(x -> out.add(Integer.toUnsignedLong(x)));
      case UINT64S -> {
        for (long x : t.getUint64S().getArrayList()) {
          if (x < 0) {
            throw EnvException.invalid(what, "uint64 value " + Long.toUnsignedString(x)
                + " does not fit a signed 64-bit integer");
          }
          out.add(x);
        }
      }
      case BOOLS -> out.addAll(t.getBools().getArrayList());
      case STRINGS -> out.addAll(t.getStrings().getArrayList());
      case PROTOS -> throw EnvException.invalid(what, "proto (Any) tensors are not accepted here");
      case PAYLOAD_NOT_SET -> throw EnvException.invalid(what, "the tensor has no payload; set one of its typed arrays");
    }
    return out;
  }

  /**
   * Human-readable shape, e.g. "[3, 4]" or "[] (scalar)"; a client's shape can have any number
   * of dimensions, so a long one is cut to an excerpt.
   */
  static String describe(int[] shape) {
    return shape.length == 0 ? "[] (scalar)" : Quote.excerpt(Arrays.toString(shape));
  }
}
