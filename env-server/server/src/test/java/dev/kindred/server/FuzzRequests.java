package dev.kindred.server;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.kindred.dmenv.proto.CreateWorldRequest;
import dev.kindred.dmenv.proto.DestroyWorldRequest;
import dev.kindred.dmenv.proto.EnvironmentRequest;
import dev.kindred.dmenv.proto.JoinWorldRequest;
import dev.kindred.dmenv.proto.LeaveWorldRequest;
import dev.kindred.dmenv.proto.ResetWorldRequest;
import dev.kindred.dmenv.proto.Tensor;
import dev.kindred.env.Parameter;
import dev.kindred.env.WorldRegistry;
import dev.kindred.env.WorldType;
import dev.kindred.proto.v1.CreateSessionRequest;
import dev.kindred.proto.v1.RecordOptions;
import dev.kindred.proto.v1.EnvSpec;
import dev.kindred.proto.v1.MatchOptions;
import dev.kindred.proto.v1.ResetRequest;
import dev.kindred.proto.v1.SeatLayout;
import dev.kindred.proto.v1.StepRequest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;

/**
 * Requests of both protocols built from fuzzer input: mostly well-formed enough to reach deep
 * into the server (world ids from the registry, configuration keys from the worlds' schemas,
 * values of the right type inside their bounds), with every part sometimes replaced by an
 * extreme (NaN, infinities, values just outside the bounds, huge and negative numbers, wrong
 * types, long strings, ragged matrices). Sizes stay small: see {@link FuzzBudget}.
 */
