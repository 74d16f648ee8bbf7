package dev.kindred.dmenv;

import dev.kindred.dmenv.proto.Tensor;
import dev.kindred.env.Config;
import dev.kindred.env.EnvException;
import dev.kindred.env.Parameter;
import dev.kindred.env.Quote;
import dev.kindred.env.WorldRegistry;
import dev.kindred.env.WorldCost;
import dev.kindred.env.WorldType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Settings (string-keyed tensors) of CreateWorld, ResetWorld, Reset and JoinWorld turned into
 * a Kindred world id, seed and configuration. See {@link DmEnvRpcService} for the keys.
 */
final class DmSettings {
  static final String WORLD = "world";
  static final String SEED = "seed";
  static final String DEFAULT_WORLD = "spin.lattice";

  private DmSettings() {}

  /** What CreateWorld's settings ask for. */
  record Creation(WorldType type, Map<String, Object> raw, Config config, long seed) {}

  /**
   * @param maxValues most values the settings may expand to in total (a single element
   *                  broadcasts to its whole shape): checked before any is materialised
   */
  static Creation create(Map<String, Tensor> settings, WorldRegistry registry, long maxValues) {
    String worldId = DEFAULT_WORLD;
    if (settings.containsKey(WORLD)) {
      Object v = scalar(settings.get(WORLD), "settings." + WORLD);
      if (!(v instanceof String s)) {
        throw EnvException.invalid("settings." + WORLD, "expected a string (a Kindred world id, one of "
            + String.join(", ", registry.ids()) + "), got " + (v instanceof String s ? "'" + Quote.excerpt(s) + "'" : v));
      }
      worldId = s;
    }
    WorldType type;
    try {
      type = registry.get(worldId);
    } catch (EnvException e) {
      throw EnvException.invalid("settings." + WORLD, e.getMessage());
    }
    long seed = settings.containsKey(SEED) ? seed(settings.get(SEED)) : 0L;
    Map<String, Object> raw = configValues(type, settings, true, maxValues);
    return new Creation(type, raw, resolve(type, raw), seed);
  }

  /**
   * World configuration values among {@code settings} (every key but {@code world} and
   * {@code seed}), converted with the type each parameter of the schema expects.
   *
   * @param worldAllowed whether a {@code world} key may be present (it is handled by the caller)
   * @param maxValues    most values the settings may expand to in total; beyond it the request is
   *                     RESOURCE_EXHAUSTED before anything is expanded
   */
  static Map<String, Object> configValues(WorldType type, Map<String, Tensor> settings, boolean worldAllowed,
      long maxValues) {
    Map<String, Parameter> params = new LinkedHashMap<>();
    for (Parameter p : type.schema().parameters()) {
      params.put(p.name(), p);
    }
    Map<String, Object> raw = new LinkedHashMap<>();
    long values = 0;
    for (Map.Entry<String, Tensor> e : settings.entrySet()) {
      String key = e.getKey();
      if (key.equals(SEED) || (worldAllowed && key.equals(WORLD))) {
        continue;
      }
      Parameter p = params.get(key);
      if (p == null) {
        throw EnvException.invalid("settings." + Quote.excerpt(key), "unknown setting; accepted keys are '" + WORLD + "' (world id, "
            + "default " + DEFAULT_WORLD + "), '" + SEED + "' (integer) and the configuration keys of world '"
            + type.id() + "': " + String.join(", ", params.keySet()));
      }
      // A few bytes can broadcast one element to a huge shape: count before expanding.
      int[] shape = DmTensors.resolveShape(e.getValue(), "settings." + key);
      long n = elements(shape);
      values = n > Long.MAX_VALUE - values ? Long.MAX_VALUE : values + n;
      if (values > maxValues) {
        throw EnvException.exhausted("settings." + key + ": shape " + DmTensors.describe(shape) + " is " + n
            + " values" + (values > n ? " (" + values + " with the settings before it)" : "") + ", more than this "
            + "server's limit of " + maxValues + " values per request (what one message of its size limit can "
            + "carry as 4-byte numbers); send a smaller shape, or restart the server with a larger --max-message-mb");
      }
      raw.put(key, convert(p, e.getValue(), "settings." + key));
    }
    return raw;
  }

