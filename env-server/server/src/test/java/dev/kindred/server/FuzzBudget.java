package dev.kindred.server;

import com.google.protobuf.Struct;
import dev.kindred.dmenv.DmTensors;
import dev.kindred.dmenv.proto.Tensor;
import dev.kindred.protocol.Structs;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the fuzzer may ask the server to build: requests whose in-range values would make a world
 * expensive are not sent, so that a fuzz run measures the server's handling of requests rather
 * than the cost of a 4096 x 4096 map, and cannot run out of memory or time. Out-of-range values
 * are always sent: the server must reject them cheaply. (Server-side cost limits are a separate
 * finding of the hardening issue; with them in place this budget only saves time.)
 *
 * <p>Keys naming files ({@code map_file}, {@code couplings_file}) are never sent: the server
 * reads them today (removing that is another finding of the issue), and a fuzzed path such as
 * {@code /dev/zero} would hang the run instead of testing the server.
 */
final class FuzzBudget {
  /** Largest in-range value of a size-like key that is sent. */
  static final double SIZE_CAP = 64;
  /** Longest list, matrix or tensor that is sent for a world setting. */
  static final int ELEMENTS_CAP = 64;
  /** Longest string setting (an ASCII map) that is sent. */
  static final int STRING_CAP = 4096;

  /** Keys whose value scales the work of building or stepping a world. */
  static final Set<String> SIZE_KEYS = Set.of("width", "height", "n", "degree", "mean_degree", "agents", "altars",
      "converters", "green_generators", "yellow_generators", "walls", "groups", "sweeps_per_step", "burn_in_sweeps",
      "rooms", "door_width");
  static final Set<String> FILE_KEYS = Set.of("map_file", "couplings_file");

  private FuzzBudget() {}

  /** Whether a kindred.v1 configuration is cheap enough to send. */
  static boolean affordable(Struct config) {
    for (Map.Entry<String, Object> e : Structs.toPlain(config).entrySet()) {
      if (!affordable(e.getKey(), e.getValue())) {
        return false;
      }
    }
    return true;
  }

  private static boolean affordable(String key, Object v) {
    if (v == null) {
      return true;
    }
    if (FILE_KEYS.contains(key)) {
      return false;
    }
    if (v instanceof String s) {
      return s.length() <= STRING_CAP;
    }
    if (v instanceof Double d) {
      return !SIZE_KEYS.contains(key) || !(Math.abs(d) > SIZE_CAP) || !Double.isFinite(d) || Math.abs(d) > 1e18;
    }
    if (v instanceof List<?> list) {
      if (list.size() > ELEMENTS_CAP) {
        return false;
      }
      for (Object e : list) {
        if (!affordable(key, e)) {
          return false;
        }
      }
    }
    if (v instanceof Map<?, ?> m) {
      return m.size() <= ELEMENTS_CAP;
    }
    return true;
  }

  /** Whether dm_env_rpc settings are cheap enough to send. */
  static boolean affordable(Map<String, Tensor> settings) {
    for (Map.Entry<String, Tensor> e : settings.entrySet()) {
      String key = e.getKey();
      Tensor t = e.getValue();
      if (FILE_KEYS.contains(key) || DmTensors.count(t) > ELEMENTS_CAP) {
        return false;
      }
      for (String s : t.getStrings().getArrayList()) {
        if (s.length() > STRING_CAP) {
          return false;
        }
      }
      if (SIZE_KEYS.contains(key) && !numbersWithinCap(t)) {
        return false;
      }
    }
    return true;
  }

  /** No element above the size cap: values beyond every schema's maximum are fine (rejected). */
  private static boolean numbersWithinCap(Tensor t) {
    return switch (t.getPayloadCase()) {
      case FLOATS -> t.getFloats().getArrayList().stream().allMatch(x -> cheap(x));
      case DOUBLES -> t.getDoubles().getArrayList().stream().allMatch(FuzzBudget::cheap);
      case INT32S -> t.getInt32S().getArrayList().stream().allMatch(x -> cheap(x));
      case INT64S -> t.getInt64S().getArrayList().stream().allMatch(x -> cheap(x));
      case UINT32S -> t.getUint32S().getArrayList().stream().allMatch(x -> cheap(Integer.toUnsignedLong(x)));
      case UINT64S -> t.getUint64S().getArrayList().stream().allMatch(x -> x < 0 || cheap(x));
      default -> true; // int8/uint8 values are at most 255: a map of 255 x 255 cells or 255 agents is cheap
    };
  }

  private static boolean cheap(double x) {
    return !(Math.abs(x) > SIZE_CAP) || !Double.isFinite(x) || Math.abs(x) > 1e18;
  }
}
