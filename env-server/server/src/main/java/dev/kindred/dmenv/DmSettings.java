package dev.kindred.dmenv;

import dev.kindred.dmenv.proto.Tensor;
import dev.kindred.env.Config;
import dev.kindred.env.EnvException;
import dev.kindred.env.Parameter;
import dev.kindred.env.Quote;
import dev.kindred.env.WorldRegistry;
import dev.kindred.env.WorldCost;
import dev.kindred.env.WorldType;
import dev.kindred.proto.v1.MatchOptions;
import dev.kindred.proto.v1.SeatLayout;
import dev.kindred.server.match.MatchLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Settings (string-keyed tensors) of CreateWorld, ResetWorld, Reset and JoinWorld turned into
 * a Kindred world id, seed and configuration, and a seated world's seats, tokens and match
 * options. See {@link DmEnvRpcService} for the keys.
 */
final class DmSettings {
  static final String WORLD = "world";
  static final String SEED = "seed";
  /** CreateWorld: {@code seat.<name>}, the world's agent indices of a seat. */
  static final String SEAT_PREFIX = "seat.";
  /** CreateWorld: {@code seat_token.<name>}, the token that joins the seat. */
  static final String TOKEN_PREFIX = "seat_token.";
  static final String MAX_ACTION_TIME = "max_action_time_ms";
  static final String FALLBACK = "fallback";
  static final String START_BEFORE_ALL_JOINED = "start_before_all_joined";
  /** JoinWorld: the seat to take, and its token. */
  static final String SEAT = "seat";
  static final String SEAT_TOKEN = "seat_token";
  /** A token is a secret: 32 hex digits (128 bits) at least, so that it cannot be guessed. */
  static final int MIN_TOKEN_HEX_DIGITS = 32;
  static final int MAX_TOKEN_HEX_DIGITS = 128;
  private static final String TOKEN_FORM = "a string of " + MIN_TOKEN_HEX_DIGITS + " to " + MAX_TOKEN_HEX_DIGITS
      + " hex digits";

  private DmSettings() {}

  /**
   * What CreateWorld's settings ask for.
   *
   * @param seating the seats of a seated world, or null for a world one connection controls
   */
  record Creation(WorldType type, Map<String, Object> raw, Config config, long seed, Seating seating) {}

  /**
   * A seated world's seats and how it plays, as the kindred.v1 match core takes them.
   *
   * @param seats   in name order (settings are a map: the order must not depend on the wire)
   * @param tokens  each seat's token in the form {@link #tokenBytes} gives, in the same order
   * @param options max_action_time_ms, fallback, start_before_all_joined
   */
  record Seating(List<SeatLayout> seats, List<byte[]> tokens, MatchOptions options) {}

  /** What JoinWorld's settings ask for: a seat of a seated world and its token. */
  record SeatClaim(String seat, byte[] token) {}

  /**
   * @param maxValues most values the settings may expand to in total (a single element
   *                  broadcasts to its whole shape): checked before any is materialised
   */
  static Creation create(Map<String, Tensor> settings, WorldRegistry registry, long maxValues) {
    // No default world: a missing key once made a spin lattice with no controlled spins, a world
    // nobody can act in, which looked like success.
    if (!settings.containsKey(WORLD)) {
      throw EnvException.invalid("settings." + WORLD, "required: the Kindred world to create, one of "
          + String.join(", ", registry.ids()) + " (a string tensor, e.g. settings {\"" + WORLD + "\": \"spin.lattice\"})");
    }
    Object v = scalar(settings.get(WORLD), "settings." + WORLD);
    if (!(v instanceof String worldId)) {
      throw EnvException.invalid("settings." + WORLD, "expected a string (a Kindred world id, one of "
          + String.join(", ", registry.ids()) + "), got " + v);
    }
    WorldType type;
    try {
      type = registry.get(worldId);
    } catch (EnvException e) {
      throw EnvException.invalid("settings." + WORLD, e.getMessage());
    }
    long seed = settings.containsKey(SEED) ? seed(settings.get(SEED)) : 0L;
    Map<String, Tensor> config = new LinkedHashMap<>(settings);
    Seating seating = seating(config);
    Map<String, Object> raw = configValues(type, config, true, maxValues);
    return new Creation(type, raw, resolve(type, raw), seed, seating);
  }