  /** Elements of a shape, saturating at {@link Long#MAX_VALUE}. */
  private static long elements(int[] shape) {
    long n = 1;
    for (int d : shape) {
      n = WorldCost.saturatedMultiply(n, d);
    }
    return n;
  }

  /** Resolves against the world's schema, naming settings (not config) in errors. */
  static Config resolve(WorldType type, Map<String, Object> raw) {
    try {
      return type.schema().resolve(raw);
    } catch (EnvException e) {
      throw asSettings(e);
    }
  }

  /** The same failure naming settings, as a dm_env_rpc client knows them, instead of config keys. */
  static EnvException asSettings(EnvException e) {
    String m = e.getMessage();
    return m.startsWith("config.") ? new EnvException(e.kind(), "settings." + m.substring("config.".length())) : e;
  }

  /** An integer scalar seed (any integer dtype; uint64 keeps its 64 bits). */
  static long seed(Tensor t) {
    String what = "settings." + SEED;
    int[] shape = DmTensors.resolveShape(t, what);
    if (product(shape) != 1) {
      throw EnvException.invalid(what, "expected a single integer, got shape " + DmTensors.describe(shape));
    }
    return switch (t.getPayloadCase()) {
      case INT8S -> t.getInt8S().getArray().byteAt(0);
      case UINT8S -> t.getUint8S().getArray().byteAt(0) & 0xff;
      case INT32S -> t.getInt32S().getArray(0);
      case UINT32S -> Integer.toUnsignedLong(t.getUint32S().getArray(0));
      case INT64S -> t.getInt64S().getArray(0);
      case UINT64S -> t.getUint64S().getArray(0);
      default -> throw EnvException.invalid(what, "expected an integer tensor, got " + DmTensors.dataType(t));
    };
  }

  /** Only {@code seed} (or nothing) is accepted, e.g. by Reset. */
  static Long seedOnly(Map<String, Tensor> settings, String request) {
    for (String key : settings.keySet()) {
      if (!key.equals(SEED)) {
        throw EnvException.invalid("settings." + Quote.excerpt(key), "unknown setting; " + request + " accepts only '" + SEED
            + "' (an integer that restarts the episode seed stream)");
      }
    }
    return settings.containsKey(SEED) ? seed(settings.get(SEED)) : null;
  }

  private static Object scalar(Tensor t, String what) {
    int[] shape = DmTensors.resolveShape(t, what);
    if (product(shape) != 1) {
      throw EnvException.invalid(what, "expected a single value (a scalar), got shape " + DmTensors.describe(shape));
    }
    return DmTensors.values(t, what).get(0);
  }

  private static Object convert(Parameter p, Tensor t, String what) {
    int[] shape = DmTensors.resolveShape(t, what);
    List<Object> v = DmTensors.values(t, what);
    int n = product(shape);
    if (v.size() == 1 && n != 1) {
      List<Object> full = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        full.add(v.get(0));
      }
      v = full;
    }
    switch (p.type()) {
      case BOOL, INT, FLOAT, STRING -> {
        if (n != 1) {
          throw EnvException.invalid(what, "expected a single value (a scalar), got shape " + DmTensors.describe(shape));
        }
        return v.get(0);
      }
      case INT_LIST, FLOAT_LIST -> {
        if (shape.length > 1) {
          throw EnvException.invalid(what, "expected a list (a tensor of rank 0 or 1), got shape "
              + DmTensors.describe(shape));
        }
        return v;
      }
      case FLOAT_MATRIX -> {
        if (shape.length != 2) {
          throw EnvException.invalid(what, "expected a matrix (a tensor of rank 2), got shape "
              + DmTensors.describe(shape));
        }
        if (shape[0] < 1 || shape[1] < 1) {
          // [2147483647, 0] holds no value but would still make two billion empty rows.
          throw EnvException.invalid(what, "expected a matrix with at least one row and one column, got shape "
              + DmTensors.describe(shape));
        }
        List<Object> rows = new ArrayList<>(shape[0]);
        for (int r = 0; r < shape[0]; r++) {
          rows.add(v.subList(r * shape[1], (r + 1) * shape[1]));
        }
        return rows;
      }
      default -> throw new IllegalStateException("unhandled parameter type " + p.type());
    }
  }

  private static int product(int[] shape) {
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    return (int) Math.min(n, Integer.MAX_VALUE);
  }
}
