package dev.kindred.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The one look of Kindred's PNG plots, over XChart: white panels with a light grid, readable
 * fonts, the colour-blind-friendly Tableau palette, and the few kinds of series the plots use
 * (a line, measured points with error bars, a reference line, a shaded band). Panels are written side by side
 * into one PNG, atomically, so that a plot rewritten during training is never seen half written.
 */
public final class Charts {
  static {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true"); // servers and CI have no display
    }
  }

  private Charts() {}

  /** Tableau 10's first colours: series without their own colour take them in order. */
  public static final Color BLUE = new Color(0x1f77b4);
  public static final Color RED = new Color(0xd62728);
  public static final Color GREEN = new Color(0x2ca02c);
  public static final Color ORANGE = new Color(0xff7f0e);
  private static final Color GRID = new Color(0xe8e8e8);
  private static final Color REFERENCE = new Color(0x888888);
  private static final Color TEXT = new Color(0x222222);
  /** Opacity of a band's fill (of 255): the lines behind it stay visible. */
  static final int BAND_ALPHA = 64;
  private static final BasicStroke DASHED = new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
      new float[] {6f, 4f}, 0f);

  /** An empty panel with the common style; the legend goes where it hides no data. */
  public static XYChart panel(int width, int height, String title, String xLabel, String yLabel,
      LegendPosition legend) {
    XYChart chart = new XYChartBuilder().width(width).height(height).title(title).xAxisTitle(xLabel)
        .yAxisTitle(yLabel).build();
    XYStyler s = chart.getStyler();
    s.setChartBackgroundColor(Color.WHITE);
    s.setPlotBackgroundColor(Color.WHITE);
    s.setPlotBorderVisible(true);
    s.setPlotBorderColor(TEXT);
    s.setPlotGridLinesColor(GRID);
    s.setPlotGridLinesStroke(new BasicStroke(1f));
    s.setAxisTicksLineVisible(false); // the plot border is the axis line
    s.setChartFontColor(TEXT);
    s.setChartTitleBoxVisible(false);
    s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    s.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
    s.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    s.setLegendPosition(legend);
    s.setLegendBorderColor(GRID);
    s.setSeriesColors(new Color[] {BLUE, RED, GREEN, ORANGE});
    s.setMarkerSize(8);
    // XChart's own labels drop the leading zero (".0025"); up to six decimals keep small
    // rewards readable without float noise (0.30000000000000004).
    s.setYAxisDecimalPattern("0.######");
    s.setErrorBarsColorSeriesColor(true);
    s.setAntiAlias(true);
    s.setTextAntiAlias(true);
    return chart;
  }

  /**
   * A solid line through {@code (x, y)}. With {@code markers}, each point also gets a dot: a
   * point whose neighbours have no value is then still seen.
   */
  public static XYSeries line(XYChart chart, String name, Points p, Color color, boolean markers) {
    XYSeries s = chart.addSeries(name, p.x(), p.y());
    s.setXYSeriesRenderStyle(XYSeriesRenderStyle.Line);
    s.setLineColor(color);
    s.setLineWidth(2f);
    s.setMarker(markers ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
    s.setMarkerColor(color);
    return s;
  }

  /** A dashed line (a reference curve). */
  public static XYSeries dashedLine(XYChart chart, String name, Points p, Color color) {
    XYSeries s = line(chart, name, p, color, false);
    s.setLineStyle(DASHED);
    return s;
  }

  /** Measured points with vertical error bars (±{@code p.err()}), not joined. */
  public static XYSeries points(XYChart chart, String name, Points p, Color color) {
    XYSeries s = chart.addSeries(name, p.x(), p.y(), p.err());
    s.setXYSeriesRenderStyle(XYSeriesRenderStyle.Scatter);
    s.setMarker(SeriesMarkers.CIRCLE);
    s.setMarkerColor(color);
    s.setLineStyle(SeriesLines.NONE);
    return s;
  }

  /**
   * A shaded band from {@code lower} to {@code upper} at each {@code x} (ascending), e.g. a
   * confidence interval around a curve, filled with {@code color} made translucent so that the
   * lines behind it stay visible. The band breaks where a bound is not finite: each stretch of
   * finite bounds is one polygon, and a stretch of a single point becomes a box of half-width
   * {@code isolatedHalfWidth} around it, so that it is still seen. The first stretch carries
   * {@code name} in the legend; the others (named {@code name#2}, ...) are left out of it.
   *
   * @return the polygons added, none when no bound is finite
   */
  public static List<XYSeries> band(XYChart chart, String name, double[] x, double[] lower, double[] upper,
      Color color, double isolatedHalfWidth) {
    if (x.length != lower.length || x.length != upper.length) {
      throw new IllegalArgumentException("x, lower and upper differ in length: " + x.length + ", " + lower.length
          + ", " + upper.length);
    }
    Color fill = new Color(color.getRed(), color.getGreen(), color.getBlue(), BAND_ALPHA);
    List<XYSeries> added = new ArrayList<>();
    int i = 0;
    while (i < x.length) {
      if (!finiteBounds(x, lower, upper, i)) {
        i++;
        continue;
      }
      int end = i;
      while (end + 1 < x.length && finiteBounds(x, lower, upper, end + 1)) {
        end++;
      }
      double[] px;
      double[] py;
      if (end == i) {
        px = new double[] {x[i] - isolatedHalfWidth, x[i] + isolatedHalfWidth, x[i] + isolatedHalfWidth,
            x[i] - isolatedHalfWidth};
        py = new double[] {upper[i], upper[i], lower[i], lower[i]};
      } else {
        // Along the upper bound, then back along the lower one.
        int n = end - i + 1;
        px = new double[2 * n];
        py = new double[2 * n];
        for (int k = 0; k < n; k++) {
          px[k] = x[i + k];
          py[k] = upper[i + k];
          px[2 * n - 1 - k] = x[i + k];
          py[2 * n - 1 - k] = lower[i + k];
        }
      }
      XYSeries s = chart.addSeries(added.isEmpty() ? name : name + "#" + (added.size() + 1), px, py);
      s.setXYSeriesRenderStyle(XYSeriesRenderStyle.PolygonArea);
      s.setFillColor(fill);
      s.setLineColor(fill);
      s.setLineStyle(SeriesLines.NONE);
      s.setMarker(SeriesMarkers.NONE);
      s.setShowInLegend(added.isEmpty());
      added.add(s);
      i = end + 1;
    }
    return added;
  }

  private static boolean finiteBounds(double[] x, double[] lower, double[] upper, int i) {
    return Double.isFinite(x[i]) && Double.isFinite(lower[i]) && Double.isFinite(upper[i]);
  }

  /**
   * A dashed grey vertical line at {@code x}, labelled just right of it near the top. Needs the
   * axis ranges ({@link #range}): the label is placed in data coordinates.
   */
  public static void verticalLine(XYChart chart, double x, String label) {
    XYStyler s = chart.getStyler();
    s.setAnnotationLineColor(REFERENCE);
    s.setAnnotationLineStroke(DASHED);
    s.setAnnotationTextFontColor(REFERENCE);
    s.setAnnotationTextFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    double width = s.getXAxisMax() - s.getXAxisMin();
    double height = s.getYAxisMax() - s.getYAxisMin();
    chart.addAnnotation(new AnnotationLine(x, true, false));
    // XChart centres the text on its point: shift it by about half its width.
    double labelX = x + width * (0.012 + 0.0045 * label.length());
    chart.addAnnotation(new AnnotationText(label, labelX, s.getYAxisMax() - 0.04 * height, false));
  }

  /** Fixed axis ranges (XChart would otherwise fit them to the data), filling the plot area. */
  public static void range(XYChart chart, double xMin, double xMax, double yMin, double yMax) {
    XYStyler s = chart.getStyler();
    s.setXAxisMin(xMin);
    s.setXAxisMax(xMax);
    s.setYAxisMin(yMin);
    s.setYAxisMax(yMax);
    s.setPlotContentSize(1.0);
  }

  /**
   * Tick labels on the x axis with {@code decimals} digits after the point (XChart's own labels
   * drop them on round values: "1" beside "0.9").
   */
  public static void xTickDecimals(XYChart chart, int decimals) {
    chart.getStyler().setXAxisDecimalPattern(decimalPattern(decimals));
  }

  /** Tick labels on the y axis with {@code decimals} digits after the point. */
  public static void yTickDecimals(XYChart chart, int decimals) {
    chart.getStyler().setYAxisDecimalPattern(decimalPattern(decimals));
  }

  private static String decimalPattern(int decimals) {
    return decimals == 0 ? "0" : "0." + "0".repeat(decimals);
  }

  /**
   * Writes the panels side by side, left to right, into one PNG (parent directories created):
   * to a temporary file, then renamed over {@code png}.
   */
  public static void writePng(Path png, List<XYChart> panels) throws IOException {
    if (panels.isEmpty()) {
      throw new IllegalArgumentException("no panels to draw into " + png);
    }
    writeAtomically(png, out -> BitmapEncoder.saveBitmap(panels, 1, panels.size(), out, BitmapFormat.PNG));
  }

  /** What {@link #writeAtomically} writes into the file. */
  @FunctionalInterface
  public interface FileBody {
    void writeTo(OutputStream out) throws IOException;
  }

  /**
   * Writes a picture (or any file readers should never see half-written): parent directories
   * created, written to a temporary file next to it, then renamed over {@code file}; readable by
   * everyone who may read the directory (a temporary file alone would be private).
   */
  public static void writeAtomically(Path file, FileBody body) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
    try {
      if (Files.getFileAttributeView(tmp, java.nio.file.attribute.PosixFileAttributeView.class) != null) {
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
      }
      try (OutputStream out = Files.newOutputStream(tmp)) {
        body.writeTo(out);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Points to plot, with optional errors. {@link #finite} keeps only the points that have a
   * value: a series handed to a chart never holds NaN, so no point is lost between gaps.
   */
  public record Points(double[] x, double[] y, double[] err) {
    public Points {
      checkLengths(x, y, err);
    }

    /** The points whose x and y are finite, in order; a non-finite error draws no bar. */
    public static Points finite(double[] x, double[] y, double[] err) {
      checkLengths(x, y, err);
      int n = 0;
      for (int i = 0; i < x.length; i++) {
        n += Double.isFinite(x[i]) && Double.isFinite(y[i]) ? 1 : 0;
      }
      double[] fx = new double[n];
      double[] fy = new double[n];
      double[] fe = err == null ? null : new double[n];
      int k = 0;
      for (int i = 0; i < x.length; i++) {
        if (Double.isFinite(x[i]) && Double.isFinite(y[i])) {
          fx[k] = x[i];
          fy[k] = y[i];
          if (fe != null) {
            fe[k] = Double.isFinite(err[i]) ? err[i] : 0;
          }
          k++;
        }
      }
      return new Points(fx, fy, fe);
    }

    public static Points finite(double[] x, double[] y) {
      return finite(x, y, null);
    }

    public int size() {
      return x.length;
    }

    private static void checkLengths(double[] x, double[] y, double[] err) {
      if (x.length != y.length || (err != null && err.length != x.length)) {
        throw new IllegalArgumentException("x, y and err differ in length: " + x.length + ", " + y.length
            + (err == null ? "" : ", " + err.length));
      }
    }
  }
}
