package dev.kindred.replay;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads and validates a replay file (docs/replay-format.md): gzip, JSON on every line, the format
 * name, a version this reader knows, the trailer's SHA-256 over the content, the shape of every
 * line; then rebuilds the full state at every step. Every problem is a {@link ReplayException}
 * naming the file and the line.
 */
public final class ReplayReader {
  /** How much of a bad line an error quotes. */
  private static final int EXCERPT = 60;

  private ReplayReader() {}

  /** Reads {@code file}. */
  public static Replay read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new ReplayException(file.toString(), 0, "no such file");
    } catch (IOException e) {
      throw new ReplayException(file.toString(), 0, "cannot read it: " + e.getMessage(), e);
    }
    return read(file.toString(), bytes);
  }

  /** Reads a replay from its compressed bytes; {@code name} is used in messages. */
  public static Replay read(String name, byte[] compressed) {
    if (compressed.length < 2 || (compressed[0] & 0xff) != 0x1f || (compressed[1] & 0xff) != 0x8b) {
      throw new ReplayException(name, 0, "not a gzip file (a replay is a gzip of JSON Lines, *"
          + ReplayWriter.SUFFIX + ")");
    }
    ByteArrayOutputStream content = new ByteArrayOutputStream(compressed.length * 8);
    String broken = null;
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed), 1 << 16)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        content.write(buf, 0, n);
      }
    } catch (EOFException e) {
      broken = "the gzip stream breaks off (the file is truncated)";
    } catch (ZipException e) {
      broken = "the gzip stream is corrupt (" + e.getMessage() + ")";
    } catch (IOException e) {
      broken = "cannot decompress it (" + e.getMessage() + ")";
    }
    byte[] text = content.toByteArray();
    List<int[]> lines = splitLines(text);
    if (broken != null) {
      throw new ReplayException(name, lines.size() + 1, broken + " after " + lines.size() + " complete lines");
    }
    if (lines.isEmpty()) {
      throw new ReplayException(name, 0, "is empty");
    }
    if (text.length > 0 && text[text.length - 1] != '\n') {
      throw new ReplayException(name, lines.size(), "the last line has no newline (the file is truncated)");
    }
    int count = lines.size();
    JsonObject header = parse(name, text, lines.get(0), 1);
    checkHeader(name, header);
    if (count < 3) {
      throw new ReplayException(name, count, "the file ends after " + count + " lines, without its end line and "
          + "content_sha256 trailer (the file is truncated)");
    }
    int[] last = lines.get(count - 1);
    JsonObject trailer = parse(name, text, last, count);
    if (!trailer.has("content_sha256") || trailer.size() != 1) {
      throw new ReplayException(name, count, "the file ends without its content_sha256 trailer (the file is truncated)");
    }
    String expected = string(name, count, trailer, "content_sha256");
    String actual = sha256(text, last[0]);
    if (!expected.equals(actual)) {
      throw new ReplayException(name, count, "content_sha256 is " + excerpt(expected) + " but the content before it "
          + "hashes to " + actual + " (the file was changed or damaged)");
    }
    JsonObject endLine = parse(name, text, lines.get(count - 2), count - 1);
    if (!endLine.has("end") || !endLine.get("end").isJsonObject()) {
      throw new ReplayException(name, count - 1, "expected the end line {\"end\": {...}} before the trailer");
    }
    String kind = string(name, 1, header, "world_kind");
    int agents = integer(name, 1, header, "agents");
    if (!header.has(kind) || !header.get(kind).isJsonObject()) {
      throw new ReplayException(name, 1, "world_kind is " + kind + " but the header has no " + kind + " section");
    }
    JsonObject section = header.getAsJsonObject(kind);
    Builder b = kind.equals("energy") ? new EnergyBuilder(name, section, agents)
        : kind.equals("spin") ? new SpinBuilder(name, section, agents) : null;
    if (b == null) {
      throw new ReplayException(name, 1, "world_kind must be energy or spin; got " + excerpt(kind));
    }
    List<int[]> actions = new ArrayList<>();
    List<byte[]> success = new ArrayList<>();
    List<float[]> rewards = new ArrayList<>();
    for (int i = 1; i < count - 2; i++) {
      int ln = i + 1;
      JsonObject o = parse(name, text, lines.get(i), ln);
      int t = integer(name, ln, o, "t");
      if (o.has("state")) {
        if (t != actions.size()) {
          throw new ReplayException(name, ln, "a state line for step " + t + " after step " + actions.size());
        }
        b.state(ln, o.getAsJsonObject("state"));
        continue;
      }
      if (t != actions.size() + 1) {
        throw new ReplayException(name, ln, "step " + t + " follows step " + actions.size() + "; expected "
            + (actions.size() + 1));
      }
      actions.add(ints(name, ln, array(name, ln, o, "actions"), agents * b.actionDims(), "actions"));
      int[] s = ints(name, ln, array(name, ln, o, "success"), agents, "success");
      byte[] sb = new byte[agents];
      for (int a = 0; a < agents; a++) {
        sb[a] = (byte) s[a];
      }
      success.add(sb);
      rewards.add(floats(name, ln, array(name, ln, o, "rewards"), agents, "rewards"));
      b.step(ln, o);
    }
    JsonObject end = endLine.getAsJsonObject("end");
    int steps = integer(name, count - 1, end, "steps");
    if (steps != actions.size()) {
      throw new ReplayException(name, count - 1, "the end line says " + steps + " steps; the file has "
          + actions.size());
    }
    return new Replay(name, header, kind, actions, success, rewards,
        b instanceof EnergyBuilder e ? e.frames : null, b instanceof SpinBuilder sp ? sp.frames : null, end,
        0, text.length, expected).withSize(compressed.length);
  }

  private static void checkHeader(String name, JsonObject header) {
    JsonElement format = header.get("format");
    if (format == null || !format.isJsonPrimitive() || !format.getAsString().equals(ReplayWriter.FORMAT)) {
      throw new ReplayException(name, 1, "not a Kindred replay: the header's format is "
          + (format == null ? "missing" : excerpt(format.toString())) + "; expected \"" + ReplayWriter.FORMAT + "\"");
    }
    int version = integer(name, 1, header, "format_version");
    if (version > ReplayWriter.FORMAT_VERSION) {
      throw new ReplayException(name, 1, "format_version " + version + " is newer than this reader knows ("
          + ReplayWriter.FORMAT_VERSION + "); read it with a newer Kindred");
    }
    if (version < 1) {
      throw new ReplayException(name, 1, "format_version " + version + " is not a version (versions start at 1)");
    }
    for (String key : new String[] {"world", "seed", "world_kind"}) {
      string(name, 1, header, key);
    }
    try {
      Long.parseLong(header.get("seed").getAsString());
    } catch (NumberFormatException e) {
      throw new ReplayException(name, 1, "seed " + excerpt(header.get("seed").getAsString())
          + " is not an integer (seeds are written as decimal strings)");
    }
    if (!header.has("config") || !header.get("config").isJsonObject()) {
      throw new ReplayException(name, 1, "the header has no config object");
    }
  }

  /** What a world kind's reader does with its section, state lines and step lines. */
  private interface Builder {
    int actionDims();

    void state(int line, JsonObject state);

    void step(int line, JsonObject step);
  }

  private static final class EnergyBuilder implements Builder {
    final String name;
    final int agents;
    final int objects;
    final List<EnergyFrame> frames = new ArrayList<>();

    EnergyBuilder(String name, JsonObject section, int agents) {
      this.name = name;
      this.agents = agents;
      this.objects = array(name, 1, section, "objects").size();
      frames.add(parseState(1, object(name, 1, section, "initial")));
    }

    @Override
    public int actionDims() {
      return 2;
    }

    EnergyFrame parseState(int line, JsonObject s) {
      EnergyFrame f = new EnergyFrame(agents, objects);
      JsonObject a = object(name, line, s, "agents");
      copy(ints(name, line, array(name, line, a, "x"), agents, "x"), f.x);
      copy(ints(name, line, array(name, line, a, "y"), agents, "y"), f.y);
      copy(ints(name, line, array(name, line, a, "orientation"), agents, "orientation"), f.orientation);
      copy(ints(name, line, array(name, line, a, "energy"), agents, "energy"), f.energy);
      copy(ints(name, line, array(name, line, a, "frozen"), agents, "frozen"), f.frozen);
      copy(ints(name, line, array(name, line, a, "shield"), agents, "shield"), f.shield);
      JsonArray inv = array(name, line, a, "inventory");
      if (inv.size() != agents) {
        throw new ReplayException(name, line, "inventory has " + inv.size() + " entries; expected " + agents);
      }
      for (int i = 0; i < agents; i++) {
        int[] gy = ints(name, line, inv.get(i).isJsonArray() ? inv.get(i).getAsJsonArray() : new JsonArray(), 2,
            "inventory[" + i + "]");
        f.green[i] = gy[0];
        f.yellow[i] = gy[1];
      }
      JsonObject o = object(name, line, s, "objects");
      copy(ints(name, line, array(name, line, o, "ready_at"), objects, "ready_at"), f.readyAt);
      copy(ints(name, line, array(name, line, o, "stock"), objects, "stock"), f.stock);
      return f;
    }

    @Override
    public void state(int line, JsonObject state) {
      frames.set(frames.size() - 1, parseState(line, state));
    }

    @Override
    public void step(int line, JsonObject o) {
      EnergyFrame f = frames.get(frames.size() - 1).copy();
      copy(ints(name, line, array(name, line, o, "energy"), agents, "energy"), f.energy);
      if (o.has("agents")) {
        for (JsonElement e : array(name, line, o, "agents")) {
          int[] v = ints(name, line, e.isJsonArray() ? e.getAsJsonArray() : new JsonArray(), 8, "agents[...]");
          int a = v[0];
          if (a < 0 || a >= agents) {
            throw new ReplayException(name, line, "agents lists agent " + a + "; expected 0.." + (agents - 1));
          }
          f.x[a] = v[1];
          f.y[a] = v[2];
          f.orientation[a] = v[3];
          f.green[a] = v[4];
          f.yellow[a] = v[5];
          f.frozen[a] = v[6];
          f.shield[a] = v[7];
        }
      }
      if (o.has("objects")) {
        for (JsonElement e : array(name, line, o, "objects")) {
          int[] v = ints(name, line, e.isJsonArray() ? e.getAsJsonArray() : new JsonArray(), 3, "objects[...]");
          int k = v[0];
          if (k < 0 || k >= objects) {
            throw new ReplayException(name, line, "objects lists object " + k + "; expected 0.." + (objects - 1));
          }
          f.readyAt[k] = v[1];
          f.stock[k] = v[2];
        }
      }
      frames.add(f);
    }
  }

  private static final class SpinBuilder implements Builder {
    final String name;
    final int n;
    final int agents;
    final List<SpinFrame> frames = new ArrayList<>();

    SpinBuilder(String name, JsonObject section, int agents) {
      this.name = name;
      this.n = integer(name, 1, section, "n");
      this.agents = agents;
      frames.add(parseState(1, object(name, 1, section, "initial"), false));
    }

    @Override
    public int actionDims() {
      return 1;
    }

    SpinFrame parseState(int line, JsonObject s, boolean withAgents) {
      SpinFrame f = new SpinFrame(n, agents);
      unpack(line, string(name, line, s, "spins"), f.spins);
      f.magnetisation = number(name, line, s, "magnetisation");
      f.energy = number(name, line, s, "energy");
      if (withAgents && agents > 0) {
        copy(floats(name, line, array(name, line, s, "phi"), agents, "phi"), f.phi);
        copy(floats(name, line, array(name, line, s, "surprise"), agents, "surprise"), f.surprise);
      }
      return f;
    }

    void unpack(int line, String base64, byte[] spins) {
      byte[] bits;
      try {
        bits = Base64.getDecoder().decode(base64);
      } catch (IllegalArgumentException e) {
        throw new ReplayException(name, line, "spins is not base64 (" + e.getMessage() + ")");
      }
      if (bits.length != (n + 7) / 8) {
        throw new ReplayException(name, line, "spins holds " + bits.length + " bytes; expected " + (n + 7) / 8
            + " for " + n + " spins");
      }
      for (int i = 0; i < n; i++) {
        spins[i] = (byte) ((bits[i >> 3] >> (i & 7) & 1) != 0 ? 1 : -1);
      }
    }

    @Override
    public void state(int line, JsonObject state) {
      frames.set(frames.size() - 1, parseState(line, state, false));
    }

    @Override
    public void step(int line, JsonObject o) {
      frames.add(parseState(line, o, true));
    }
  }

  // ---------------------------------------------------------------- helpers

  /** Start and end (exclusive, without the newline) of each line. */
  private static List<int[]> splitLines(byte[] text) {
    List<int[]> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < text.length; i++) {
      if (text[i] == '\n') {
        out.add(new int[] {start, i});
        start = i + 1;
      }
    }
    if (start < text.length) {
      out.add(new int[] {start, text.length});
    }
    return out;
  }

  private static String sha256(byte[] text, int length) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(text, 0, length);
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonObject parse(String name, byte[] text, int[] span, int line) {
    String s = new String(text, span[0], span[1] - span[0], StandardCharsets.UTF_8);
    try {
      JsonElement e = JsonParser.parseString(s);
      if (!e.isJsonObject()) {
        throw new ReplayException(name, line, "expected a JSON object; got " + excerpt(s));
      }
      return e.getAsJsonObject();
    } catch (JsonParseException e) {
      throw new ReplayException(name, line, "not JSON: " + excerpt(s));
    }
  }

  static String excerpt(String s) {
    return s.length() <= EXCERPT ? s : s.substring(0, EXCERPT) + "...";
  }

  private static JsonObject object(String name, int line, JsonObject o, String key) {
    JsonElement e = o.get(key);
    if (e == null || !e.isJsonObject()) {
      throw new ReplayException(name, line, (e == null ? "missing " : "not an object: ") + key);
    }
    return e.getAsJsonObject();
  }

  private static JsonArray array(String name, int line, JsonObject o, String key) {
    JsonElement e = o.get(key);
    if (e == null || !e.isJsonArray()) {
      throw new ReplayException(name, line, (e == null ? "missing " : "not an array: ") + key);
    }
    return e.getAsJsonArray();
  }

  private static String string(String name, int line, JsonObject o, String key) {
    JsonElement e = o.get(key);
    if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
      throw new ReplayException(name, line, (e == null ? "missing " : "not a string: ") + key);
    }
    return e.getAsString();
  }

  private static int integer(String name, int line, JsonObject o, String key) {
    JsonElement e = o.get(key);
    if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
      throw new ReplayException(name, line, (e == null ? "missing " : "not a number: ") + key);
    }
    try {
      return e.getAsJsonPrimitive().getAsBigDecimal().intValueExact();
    } catch (ArithmeticException ex) {
      throw new ReplayException(name, line, key + " is not an integer: " + excerpt(e.toString()));
    }
  }

  private static double number(String name, int line, JsonObject o, String key) {
    JsonElement e = o.get(key);
    if (e == null || !(e.isJsonNull() || e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber())) {
      throw new ReplayException(name, line, (e == null ? "missing " : "not a number: ") + key);
    }
    return e.isJsonNull() ? Double.NaN : e.getAsDouble();
  }

  private static int[] ints(String name, int line, JsonArray a, int length, String what) {
    if (a.size() != length) {
      throw new ReplayException(name, line, what + " has " + a.size() + " entries; expected " + length);
    }
    int[] out = new int[length];
    for (int i = 0; i < length; i++) {
      JsonElement e = a.get(i);
      if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
        throw new ReplayException(name, line, what + "[" + i + "] is not a number: " + excerpt(e.toString()));
      }
      try {
        out[i] = e.getAsJsonPrimitive().getAsBigDecimal().intValueExact();
      } catch (ArithmeticException ex) {
        throw new ReplayException(name, line, what + "[" + i + "] is not an integer: " + excerpt(e.toString()));
      }
    }
    return out;
  }

  private static float[] floats(String name, int line, JsonArray a, int length, String what) {
    if (a.size() != length) {
      throw new ReplayException(name, line, what + " has " + a.size() + " entries; expected " + length);
    }
    float[] out = new float[length];
    for (int i = 0; i < length; i++) {
      JsonElement e = a.get(i);
      if (e.isJsonNull()) {
        out[i] = Float.NaN;
      } else if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
        out[i] = Float.parseFloat(e.getAsString());
      } else {
        throw new ReplayException(name, line, what + "[" + i + "] is not a number: " + excerpt(e.toString()));
      }
    }
    return out;
  }

  private static void copy(int[] from, int[] to) {
    System.arraycopy(from, 0, to, 0, to.length);
  }

  private static void copy(float[] from, float[] to) {
    System.arraycopy(from, 0, to, 0, to.length);
  }
}
