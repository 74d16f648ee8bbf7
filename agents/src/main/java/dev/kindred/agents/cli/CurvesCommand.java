package dev.kindred.agents.cli;

import dev.kindred.agents.report.CurveBands;
import dev.kindred.agents.report.RunCurve;
import dev.kindred.agents.report.SeedCurvesPlot;
import dev.kindred.agents.report.SeedCurvesPlot.Reference;
import dev.kindred.bench.JsonLines;
import dev.kindred.cli.support.Cli;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.knowm.xchart.XYChart;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kindred curves}: the learning curves of several runs of {@code kindred train} (seeds)
 * in one PNG, one panel per column, with the mean over runs and its 95% Student-t interval on a
 * common x grid ({@link CurveBands}), each run faint behind, and reference lines; a table of the
 * bins (or {@code --json} rows). Says which runs differ only by their seed.
 */
@Command(name = "curves",
    description = {
        "Learning curves of several training runs (e.g. seeds) in one PNG, with the mean over runs and its 95%% "
            + "confidence band.",
        "",
        "Reads each run directory's curve.csv (and checkpoint.json, for its seed and configuration: the runs that "
            + "differ only by their seed are named). Each column gets a panel: the runs' values binned on a common x "
            + "grid (--x steps or wall seconds, --bins points); in each bin each run counts once (its mean there), "
            + "and over the n runs with a value the panel draws their mean and the Student-t 95%% interval "
            + "(t with n-1 degrees of freedom; none below 2 runs). Episode columns have gaps (iterations in which no "
            + "episode ended): only existing values are binned, and the mean joins the bins that have one. Each "
            + "run's own binned curve is drawn thin behind; --reference lines are dashed and named in the legend. "
            + "Prints the bins at a few points of the grid (all of them with --json, one JSON object per line)."})
final class CurvesCommand implements Callable<Integer> {
  /** Default bins: one per iteration up to this many. */
  static final int MAX_DEFAULT_BINS = 50;
  /** Rows of the table per column when there are more bins (the first, the last, evenly between). */
  static final int TABLE_ROWS = 10;

  enum Axis {
    steps("environment steps", 0), seconds("wall-clock seconds (cumulative across resumes)", 2);

    final String label;
    /** Decimals of the x values shown (ticks, the table): steps are whole. */
    final int decimals;

    Axis(String label, int decimals) {
      this.label = label;
      this.decimals = decimals;
    }
  }

  @Option(names = "--run", paramLabel = "DIR",
      description = "a run directory written by kindred train (holds curve.csv); repeat for each run (at least one)")
  List<Path> runs = new ArrayList<>();

  @Option(names = "--out", paramLabel = "FILE.png", required = true, description = "the PNG to write (required)")
  Path out;

  @Option(names = "--column", paramLabel = "NAME", split = ",",
      description = "curve.csv columns to draw, one panel each, repeatable or comma-separated (default: "
          + "hearts_per_episode when it has values, else mean_return; and reward_per_step)")
  List<String> columns = new ArrayList<>();

  @Option(names = "--reference", paramLabel = "[COLUMN:]NAME=VALUE",
      description = "a horizontal reference line, e.g. \"scripted forager=7.19\", repeatable; on the first panel, "
          + "or on COLUMN's (hearts_per_episode:random=0.4)")
  List<String> references = new ArrayList<>();

  @Option(names = "--x", paramLabel = "AXIS",
      description = "the x axis: steps (environment steps) or seconds (wall clock); default ${DEFAULT-VALUE}")
  Axis axis = Axis.steps;

  @Option(names = "--bins", paramLabel = "N",
      description = "points of the common x grid (default: the most iterations of a run, at most "
          + MAX_DEFAULT_BINS + ")")
  Integer bins;

  @Option(names = "--json", description = "one JSON object per line (runs, then every bin of every column) instead "
      + "of the tables")
  boolean json;