final class FuzzRequests {
  /** Numbers that break naive parsing or arithmetic. */
  private static final double[] EXTREMES = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
      Double.MAX_VALUE, -Double.MAX_VALUE, Double.MIN_VALUE, -0.0, 0.5, -1, 9.007199254740993E15,
      (double) Long.MAX_VALUE, (double) Long.MIN_VALUE, 4294967296.0, 2147483648.0, -2147483649.0, 1e-300};

  /** The shape of a session's actions: what a valid StepRequest carries. */
  record Actions(int copies, int agents, int[] numValues) {
    static Actions of(EnvSpec spec) {
      int[] n = spec.getActions().getDimensionsList().stream().mapToInt(d -> d.getNumValues()).toArray();
      return new Actions(Math.max(1, spec.getNumCopies()), spec.getNumAgents(), n);
    }
  }

  private final WorldRegistry registry;
  private final List<String> ids;

  FuzzRequests(WorldRegistry registry) {
    this.registry = registry;
    this.ids = registry.ids();
  }

  // ---- kindred.v1 --------------------------------------------------------------------------

  CreateSessionRequest createSession(FuzzedDataProvider d) {
    String worldId = worldId(d);
    WorldType type = type(worldId);
    CreateSessionRequest.Builder b = CreateSessionRequest.newBuilder().setWorldId(worldId)
        .setConfig(config(d, type))
        .setNumCopies(d.pickValue(new int[] {0, 1, 1, 2, 3, 8, 9, -1, d.consumeInt()}))
        .setSeed(d.consumeLong())
        .setAutoresetValue(d.pickValue(new int[] {0, 1, 2, 3, 4, -1}))
        .setSparseObservations(d.consumeBoolean());
    int observations = d.consumeInt(0, 3);
    for (int i = 0; i < observations; i++) {
      b.addObservations(d.consumeBoolean() && type != null ? observationName(d, type) : d.consumeString(24));
    }
    if (d.consumeBoolean()) {
      b.setClientName(d.consumeString(100));
    }
    if (d.consumeInt(0, 3) == 0) {
      // Recorded: all copies, or a few (sometimes duplicated or out of range).
      RecordOptions.Builder r = RecordOptions.newBuilder().setAllCopies(d.consumeBoolean());
      int n = d.consumeInt(0, 3);
      for (int i = 0; i < n; i++) {
        r.addCopies(d.pickValue(new int[] {0, 1, 2, 8, 64, -1}));
      }
      b.setRecord(r);
    }
    return b.build();
  }

  /**
   * A match: mostly every agent its own seat, sometimes named seats over random agents (mostly
   * refused); options that keep every step short (a deadline of 1 to 50 ms, started before all
   * seats joined), sometimes out of range.
   */
  CreateSessionRequest createMatch(FuzzedDataProvider d) {
    CreateSessionRequest.Builder b = createSession(d).toBuilder().setAutoresetValue(d.pickValue(new int[] {0, 1, 2, 3}));
    if (d.consumeInt(0, 3) > 0) {
      b.setSeatPerAgent(true);
    } else {
      int seats = d.consumeInt(0, 3);
      for (int s = 0; s < seats; s++) {
        SeatLayout.Builder l = SeatLayout.newBuilder()
            .setName(d.consumeBoolean() ? d.pickValue(new String[] {"red", "blue", "green"}) : d.consumeString(40));
        int n = d.consumeInt(0, 4);
        for (int a = 0; a < n; a++) {
          l.addAgents(d.pickValue(new int[] {0, 1, 2, 3, 4, 5, -1, d.consumeInt()}));
        }
        if (d.consumeInt(0, 4) == 0) {
          l.addWithholdObservations(d.consumeString(24));
        }
        b.addSeats(l);
      }
      b.setSeatPerAgent(d.consumeInt(0, 9) == 0);
    }
    b.setMatch(MatchOptions.newBuilder()
        .setMaxActionTimeMs(d.consumeInt(0, 9) == 0 ? d.pickValue(new int[] {3_600_001, -1, Integer.MIN_VALUE})
            : d.consumeInt(1, 50))
        .setFallback(d.pickValue(new String[] {"", "noop", "random", "random", "forager", "\n"}))
        .setStartBeforeAllJoined(true));
    return b.build();
  }

  ResetRequest reset(FuzzedDataProvider d, String sessionId) {
    ResetRequest.Builder b = ResetRequest.newBuilder().setSessionId(sessionId);
    if (d.consumeBoolean()) {
      b.setSeed(d.consumeLong());
    }
    if (d.consumeInt(0, 3) == 0) {
      int n = d.consumeInt(0, 4);
      for (int i = 0; i < n; i++) {
        b.addCopies(d.pickValue(new int[] {0, 1, 2, 7, -1, d.consumeInt()}));
      }
    }
    return b.build();
  }

  StepRequest step(FuzzedDataProvider d, String sessionId, Actions shape) {
    return StepRequest.newBuilder().setSessionId(sessionId).setActions(actions(d, shape)).build();
  }

  /** Actions for a session of this shape: mostly valid, sometimes out of range, sometimes any bytes. */
  ByteString actions(FuzzedDataProvider d, Actions shape) {
    int mode = shape == null ? 0 : d.consumeInt(0, 5);
    if (mode == 0) {
      return ByteString.copyFrom(d.consumeBytes(d.consumeInt(0, 64)));
    }
    boolean inRange = mode < 5;
    int n = shape.copies() * shape.agents() * shape.numValues().length;
    ByteBuffer b = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      int max = shape.numValues()[i % shape.numValues().length];
      b.putInt(inRange ? d.consumeInt(0, Math.max(0, max - 1))
          : d.pickValue(new int[] {-1, max, Integer.MIN_VALUE, d.consumeInt()}));
    }
    return ByteString.copyFrom(b.array());
  }

  /** Valid actions of a fixed pattern: what the probe sessions are stepped with. */
  static ByteString fixedActions(Actions shape, int step) {
    int n = shape.copies() * shape.agents() * shape.numValues().length;
    ByteBuffer b = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      b.putInt((i + step) % shape.numValues()[i % shape.numValues().length]);
    }
    return ByteString.copyFrom(b.array());
  }

  // ---- configuration -----------------------------------------------------------------------

  String worldId(FuzzedDataProvider d) {
    return d.consumeInt(0, 9) == 0 ? d.consumeString(40) : d.pickValue(ids);
  }

  WorldType type(String id) {
    return ids.contains(id) ? registry.get(id) : null;
  }

  private String observationName(FuzzedDataProvider d, WorldType type) {
    // Names are in the world's spec, which needs a world; the parameters' names serve as near misses.
    List<Parameter> params = type.schema().parameters();
    return params.isEmpty() ? "" : d.pickValue(params).name();
  }

  Struct config(FuzzedDataProvider d, WorldType type) {
    Struct.Builder b = Struct.newBuilder();
    int keys = d.consumeInt(0, 4);
    for (int i = 0; i < keys; i++) {
      Parameter p = parameter(d, type);
      String key = p != null ? p.name() : d.consumeString(30);
      b.putFields(key, value(d, p, 0));
    }
    return b.build();
  }

  /** A parameter of {@code type} (or of any world: a near miss), or null for a made-up key. */
  private Parameter parameter(FuzzedDataProvider d, WorldType type) {
    int choice = d.consumeInt(0, 9);
    if (choice == 0) {
      return null;
    }
    WorldType from = type != null && choice > 1 ? type : registry.get(d.pickValue(ids));
    List<Parameter> params = from.schema().parameters();
    return params.isEmpty() ? null : d.pickValue(params);
  }

  private Value value(FuzzedDataProvider d, Parameter p, int depth) {
    if (p == null || d.consumeInt(0, 9) == 0) {
      return anyValue(d, depth);
    }
    return switch (p.type()) {
      case BOOL -> Value.newBuilder().setBoolValue(d.consumeBoolean()).build();
      case INT, FLOAT -> number(number(d, p));
      case STRING -> Value.newBuilder().setStringValue(string(d, p)).build();
      case INT_LIST, FLOAT_LIST -> list(d, p, d.consumeInt(0, 4));
      case FLOAT_MATRIX -> {
        ListValue.Builder rows = ListValue.newBuilder();
        int n = d.consumeInt(0, 4);
        int cols = d.consumeInt(0, 8);
        for (int r = 0; r < n; r++) {
          rows.addValues(list(d, p, d.consumeInt(0, 5) == 0 ? d.consumeInt(0, 8) : cols)); // sometimes ragged
        }
        yield Value.newBuilder().setListValue(rows).build();
      }
    };
  }

  private Value list(FuzzedDataProvider d, Parameter p, int n) {
    ListValue.Builder l = ListValue.newBuilder();
    for (int i = 0; i < n; i++) {
      l.addValues(number(number(d, p)));
    }
    return Value.newBuilder().setListValue(l).build();
  }

  private Value anyValue(FuzzedDataProvider d, int depth) {
    return switch (depth > 2 ? d.consumeInt(0, 3) : d.consumeInt(0, 6)) {
      case 0 -> Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
      case 1 -> number(d.consumeBoolean() ? d.pickValue(EXTREMES) : d.consumeDouble());
      case 2 -> Value.newBuilder().setStringValue(d.consumeString(40)).build();
      case 3 -> Value.newBuilder().setBoolValue(d.consumeBoolean()).build();
      case 4 -> {
        ListValue.Builder l = ListValue.newBuilder();
        int n = d.consumeInt(0, 4);
        for (int i = 0; i < n; i++) {
          l.addValues(anyValue(d, depth + 1));
        }
        yield Value.newBuilder().setListValue(l).build();
      }
      case 5 -> Value.newBuilder().setStructValue(Struct.newBuilder()
          .putFields(d.consumeString(8), anyValue(d, depth + 1))).build();
      default -> Value.getDefaultInstance(); // kind not set
    };
  }

  private static Value number(double x) {
    return Value.newBuilder().setNumberValue(x).build();
  }

  /** Mostly inside the parameter's bounds (near its low end, which is cheap), sometimes not. */
  double number(FuzzedDataProvider d, Parameter p) {
    double lo = p.min() != null ? p.min() : -1e6;
    double hi = p.max() != null ? p.max() : 1e6;
    boolean integral = switch (p.type()) {
      case INT, INT_LIST -> true;
      default -> false;
    };
    return switch (d.consumeInt(0, 9)) {
      case 0, 1, 2, 3, 4 -> {
        double top = Math.min(hi, lo + FuzzBudget.SIZE_CAP);
        yield integral ? d.consumeLong((long) lo, (long) Math.max(lo, top))
            : lo + d.consumeProbabilityDouble() * (top - lo);
      }
      case 5 -> p.defaultValue() instanceof Number n ? n.doubleValue() : lo;
      case 6 -> hi;
      case 7 -> d.consumeBoolean() ? lo - 1 : hi + 1;
      case 8 -> d.pickValue(EXTREMES);
      default -> d.consumeDouble();
    };
  }

  private static String string(FuzzedDataProvider d, Parameter p) {
    if (!p.choices().isEmpty() && d.consumeInt(0, 4) > 0) {
      return d.pickValue(p.choices());
    }
    if (p.name().equals("map") && d.consumeBoolean()) {
      // An ASCII map: lines of walls, floor, agents and objects, sometimes ragged or with strangers.
      StringBuilder m = new StringBuilder();
      int rows = d.consumeInt(0, 8);
      int cols = d.consumeInt(0, 8);
      for (int r = 0; r < rows; r++) {
        int n = d.consumeInt(0, 6) == 0 ? d.consumeInt(0, 9) : cols;
        for (int c = 0; c < n; c++) {
          m.append(d.pickValue(new char[] {'#', '.', ' ', 'A', 'g', 'y', 'c', '_', '?', '\t'}));
        }
        m.append(d.consumeInt(0, 9) == 0 ? "\r\n" : "\n");
      }
      return m.toString();
    }
    return d.consumeString(40);
  }

  // ---- dm_env_rpc --------------------------------------------------------------------------

  /** World names a dm_env_rpc request may address. */
  record Names(String probe, List<String> created) {}

  EnvironmentRequest dm(FuzzedDataProvider d, Names names, Map<Long, Integer> actionMax) {
    EnvironmentRequest.Builder r = EnvironmentRequest.newBuilder();
    switch (d.consumeInt(0, 12)) {
      case 0, 1 -> r.setCreateWorld(CreateWorldRequest.newBuilder().putAllSettings(settings(d, true)));
      case 2 -> {
        JoinWorldRequest.Builder j = JoinWorldRequest.newBuilder().setWorldName(name(d, names));
        if (d.consumeInt(0, 5) == 0) {
          j.putSettings(d.consumeString(10), tensor(d));
        }
        r.setJoinWorld(j);
      }
      case 3, 4, 5 -> {
        dev.kindred.dmenv.proto.StepRequest.Builder s = dev.kindred.dmenv.proto.StepRequest.newBuilder();
        for (Map.Entry<Long, Integer> a : actionMax.entrySet()) {
          if (d.consumeInt(0, 5) > 0) {
            s.putActions(a.getKey(), d.consumeInt(0, 3) == 0 ? tensor(d) : agentActions(d, a.getValue()));
          }
        }
        if (d.consumeInt(0, 5) == 0) {
          s.putActions(d.consumeLong(), tensor(d));
        }
        int observations = d.consumeInt(0, 4);
        for (int i = 0; i < observations; i++) {
          s.addRequestedObservations(d.consumeInt(0, 5) == 0 ? d.consumeLong() : d.consumeInt(1, 6));
        }
        r.setStep(s);
      }
      case 6 -> {
        dev.kindred.dmenv.proto.ResetRequest.Builder s = dev.kindred.dmenv.proto.ResetRequest.newBuilder();
        if (d.consumeBoolean()) {
          s.putSettings(d.consumeInt(0, 3) == 0 ? d.consumeString(10) : "seed", integer(d, d.consumeLong()));
        }
        r.setReset(s);
      }
      case 7, 8 -> r.setResetWorld(ResetWorldRequest.newBuilder().setWorldName(name(d, names))
          .putAllSettings(settings(d, d.consumeInt(0, 3) == 0)));
      case 9 -> r.setLeaveWorld(LeaveWorldRequest.getDefaultInstance());
      case 10 -> r.setDestroyWorld(DestroyWorldRequest.newBuilder().setWorldName(name(d, names)));
      case 11 -> r.setExtension(Any.newBuilder().setTypeUrl(d.consumeString(40))
          .setValue(ByteString.copyFrom(d.consumeBytes(16))));
      default -> { } // no payload
    }
    return r.build();
  }

  private static String name(FuzzedDataProvider d, Names names) {
    int choice = d.consumeInt(0, 9);
    if (choice < 3) {
      return names.probe();
    }
    if (choice < 7 && !names.created().isEmpty()) {
      return d.pickValue(names.created());
    }
    return d.consumeString(40);
  }

  Map<String, Tensor> settings(FuzzedDataProvider d, boolean withWorld) {
    java.util.LinkedHashMap<String, Tensor> s = new java.util.LinkedHashMap<>();
    String worldId = worldId(d);
    if (withWorld && d.consumeInt(0, 5) > 0) {
      s.put("world", d.consumeInt(0, 5) == 0 ? tensor(d) : string(worldId));
    }
    if (d.consumeBoolean()) {
      s.put("seed", d.consumeInt(0, 5) == 0 ? tensor(d) : integer(d, d.consumeLong()));
    }
    WorldType type = type(worldId);
    int keys = d.consumeInt(0, 3);
    for (int i = 0; i < keys; i++) {
      Parameter p = parameter(d, type);
      s.put(p != null ? p.name() : d.consumeString(20), p == null || d.consumeInt(0, 4) == 0 ? tensor(d)
          : settingTensor(d, p));
    }
    return s;
  }

  /** A tensor of the kind the parameter expects: a scalar, a list or a matrix of its type. */
  private Tensor settingTensor(FuzzedDataProvider d, Parameter p) {
    return switch (p.type()) {
      case BOOL -> Tensor.newBuilder().setBools(Tensor.BoolArray.newBuilder().addArray(d.consumeBoolean())).build();
      case INT -> integer(d, (long) number(d, p));
      case FLOAT -> d.consumeBoolean()
          ? Tensor.newBuilder().setDoubles(Tensor.DoubleArray.newBuilder().addArray(number(d, p))).build()
          : Tensor.newBuilder().setFloats(Tensor.FloatArray.newBuilder().addArray((float) number(d, p))).build();
      case STRING -> string(string(d, p));
      case INT_LIST, FLOAT_LIST -> {
        Tensor.DoubleArray.Builder a = Tensor.DoubleArray.newBuilder();
        int n = d.consumeInt(0, 4);
        for (int i = 0; i < n; i++) {
          a.addArray(number(d, p));
        }
        Tensor.Builder t = Tensor.newBuilder().setDoubles(a);
        if (d.consumeBoolean()) {
          t.addShape(d.consumeBoolean() ? n : -1);
        }
        yield t.build();
      }
      case FLOAT_MATRIX -> {
        int rows = d.consumeInt(0, 3);
        int cols = d.consumeInt(0, 3);
        Tensor.DoubleArray.Builder a = Tensor.DoubleArray.newBuilder();
        for (int i = 0; i < rows * cols; i++) {
          a.addArray(number(d, p));
        }
        yield Tensor.newBuilder().setDoubles(a).addShape(rows).addShape(d.consumeBoolean() ? cols : -1).build();
      }
    };
  }

  private static Tensor agentActions(FuzzedDataProvider d, int agents) {
    Tensor.Int32Array.Builder a = Tensor.Int32Array.newBuilder();
    int n = d.consumeInt(0, 4) == 0 ? d.consumeInt(0, agents + 2) : agents;
    for (int i = 0; i < n; i++) {
      a.addArray(d.consumeInt(0, 4) == 0 ? d.consumeInt() : d.consumeInt(0, 2));
    }
    Tensor.Builder t = Tensor.newBuilder().setInt32S(a);
    if (d.consumeBoolean()) {
      t.addShape(d.consumeInt(0, 4) == 0 ? d.consumeInt(-2, agents + 1) : n);
    }
    return t.build();
  }

  private static Tensor string(String s) {
    return Tensor.newBuilder().setStrings(Tensor.StringArray.newBuilder().addArray(s)).build();
  }

  private static Tensor integer(FuzzedDataProvider d, long v) {
    return switch (d.consumeInt(0, 5)) {
      case 0 -> Tensor.newBuilder().setInt32S(Tensor.Int32Array.newBuilder().addArray((int) v)).build();
      case 1 -> Tensor.newBuilder().setUint64S(Tensor.Uint64Array.newBuilder().addArray(v)).build();
      case 2 -> Tensor.newBuilder().setUint8S(Tensor.Uint8Array.newBuilder()
          .setArray(ByteString.copyFrom(new byte[] {(byte) v}))).build();
      case 3 -> Tensor.newBuilder().setUint32S(Tensor.Uint32Array.newBuilder().addArray((int) v)).build();
      default -> Tensor.newBuilder().setInt64S(Tensor.Int64Array.newBuilder().addArray(v)).build();
    };
  }

  /** Any tensor: every payload type, few elements, any shape (negative, zero, mismatched). */
  Tensor tensor(FuzzedDataProvider d) {
    Tensor.Builder t = Tensor.newBuilder();
    int n = d.consumeInt(0, 3) == 0 ? d.consumeInt(0, 70) : d.consumeInt(0, 4);
    switch (d.consumeInt(0, 11)) {
      case 0 -> {
        Tensor.FloatArray.Builder a = Tensor.FloatArray.newBuilder();
        for (int i = 0; i < n; i++) {
          a.addArray(d.consumeFloat());
        }
        t.setFloats(a);
      }
      case 1 -> {
        Tensor.DoubleArray.Builder a = Tensor.DoubleArray.newBuilder();
        for (int i = 0; i < n; i++) {
          a.addArray(d.consumeBoolean() ? d.pickValue(EXTREMES) : d.consumeDouble());
        }
        t.setDoubles(a);
      }
      case 2 -> t.setInt8S(Tensor.Int8Array.newBuilder().setArray(ByteString.copyFrom(d.consumeBytes(n))));
      case 3 -> t.setUint8S(Tensor.Uint8Array.newBuilder().setArray(ByteString.copyFrom(d.consumeBytes(n))));
      case 4 -> {
        Tensor.Int32Array.Builder a = Tensor.Int32Array.newBuilder();
        for (int i = 0; i < n; i++) {
          a.addArray(d.consumeInt());
        }
        t.setInt32S(a);
      }
      case 5 -> {
        Tensor.Int64Array.Builder a = Tensor.Int64Array.newBuilder();
        for (int i = 0; i < n; i++) {
          a.addArray(d.consumeLong());
        }
        t.setInt64S(a);
      }
      case 6 -> {
        Tensor.Uint32Array.Builder a = Tensor.Uint32Array.newBuilder();
        for (int i = 0; i < n; i++) {
          a.addArray(d.consumeInt());
        }
        t.setUint32S(a);
      }
      case 7 -> {
        Tensor.Uint64Array.Builder a = Tensor.Uint64Array.newBuilder();
        for (int i = 0; i < n; i++) {
          a.addArray(d.consumeLong());
        }
        t.setUint64S(a);
      }
      case 8 -> {
        Tensor.BoolArray.Builder a = Tensor.BoolArray.newBuilder();
        for (int i = 0; i < n; i++) {
          a.addArray(d.consumeBoolean());
        }
        t.setBools(a);
      }
      case 9 -> {
        Tensor.StringArray.Builder a = Tensor.StringArray.newBuilder();
        for (int i = 0; i < n; i++) {
          a.addArray(d.consumeString(16));
        }
        t.setStrings(a);
      }
      case 10 -> t.setProtos(Tensor.ProtoArray.newBuilder().addArray(Any.newBuilder().setTypeUrl(d.consumeString(20))));
      default -> { } // no payload
    }
    int dims = d.consumeInt(0, 3);
    for (int i = 0; i < dims; i++) {
      t.addShape(d.pickValue(new int[] {-1, 0, 1, 2, n, d.consumeInt()}));
    }
    return t.build();
  }

  // ---- raw bytes ---------------------------------------------------------------------------

  /** A valid encoding with a few bytes overwritten, inserted, or cut off. */
  static byte[] mutate(FuzzedDataProvider d, byte[] valid) {
    byte[] out = valid.clone();
    int edits = d.consumeInt(0, 3);
    for (int i = 0; i < edits && out.length > 0; i++) {
      int at = d.consumeInt(0, out.length - 1);
      switch (d.consumeInt(0, 2)) {
        case 0 -> out[at] = d.consumeByte();
        case 1 -> out = java.util.Arrays.copyOf(out, at); // truncate
        default -> {
          byte[] insert = d.consumeBytes(d.consumeInt(1, 8));
          byte[] grown = new byte[out.length + insert.length];
          System.arraycopy(out, 0, grown, 0, at);
          System.arraycopy(insert, 0, grown, at, insert.length);
          System.arraycopy(out, at, grown, at + insert.length, out.length - at);
          out = grown;
        }
      }
    }
    return out;
  }
}