  /**
   * Takes the seat settings out of {@code settings} (what stays is the world's configuration):
   * null when there are none.
   *
   * @throws EnvException INVALID_ARGUMENT naming the setting: a seat without a token or a token
   *                      without a seat, a token that is not {@value #MIN_TOKEN_HEX_DIGITS} to
   *                      {@value #MAX_TOKEN_HEX_DIGITS} hex digits or is another seat's, agent
   *                      indices that are not integers, match options without seats
   */
  static Seating seating(Map<String, Tensor> settings) {
    Map<String, Tensor> seats = new TreeMap<>();
    Map<String, Tensor> tokens = new TreeMap<>();
    for (String key : List.copyOf(settings.keySet())) {
      if (key.startsWith(SEAT_PREFIX)) {
        seats.put(key.substring(SEAT_PREFIX.length()), settings.remove(key));
      } else if (key.startsWith(TOKEN_PREFIX)) {
        tokens.put(key.substring(TOKEN_PREFIX.length()), settings.remove(key));
      }
    }
    Tensor maxTime = settings.remove(MAX_ACTION_TIME);
    Tensor fallback = settings.remove(FALLBACK);
    Tensor start = settings.remove(START_BEFORE_ALL_JOINED);
    if (seats.isEmpty()) {
      if (!tokens.isEmpty()) {
        String name = tokens.keySet().iterator().next();
        throw EnvException.invalid("settings." + TOKEN_PREFIX + Quote.excerpt(name, 40), "names no seat: there is "
            + "no setting " + SEAT_PREFIX + Quote.excerpt(name, 40) + " (the seat's agent indices)");
      }
      String option = maxTime != null ? MAX_ACTION_TIME : fallback != null ? FALLBACK
          : start != null ? START_BEFORE_ALL_JOINED : null;
      if (option != null) {
        throw EnvException.invalid("settings." + option, "is a match option and needs seats: add a setting "
            + SEAT_PREFIX + "<name> (the seat's agent indices) and " + TOKEN_PREFIX + "<name> (its join token) per "
            + "seat, or leave it out for a world that one connection controls");
      }
      return null;
    }
    List<SeatLayout> layouts = new ArrayList<>();
    List<byte[]> secrets = new ArrayList<>();
    Map<String, String> tokenOwner = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : seats.entrySet()) {
      String name = e.getKey();
      String shown = Quote.excerpt(name, 40);
      layouts.add(SeatLayout.newBuilder().setName(name).addAllAgents(agents(e.getValue(), "settings."
          + SEAT_PREFIX + shown)).build());
      Tensor token = tokens.remove(name);
      String tokenKey = "settings." + TOKEN_PREFIX + shown;
      if (token == null) {
        throw EnvException.invalid(tokenKey, "is missing: every seat needs its join token, " + TOKEN_FORM
            + " (e.g. 128 random bits) that whoever plays the seat sends to JoinWorld as " + SEAT_TOKEN);
      }
      byte[] secret = tokenBytes(string(token, tokenKey), tokenKey);
      String other = tokenOwner.putIfAbsent(new String(secret, StandardCharsets.US_ASCII), name);
      if (other != null) {
        throw EnvException.invalid(tokenKey, "is the same as " + TOKEN_PREFIX + Quote.excerpt(other, 40)
            + "; each seat needs a token of its own");
      }
      secrets.add(secret);
    }
    if (!tokens.isEmpty()) {
      String name = tokens.keySet().iterator().next();
      throw EnvException.invalid("settings." + TOKEN_PREFIX + Quote.excerpt(name, 40), "names no seat; the seats "
          + "are " + Quote.excerpt(String.join(", ", seats.keySet()), 200));
    }
    MatchOptions.Builder options = MatchOptions.newBuilder();
    if (maxTime != null) {
      Object v = scalar(maxTime, "settings." + MAX_ACTION_TIME);
      if (!(v instanceof Long ms) || ms < 0 || ms > MatchLayout.MAX_ACTION_MILLIS) {
        throw EnvException.invalid("settings." + MAX_ACTION_TIME, "expected an integer from 1 to "
            + MatchLayout.MAX_ACTION_MILLIS + " (milliseconds; 0: the default, " + MatchLayout.DEFAULT_MAX_ACTION_MILLIS
            + "), got " + (v instanceof String ? "a string" : Quote.excerpt(String.valueOf(v), 40)));
      }
      options.setMaxActionTimeMs((int) (long) ms);
    }
    if (fallback != null) {
      options.setFallback(string(fallback, "settings." + FALLBACK));
    }
    if (start != null) {
      Object v = scalar(start, "settings." + START_BEFORE_ALL_JOINED);
      if (!(v instanceof Boolean b)) {
        throw EnvException.invalid("settings." + START_BEFORE_ALL_JOINED, "expected a bool");
      }
      options.setStartBeforeAllJoined(b);
    }
    return new Seating(List.copyOf(layouts), List.copyOf(secrets), options.build());
  }

  /** A seat's agent indices: integers, a scalar or a list, one index per element. */
  private static List<Integer> agents(Tensor t, String what) {
    int[] shape = DmTensors.resolveShape(t, what);
    if (shape.length > 1) {
      throw EnvException.invalid(what, "expected a list of agent indices (rank 0 or 1), got shape "
          + DmTensors.describe(shape));
    }
    List<Object> values = DmTensors.values(t, what);
    if (values.size() != product(shape)) {
      throw EnvException.invalid(what, "expected one agent index per element, got " + values.size() + " for shape "
          + DmTensors.describe(shape) + " (agent indices are not broadcast)");
    }
    List<Integer> out = new ArrayList<>(values.size());
    for (Object v : values) {
      if (!(v instanceof Long a) || a < 0 || a > Integer.MAX_VALUE) {
        throw EnvException.invalid(what, "expected agent indices (integers from 0), got "
            + (v instanceof String ? "a string" : Quote.excerpt(String.valueOf(v), 40)));
      }
      out.add((int) (long) a);
    }
    return out;
  }

  /** A string scalar. */
  private static String string(Tensor t, String what) {
    Object v = scalar(t, what);
    if (!(v instanceof String s)) {
      throw EnvException.invalid(what, "expected a string, got " + DmTensors.dataType(t));
    }
    return s;
  }

  /**
   * A token as the match compares it (its hex digits in lower case, as ASCII); never echoed in
   * a message, not even in part.
   *
   * @throws EnvException INVALID_ARGUMENT unless it is {@value #MIN_TOKEN_HEX_DIGITS} to
   *                      {@value #MAX_TOKEN_HEX_DIGITS} hex digits
   */
  static byte[] tokenBytes(String token, String what) {
    boolean ok = token.length() >= MIN_TOKEN_HEX_DIGITS && token.length() <= MAX_TOKEN_HEX_DIGITS;
    for (int i = 0; ok && i < token.length(); i++) {
      ok = Character.digit(token.charAt(i), 16) >= 0 && token.charAt(i) < 128;
    }
    if (!ok) {
      throw EnvException.invalid(what, "is not a join token (" + token.length() + " characters); expected "
          + TOKEN_FORM + ": fewer could be guessed, and a guessable token is no permission");
    }
    return token.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * The match core's complaint about the seats, naming the dm_env_rpc settings they came from
   * ({@code seats[1].agents} becomes {@code settings.seat.<name>}, {@code match.fallback}
   * becomes {@code settings.fallback}).
   */
  static EnvException seatError(EnvException e, List<SeatLayout> seats) {
    String m = e.getMessage();
    Matcher seat = SEAT_FIELD.matcher(m);
    if (seat.lookingAt()) {
      int i = Integer.parseInt(seat.group(1));
      String name = i < seats.size() ? Quote.excerpt(seats.get(i).getName(), 40) : "<name>";
      return new EnvException(e.kind(), "settings." + SEAT_PREFIX + name + ": " + m.substring(seat.end()));
    }
    if (m.startsWith("seats: ")) {
      return new EnvException(e.kind(), "settings: " + m.substring("seats: ".length()) + " (a setting "
          + SEAT_PREFIX + "<name> lists a seat's agents)");
    }
    if (m.startsWith("match.")) {
      return new EnvException(e.kind(), "settings." + m.substring("match.".length()));
    }
    return e;
  }

  private static final Pattern SEAT_FIELD = Pattern.compile("seats\\[(\\d+)\\](\\.[a-z_]+)?: ");

  /**
   * JoinWorld's settings: none (a world one connection controls), or {@code seat} and
   * {@code seat_token} (a seat of a seated world).
   *
   * @return null for none
   * @throws EnvException INVALID_ARGUMENT for another key, one without the other, or a token
   *                      that is not {@value #MIN_TOKEN_HEX_DIGITS} to
   *                      {@value #MAX_TOKEN_HEX_DIGITS} hex digits
   */
  static SeatClaim seatClaim(Map<String, Tensor> settings) {
    if (settings.isEmpty()) {
      return null;
    }
    for (String key : settings.keySet()) {
      if (!key.equals(SEAT) && !key.equals(SEAT_TOKEN)) {
        throw EnvException.invalid("settings." + Quote.excerpt(key), "unknown setting; JoinWorld accepts only '"
            + SEAT + "' and '" + SEAT_TOKEN + "', which take a seat of a world created with seats (a world "
            + "without seats is joined with no settings; world settings go to CreateWorld or ResetWorld)");
      }
    }
    if (!settings.containsKey(SEAT)) {
      throw EnvException.invalid("settings." + SEAT, "is missing: " + SEAT_TOKEN + " comes with the name of the "
          + "seat it joins");
    }
    if (!settings.containsKey(SEAT_TOKEN)) {
      throw EnvException.invalid("settings." + SEAT_TOKEN, "is missing: a seat is joined with its token, the "
          + TOKEN_PREFIX + "<seat> setting of CreateWorld");
    }
    String seat = string(settings.get(SEAT), "settings." + SEAT);
    byte[] token = tokenBytes(string(settings.get(SEAT_TOKEN), "settings." + SEAT_TOKEN), "settings." + SEAT_TOKEN);
    return new SeatClaim(seat, token);
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
            + "required at CreateWorld), '" + SEED + "' (integer) and the configuration keys of world '"
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

  /**
   * A seat's Reset takes no settings.
   *
   * @throws EnvException INVALID_ARGUMENT naming the first
   */
  static void seatReset(Map<String, Tensor> settings) {
    for (String key : settings.keySet()) {
      throw EnvException.invalid("settings." + Quote.excerpt(key), "a seat's Reset takes no settings: a seated "
          + "world's seed and configuration are set at CreateWorld, and its episodes follow one another by themselves");
    }
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