  @Override
  public Integer call() throws IOException {
    if (runs.isEmpty()) {
      throw new IllegalArgumentException("give at least one run: --run DIR (repeat it, e.g. --run runs/seed1 --run "
          + "runs/seed2 --run runs/seed3)");
    }
    if (bins != null) {
      Cli.positive("--bins", bins);
    }
    if (!out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
      throw new IllegalArgumentException("--out " + out + ": the figure is a PNG; name a .png file");
    }
    Set<Path> seen = new LinkedHashSet<>();
    for (Path r : runs) {
      if (!seen.add(r.toAbsolutePath().normalize())) {
        throw new IllegalArgumentException("--run " + r + " is given twice (each run must count once)");
      }
    }
    List<RunCurve> curves = new ArrayList<>();
    for (Path r : runs) {
      RunCurve c = RunCurve.read(r);
      if (c.column(axis.name()) == null) {
        throw new IllegalArgumentException("--run " + r + ": its " + RunCurve.CSV + " has no " + axis.name()
            + " column (not written by kindred train?)");
      }
      curves.add(c);
    }
    List<String> cols = columns(curves);
    Map<String, List<Reference>> refs = references(cols);
    List<String> labels = labels(curves);

    // The common grid: every row's x of every run.
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    int longest = 0;
    List<double[]> xs = new ArrayList<>();
    for (RunCurve c : curves) {
      double[] x = c.x(axis.name());
      int rows = 0;
      for (double v : x) {
        if (Double.isFinite(v)) {
          min = Math.min(min, v);
          max = Math.max(max, v);
          rows++;
        }
      }
      longest = Math.max(longest, rows);
      xs.add(x);
    }
    if (longest == 0) {
      throw new IllegalArgumentException("nothing to draw: the runs' " + RunCurve.CSV + " have no rows yet (kindred "
          + "train appends one per iteration)");
    }
    CurveBands.Grid grid = CurveBands.Grid.between(min, max, bins != null ? bins : Math.min(MAX_DEFAULT_BINS, longest));

    String world = commonWorld(curves);
    List<XYChart> panels = new ArrayList<>();
    Map<String, CurveBands.Band> bands = new LinkedHashMap<>();
    for (String col : cols) {
      List<double[]> ys = new ArrayList<>();
      for (RunCurve c : curves) {
        double[] y = c.column(col);
        ys.add(y != null ? y : nan(c.rows()));
      }
      CurveBands.Band band = CurveBands.bin(grid, xs, ys);
      if (!band.hasValues()) {
        System.err.println("curves: " + col + " has no value in any run yet; no panel for it");
        continue;
      }
      bands.put(col, band);
      String[] t = SeedCurvesPlot.titleAndYLabel(col);
      String title = (world != null ? world + ": " : "") + t[0];
      panels.add(SeedCurvesPlot.panel(title, axis.label, axis.decimals, t[1], band, labels,
          refs.getOrDefault(col, List.of())));
    }
    if (panels.isEmpty()) {
      throw new IllegalArgumentException("nothing to draw: none of " + cols + " has a value in any run yet");
    }
    for (String col : refs.keySet()) {
      if (!bands.containsKey(col)) {
        System.err.println("curves: the references for " + col + " are not drawn (no panel for it)");
      }
    }
    SeedCurvesPlot.write(out, panels);

    if (json) {
      printJson(curves, labels, bands, grid);
    } else {
      printTables(curves, labels, bands, grid);
    }
    return 0;
  }

  /** The requested columns, checked against the runs' headers, or the defaults. */
  private List<String> columns(List<RunCurve> curves) {
    Set<String> known = new TreeSet<>();
    for (RunCurve c : curves) {
      known.addAll(c.columns().keySet());
    }
    known.remove("steps");
    known.remove("seconds");
    if (columns.isEmpty()) {
      boolean hearts = curves.stream().anyMatch(c -> c.hasValues("hearts_per_episode"));
      List<String> d = new ArrayList<>();
      d.add(hearts ? "hearts_per_episode" : "mean_return");
      d.add("reward_per_step");
      return d.stream().filter(known::contains).toList();
    }
    List<String> cols = new ArrayList<>();
    for (String raw : columns) {
      String c = raw.strip();
      if (!known.contains(c)) {
        throw new IllegalArgumentException("--column " + raw + ": no such column in the runs' " + RunCurve.CSV
            + "; known: " + String.join(", ", known));
      }
      if (!cols.contains(c)) {
        cols.add(c);
      }
    }
    return cols;
  }

