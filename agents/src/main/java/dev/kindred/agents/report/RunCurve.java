package dev.kindred.agents.report;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * One training run as {@code kindred curves} reads it: the columns of its {@code curve.csv}
 * (an empty cell is NaN) and, when it has one, its {@code checkpoint.json}'s seed and
 * configuration, to label it and to tell which runs differ only by their seed.
 *
 * @param config the checkpoint's configuration (seed included), or null without a checkpoint
 * @param seed   the checkpoint's seed, or null without a checkpoint
 * @param note   why the configuration is unknown (no checkpoint.json yet, an unreadable one), or null
 */
public record RunCurve(Path dir, Map<String, double[]> columns, Map<String, JsonElement> config, Long seed,
    String note) {
  public static final String CSV = "curve.csv";
  public static final String CHECKPOINT = "checkpoint.json";

  /** Reads {@code dir}: bad input (with what to do) for a missing directory or curve.csv, or a bad cell. */
  public static RunCurve read(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("--run " + dir + ": no such directory (a run directory written by "
          + "./kindred train --out DIR)");
    }
    Path csv = dir.resolve(CSV);
    if (!Files.isRegularFile(csv)) {
      throw new IllegalArgumentException("--run " + dir + ": no " + CSV + " in it (./kindred train --out " + dir
          + " writes one from its first iteration)");
    }
    Map<String, double[]> columns = parse(csv, Files.readAllLines(csv));
    Map<String, JsonElement> config = null;
    Long seed = null;
    String note = null;
    Path meta = dir.resolve(CHECKPOINT);
    if (!Files.isRegularFile(meta)) {
      note = "no " + CHECKPOINT + " yet: its seed and configuration are unknown";
    } else {
      try {
        JsonObject json = JsonParser.parseString(Files.readString(meta)).getAsJsonObject();
        config = new LinkedHashMap<>();
        if (json.has("config") && json.get("config").isJsonObject()) {
          for (Map.Entry<String, JsonElement> e : json.getAsJsonObject("config").entrySet()) {
            config.put(e.getKey(), e.getValue());
          }
        }
        if (json.has("seed")) {
          seed = json.get("seed").getAsLong();
        } else if (config.containsKey("seed")) {
          seed = config.get("seed").getAsLong();
        }
      } catch (JsonParseException | IllegalStateException | UnsupportedOperationException | NumberFormatException e) {
        config = null;
        seed = null;
        note = "its " + CHECKPOINT + " is unreadable (" + e.getMessage() + "): its seed and configuration are unknown";
      }
    }
    return new RunCurve(dir, columns, config, seed, note);
  }

  /** The columns of a learning-curve CSV by header name; an empty or missing cell is NaN. */
  static Map<String, double[]> parse(Path csv, List<String> lines) {
    Map<String, double[]> columns = new LinkedHashMap<>();
    if (lines.isEmpty() || lines.get(0).isBlank()) {
      throw new IllegalArgumentException(csv + ": empty, not even a header (expected the columns of kindred train's "
          + "curve.csv: steps,seconds,...)");
    }
    String[] header = lines.get(0).split(",", -1);
    List<String> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      if (!line.isBlank()) {
        rows.add(line);
      }
    }
    for (String name : header) {
      String n = name.strip();
      if (n.isEmpty() || columns.containsKey(n)) {
        throw new IllegalArgumentException(csv + ": line 1: " + (n.isEmpty() ? "an empty column name" : "column '" + n
            + "' twice") + " in the header");
      }
      columns.put(n, new double[rows.size()]);
    }
    List<double[]> cols = new ArrayList<>(columns.values());
    List<String> names = new ArrayList<>(columns.keySet());
    int lineNo = 1;
    int i = 0;
    for (String line : lines.subList(1, lines.size())) {
      lineNo++;
      if (line.isBlank()) {
        continue;
      }
      String[] cells = line.split(",", -1);
      if (cells.length > header.length) {
        throw new IllegalArgumentException(csv + ": line " + lineNo + ": " + cells.length + " cells, but the header "
            + "has " + header.length + " columns");
      }
      for (int c = 0; c < header.length; c++) {
        String cell = c < cells.length ? cells[c].strip() : "";
        double v = Double.NaN;
        if (!cell.isEmpty()) {
          try {
            v = Double.parseDouble(cell);
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException(csv + ": line " + lineNo + ", column " + names.get(c) + ": '" + cell
                + "' is not a number");
          }
        }
        cols.get(c)[i] = v;
      }
      i++;
    }
    return columns;
  }

  /** The column's values, or null when the CSV has no such column. */
  public double[] column(String name) {
    return columns.get(name);
  }

  /** Whether the column exists and holds at least one finite value. */
  public boolean hasValues(String name) {
    double[] v = columns.get(name);
    if (v == null) {
      return false;
    }
    for (double d : v) {
      if (Double.isFinite(d)) {
        return true;
      }
    }
    return false;
  }

  /** Rows of the CSV. */
  public int rows() {
    return columns.isEmpty() ? 0 : columns.values().iterator().next().length;
  }

  /**
   * The x of each row: {@code steps}, or wall {@code seconds} made cumulative across resumes
   * (a resumed run's clock restarts from 0: each restart continues from the last time before it).
   * Null when the CSV has no such column.
   */
  public double[] x(String axis) {
    double[] raw = columns.get(axis);
    if (raw == null || !"seconds".equals(axis)) {
      return raw;
    }
    double[] x = new double[raw.length];
    double offset = 0;
    double last = Double.NaN;
    for (int i = 0; i < raw.length; i++) {
      if (Double.isFinite(raw[i]) && Double.isFinite(last) && raw[i] < last) {
        offset += last;
      }
      x[i] = Double.isFinite(raw[i]) ? raw[i] + offset : Double.NaN;
      if (Double.isFinite(raw[i])) {
        last = raw[i];
      }
    }
    return x;
  }

  /** The configured world, or null when unknown. */
  public String world() {
    JsonElement w = config == null ? null : config.get("world");
    return w != null && w.isJsonPrimitive() ? w.getAsString() : null;
  }

  /**
   * The configuration keys, seed included, whose values differ between the runs that have a
   * checkpoint (sorted; empty when they agree or fewer than two have one).
   */
  public static TreeSet<String> differences(Collection<RunCurve> runs) {
    List<Map<String, JsonElement>> configs = runs.stream().map(RunCurve::config).filter(Objects::nonNull).toList();
    TreeSet<String> keys = new TreeSet<>();
    configs.forEach(c -> keys.addAll(c.keySet()));
    TreeSet<String> differ = new TreeSet<>();
    for (String k : keys) {
      JsonElement first = configs.get(0).get(k);
      for (Map<String, JsonElement> c : configs) {
        if (!Objects.equals(first, c.get(k))) {
          differ.add(k);
          break;
        }
      }
    }
    return differ;
  }
}