  /** {@code --reference [COLUMN:]NAME=VALUE}s by the column whose panel draws them. */
  private Map<String, List<Reference>> references(List<String> cols) {
    Map<String, List<Reference>> byColumn = new LinkedHashMap<>();
    for (String spec : references) {
      int eq = spec.lastIndexOf('=');
      String hint = " (expected [COLUMN:]NAME=VALUE, e.g. \"scripted forager=7.19\")";
      if (eq < 0) {
        throw new IllegalArgumentException("--reference " + spec + ": no '='" + hint);
      }
      String name = spec.substring(0, eq).strip();
      String value = spec.substring(eq + 1).strip();
      String column = cols.isEmpty() ? null : cols.get(0);
      int colon = name.indexOf(':');
      if (colon > 0) {
        String prefix = name.substring(0, colon).strip();
        if (cols.contains(prefix)) {
          column = prefix;
          name = name.substring(colon + 1).strip();
        }
      }
      if (name.isEmpty()) {
        throw new IllegalArgumentException("--reference " + spec + ": no name before '='" + hint);
      }
      double v;
      try {
        v = Double.parseDouble(value);
      } catch (NumberFormatException e) {
        v = Double.NaN;
      }
      if (!Double.isFinite(v)) {
        throw new IllegalArgumentException("--reference " + spec + ": '" + value + "' is not a finite number" + hint);
      }
      if (column != null) {
        byColumn.computeIfAbsent(column, k -> new ArrayList<>()).add(new Reference(name, v));
      }
    }
    return byColumn;
  }

  /**
   * Each run's name in the legend and the tables: "seed S" when the runs differ only by their
   * seed; otherwise the directory's name, with its seed when known.
   */
  static List<String> labels(List<RunCurve> curves) {
    TreeSet<String> differ = RunCurve.differences(curves);
    boolean allKnown = curves.stream().allMatch(c -> c.seed() != null);
    Set<Long> seeds = new LinkedHashSet<>();
    curves.forEach(c -> seeds.add(c.seed()));
    boolean onlySeed = allKnown && seeds.size() == curves.size() && differ.stream().allMatch("seed"::equals);
    List<String> names = new ArrayList<>();
    Set<String> dirNames = new LinkedHashSet<>();
    for (RunCurve c : curves) {
      Path f = c.dir().toAbsolutePath().normalize().getFileName();
      dirNames.add(f == null ? c.dir().toString() : f.toString());
    }
    boolean uniqueNames = dirNames.size() == curves.size();
    for (RunCurve c : curves) {
      if (onlySeed) {
        names.add("seed " + c.seed());
        continue;
      }
      Path f = c.dir().toAbsolutePath().normalize().getFileName();
      String name = uniqueNames && f != null ? f.toString() : c.dir().toString();
      names.add(c.seed() != null ? name + " (seed " + c.seed() + ")" : name);
    }
    return names;
  }

  /** The world every run was trained on, or null when unknown or mixed. */
  private static String commonWorld(List<RunCurve> curves) {
    Set<String> worlds = new LinkedHashSet<>();
    curves.forEach(c -> worlds.add(c.world()));
    return worlds.size() == 1 ? worlds.iterator().next() : null;
  }

  /** What the runs are: one line each, and whether they differ only by their seed. */
  private static List<String> describe(List<RunCurve> curves, List<String> labels) {
    List<String> lines = new ArrayList<>();
    TreeSet<String> differ = RunCurve.differences(curves);
    long known = curves.stream().filter(c -> c.config() != null).count();
    Set<Long> seeds = new LinkedHashSet<>();
    curves.stream().filter(c -> c.seed() != null).forEach(c -> seeds.add(c.seed()));
    if (curves.size() == 1) {
      lines.add("one run: no interval (it needs at least 2 runs with a value in a bin)");
    } else if (known < 2) {
      lines.add("the runs' configurations are unknown (no checkpoint.json): whether they differ only by seed is not "
          + "known");
    } else if (differ.isEmpty()) {
      lines.add("warning: the runs with a checkpoint have the same configuration, seed included: the band is not "
          + "over seeds");
    } else if (differ.equals(new TreeSet<>(Set.of("seed")))) {
      lines.add((known == curves.size() ? "the runs differ only by their seed" : "the runs with a checkpoint differ "
          + "only by their seed") + " (" + seeds.stream().map(String::valueOf).reduce((a, b) -> a + ", " + b)
          .orElse("") + ")" + (seeds.size() < known ? "; warning: some share a seed" : ""));
    } else {
      differ.remove("seed");
      lines.add("warning: the runs differ by more than their seed, in: " + String.join(", ", differ)
          + "; the band mixes configurations");
    }
    for (int i = 0; i < curves.size(); i++) {
      RunCurve c = curves.get(i);
      if (c.note() != null) {
        lines.add("note: " + labels.get(i) + " (" + c.dir() + "): " + c.note());
      }
    }
    return lines;
  }

  private void printTables(List<RunCurve> curves, List<String> labels, Map<String, CurveBands.Band> bands,
      CurveBands.Grid grid) {
    System.out.printf(Locale.ROOT, "curves of %d run%s against %s: %d bin%s%s%n", curves.size(),
        curves.size() == 1 ? "" : "s", axis.label, grid.bins(), grid.bins() == 1 ? "" : "s",
        grid.bins() > 1 ? String.format(Locale.ROOT, ", %s apart", fmtX(grid.spacing())) : "");
    for (int i = 0; i < curves.size(); i++) {
      RunCurve c = curves.get(i);
      double[] x = c.x(axis.name());
      double last = Double.NaN;
      for (double v : x) {
        last = Double.isFinite(v) ? v : last;
      }
      System.out.printf(Locale.ROOT, "  %-24s %s: %d rows, last %s %s%s%n", labels.get(i), c.dir(), c.rows(),
          axis.name(), fmt(last), c.world() != null ? ", " + c.world() : "");
    }
    describe(curves, labels).forEach(System.out::println);
    for (Map.Entry<String, CurveBands.Band> e : bands.entrySet()) {
      CurveBands.Band b = e.getValue();
      System.out.println();
      System.out.println(e.getKey() + ": mean over runs, ±95% Student-t interval (n-1 df) over the runs with a "
          + "value in the bin");
      System.out.printf(Locale.ROOT, "  %14s %12s %12s %5s%n", axis.name(), "mean", "±95%", "runs");
      for (int k : tableBins(b)) {
        System.out.printf(Locale.ROOT, "  %14s %12.4f %12s %5d%n", fmtX(b.x()[k]), b.mean()[k],
            Double.isNaN(b.ci95()[k]) ? "-" : String.format(Locale.ROOT, "%.4f", b.ci95()[k]), b.runs()[k]);
      }
    }
    System.out.println();
    System.out.println("plot: " + out + " (" + bands.size() + (bands.size() == 1 ? " panel: " : " panels: ")
        + String.join(", ", bands.keySet()) + ")");
  }

  /** The bins the table shows: all that have a value when few, else the first, the last and evenly between. */
  static int[] tableBins(CurveBands.Band b) {
    int[] present = java.util.stream.IntStream.range(0, b.runs().length).filter(k -> b.runs()[k] > 0).toArray();
    if (present.length <= TABLE_ROWS + 2) {
      return present;
    }
    return java.util.stream.IntStream.range(0, TABLE_ROWS)
        .map(i -> present[(int) Math.round(i * (present.length - 1) / (double) (TABLE_ROWS - 1))]).distinct()
        .toArray();
  }

  private void printJson(List<RunCurve> curves, List<String> labels, Map<String, CurveBands.Band> bands,
      CurveBands.Grid grid) {
    describe(curves, labels).forEach(System.err::println);
    for (int i = 0; i < curves.size(); i++) {
      RunCurve c = curves.get(i);
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("row", "run");
      row.put("run", i + 1);
      row.put("label", labels.get(i));
      row.put("dir", c.dir().toString());
      row.put("seed", c.seed());
      row.put("world", c.world());
      row.put("rows", c.rows());
      System.out.println(JsonLines.write(row));
    }
    for (Map.Entry<String, CurveBands.Band> e : bands.entrySet()) {
      CurveBands.Band b = e.getValue();
      for (int k = 0; k < grid.bins(); k++) {
        if (b.runs()[k] == 0) {
          continue;
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("row", "bin");
        row.put("column", e.getKey());
        row.put("x_axis", axis.name());
        row.put("bin", k);
        row.put("x", b.x()[k]);
        row.put("mean", b.mean()[k]);
        row.put("ci95", b.ci95()[k]);
        row.put("runs", b.runs()[k]);
        List<Double> values = new ArrayList<>();
        for (double[] run : b.perRun()) {
          values.add(Double.isNaN(run[k]) ? null : run[k]);
        }
        row.put("values", values);
        row.put("plot", out.toString());
        System.out.println(JsonLines.write(row));
      }
    }
  }

  private static double[] nan(int n) {
    double[] a = new double[n];
    java.util.Arrays.fill(a, Double.NaN);
    return a;
  }

  /** An x of the grid: steps whole, seconds with {@link Axis#decimals}. */
  private String fmtX(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + axis.decimals + "f", v) : "-";
  }

  /** A value as a person reads it: whole numbers without decimals. */
  private static String fmt(double v) {
    if (!Double.isFinite(v)) {
      return "-";
    }
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.2f", v);
  }
}
