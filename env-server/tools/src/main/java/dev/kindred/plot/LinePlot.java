package dev.kindred.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.Stroke;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A small dependency-free 2-D line and scatter plot rendered to PNG with {@code java.awt}
 * (headless): axes with "nice" ticks and grid, axis labels, title, legend, several series drawn
 * as lines, as points with optional vertical error bars, or both, and reference lines.
 *
 * <pre>{@code
 * new LinePlot(900, 600).title("Magnetisation").xLabel("T").yLabel("<|m|>")
 *     .line("Yang (exact)", ts, exact)
 *     .points("L = 64", tMeasured, m, mErr)
 *     .verticalLine(2.269, "T_c")
 *     .write(Path.of("m.png"));
 * }</pre>
 *
 * Several plots can be laid side by side in one image with {@link #writeGrid}. Values that are
 * NaN or infinite are skipped (a line breaks there). Not thread-safe.
 */
public final class LinePlot {
  static {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  /** A colour-blind-friendly palette (Tableau 10 order); series without a colour take the next. */
  public static final List<Color> PALETTE = List.of(
      new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
      new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
      new Color(0xbcbd22), new Color(0x17becf));

  /** Where the legend goes inside the plot area. */
  public enum LegendPosition { TOP_RIGHT, TOP_LEFT, BOTTOM_RIGHT, BOTTOM_LEFT, NONE }

  private static final Color BACKGROUND = Color.WHITE;
  private static final Color GRID = new Color(0xe8e8e8);
  private static final Color AXIS = new Color(0x333333);
  private static final Color TEXT = new Color(0x222222);
  private static final Color REFERENCE = new Color(0x888888);

  private record Series(String label, double[] x, double[] y, double[] err, Color color,
      boolean line, boolean markers, boolean dashed) {}

  private record Reference(boolean vertical, double at, String label) {}

  private final int width;
  private final int height;
  private final List<Series> series = new ArrayList<>();
  private final List<Reference> references = new ArrayList<>();
  private String title = "";
  private String xLabel = "";
  private String yLabel = "";
  private double xMin = Double.NaN;
  private double xMax = Double.NaN;
  private double yMin = Double.NaN;
  private double yMax = Double.NaN;
  private LegendPosition legend = LegendPosition.TOP_RIGHT;
  private int fontSize;

  /** A plot of {@code width x height} pixels. */
  public LinePlot(int width, int height) {
    if (width < 100 || height < 80) {
      throw new IllegalArgumentException("plot must be at least 100 x 80 pixels, got " + width + " x " + height);
    }
    this.width = width;
    this.height = height;
    this.fontSize = Math.max(11, Math.min(16, Math.min(width, height) / 40));
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  public LinePlot title(String title) {
    this.title = title == null ? "" : title;
    return this;
  }

  public LinePlot xLabel(String label) {
    this.xLabel = label == null ? "" : label;
    return this;
  }

  public LinePlot yLabel(String label) {
    this.yLabel = label == null ? "" : label;
    return this;
  }

  /** Fixes the x range (otherwise: the data's, slightly padded). */
  public LinePlot xRange(double min, double max) {
    checkRange(min, max);
    xMin = min;
    xMax = max;
    return this;
  }

  /** Fixes the y range (otherwise: the data's including error bars, padded by 5%). */
  public LinePlot yRange(double min, double max) {
    checkRange(min, max);
    yMin = min;
    yMax = max;
    return this;
  }

  public LinePlot legend(LegendPosition position) {
    this.legend = position;
    return this;
  }

  /** Base font size in points (default scales with the plot size). */
  public LinePlot fontSize(int points) {
    this.fontSize = points;
    return this;
  }

  /** A solid line through the points in order, in the next palette colour. */
  public LinePlot line(String label, double[] x, double[] y) {
    return line(label, x, y, null);
  }

  public LinePlot line(String label, double[] x, double[] y, Color color) {
    return add(new Series(label, x, y, null, color, true, false, false));
  }

  /** A dashed line through the points in order. */
  public LinePlot dashedLine(String label, double[] x, double[] y, Color color) {
    return add(new Series(label, x, y, null, color, true, false, true));
  }

  /** Markers at the points, with vertical error bars of half-length {@code err[i]} (may be null). */
  public LinePlot points(String label, double[] x, double[] y, double[] err) {
    return points(label, x, y, err, null);
  }

  public LinePlot points(String label, double[] x, double[] y, double[] err, Color color) {
    return add(new Series(label, x, y, err, color, false, true, false));
  }

  /** A line with markers (and optional error bars). */
  public LinePlot linePoints(String label, double[] x, double[] y, double[] err, Color color) {
    return add(new Series(label, x, y, err, color, true, true, false));
  }

  /** A dashed grey vertical reference line at {@code x}, labelled at its top (label may be null). */
  public LinePlot verticalLine(double x, String label) {
    references.add(new Reference(true, x, label));
    return this;
  }

  /** A dashed grey horizontal reference line at {@code y}, labelled at its right end. */
  public LinePlot horizontalLine(double y, String label) {
    references.add(new Reference(false, y, label));
    return this;
  }

  private LinePlot add(Series s) {
    if (s.x.length != s.y.length) {
      throw new IllegalArgumentException("series '" + s.label + "': x has " + s.x.length
          + " values but y has " + s.y.length);
    }
    if (s.err != null && s.err.length != s.y.length) {
      throw new IllegalArgumentException("series '" + s.label + "': err has " + s.err.length
          + " values but y has " + s.y.length);
    }
    Color c = s.color != null ? s.color : PALETTE.get(series.size() % PALETTE.size());
    series.add(new Series(s.label, s.x.clone(), s.y.clone(), s.err == null ? null : s.err.clone(),
        c, s.line, s.markers, s.dashed));
    return this;
  }

  private static void checkRange(double min, double max) {
    if (!(Double.isFinite(min) && Double.isFinite(max) && min < max)) {
      throw new IllegalArgumentException("range needs finite min < max, got [" + min + ", " + max + "]");
    }
  }

  /** Writes the plot as a PNG, creating parent directories. */
  public void write(Path file) throws IOException {
    writePng(render(), file);
  }

  /** Lays plots out left to right, top to bottom, {@code columns} per row, in one PNG. */
  public static void writeGrid(Path file, int columns, LinePlot... plots) throws IOException {
    writePng(renderGrid(columns, plots), file);
  }

  /** The grid of {@link #writeGrid} as an image; each cell is as large as the largest plot. */
  public static BufferedImage renderGrid(int columns, LinePlot... plots) {
    if (plots.length == 0 || columns < 1) {
      throw new IllegalArgumentException("need at least one plot and one column");
    }
    int cols = Math.min(columns, plots.length);
    int rows = (plots.length + cols - 1) / cols;
    int cw = 0;
    int ch = 0;
    for (LinePlot p : plots) {
      cw = Math.max(cw, p.width);
      ch = Math.max(ch, p.height);
    }
    BufferedImage out = new BufferedImage(cw * cols, ch * rows, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setColor(BACKGROUND);
    g.fillRect(0, 0, out.getWidth(), out.getHeight());
    for (int i = 0; i < plots.length; i++) {
      g.drawImage(plots[i].render(), (i % cols) * cw, (i / cols) * ch, null);
    }
    g.dispose();
    return out;
  }

  private static void writePng(BufferedImage image, Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    if (!ImageIO.write(image, "png", file.toFile())) {
      throw new IOException("no PNG writer available");
    }
  }

  /** Renders the plot. */
  public BufferedImage render() {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
      g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
      g.setColor(BACKGROUND);
      g.fillRect(0, 0, width, height);
      draw(g);
    } finally {
      g.dispose();
    }
    return img;
  }

  // ---------------------------------------------------------------- layout and drawing

  private void draw(Graphics2D g) {
    Font tickFont = new Font(Font.SANS_SERIF, Font.PLAIN, fontSize);
    Font labelFont = new Font(Font.SANS_SERIF, Font.PLAIN, fontSize + 1);
    Font titleFont = new Font(Font.SANS_SERIF, Font.BOLD, fontSize + 3);
    Font legendFont = new Font(Font.SANS_SERIF, Font.PLAIN, fontSize);

    double[] xr = range(true);
    double[] yr = range(false);
    Ticks xt = Ticks.of(xr[0], xr[1], Math.max(3, width / 110));
    Ticks yt = Ticks.of(yr[0], yr[1], Math.max(3, height / 70));

    FontMetrics tfm = g.getFontMetrics(tickFont);
    FontMetrics lfm = g.getFontMetrics(labelFont);
    FontMetrics hfm = g.getFontMetrics(titleFont);
    int yTickWidth = 0;
    for (double v : yt.values) {
      yTickWidth = Math.max(yTickWidth, tfm.stringWidth(yt.format(v)));
    }
    int pad = Math.max(8, fontSize / 2 + 4);
    int left = pad + (yLabel.isEmpty() ? 0 : lfm.getHeight() + pad / 2) + yTickWidth + 8;
    int top = pad + (title.isEmpty() ? 0 : hfm.getHeight() + pad / 2);
    int lastXTickHalf = tfm.stringWidth(xt.format(xt.values[xt.values.length - 1])) / 2;
    int right = Math.max(pad + 8, lastXTickHalf + pad);
    int bottom = pad + tfm.getHeight() + 8 + (xLabel.isEmpty() ? 0 : lfm.getHeight() + pad / 2);
    int pw = width - left - right;
    int ph = height - top - bottom;
    if (pw < 20 || ph < 20) {
      throw new IllegalStateException("plot of " + width + " x " + height + " is too small for its labels");
    }
    Mapper m = new Mapper(xr[0], xr[1], yr[0], yr[1], left, top, pw, ph);

    // Grid and ticks.
    g.setStroke(new BasicStroke(1f));
    g.setFont(tickFont);
    for (double v : xt.values) {
      double px = m.px(v);
      g.setColor(GRID);
      g.draw(new Line2D.Double(px, top, px, top + ph));
      g.setColor(AXIS);
      g.draw(new Line2D.Double(px, top + ph, px, top + ph + 5));
      String s = xt.format(v);
      g.setColor(TEXT);
      g.drawString(s, (float) (px - tfm.stringWidth(s) / 2.0), top + ph + 7 + tfm.getAscent());
    }
    for (double v : yt.values) {
      double py = m.py(v);
      g.setColor(GRID);
      g.draw(new Line2D.Double(left, py, left + pw, py));
      g.setColor(AXIS);
      g.draw(new Line2D.Double(left - 5, py, left, py));
      String s = yt.format(v);
      g.setColor(TEXT);
      g.drawString(s, left - 8 - tfm.stringWidth(s), (float) (py + tfm.getAscent() / 2.0 - 1));
    }

    // Reference lines.
    Shape oldClip = g.getClip();
    g.clip(new Rectangle2D.Double(left, top, pw, ph));
    Stroke dash = new BasicStroke(1.3f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f);
    for (Reference r : references) {
      g.setColor(REFERENCE);
      g.setStroke(dash);
      if (r.vertical) {
        double px = m.px(r.at);
        g.draw(new Line2D.Double(px, top, px, top + ph));
        if (r.label != null && !r.label.isEmpty()) {
          g.setFont(tickFont);
          g.drawString(r.label, (float) px + 4, top + tfm.getAscent() + 3);
        }
      } else {
        double py = m.py(r.at);
        g.draw(new Line2D.Double(left, py, left + pw, py));
        if (r.label != null && !r.label.isEmpty()) {
          g.setFont(tickFont);
          g.drawString(r.label, left + pw - 4 - tfm.stringWidth(r.label), (float) py - 4);
        }
      }
    }

    // Series.
    float lw = Math.max(1.6f, fontSize / 7f);
    double radius = Math.max(3.0, fontSize / 3.5);
    for (Series s : series) {
      g.setColor(s.color);
      if (s.line) {
        g.setStroke(s.dashed
            ? new BasicStroke(lw, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {8f, 5f}, 0f)
            : new BasicStroke(lw, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        Path2D.Double path = new Path2D.Double();
        boolean pen = false;
        for (int i = 0; i < s.x.length; i++) {
          if (!Double.isFinite(s.x[i]) || !Double.isFinite(s.y[i])) {
            pen = false;
            continue;
          }
          double px = m.px(s.x[i]);
          double py = m.py(s.y[i]);
          if (pen) {
            path.lineTo(px, py);
          } else {
            path.moveTo(px, py);
            pen = true;
          }
        }
        g.draw(path);
      }
      if (s.markers) {
        g.setStroke(new BasicStroke(Math.max(1.2f, lw * 0.75f)));
        for (int i = 0; i < s.x.length; i++) {
          if (!Double.isFinite(s.x[i]) || !Double.isFinite(s.y[i])) {
            continue;
          }
          double px = m.px(s.x[i]);
          double py = m.py(s.y[i]);
          if (s.err != null && Double.isFinite(s.err[i]) && s.err[i] > 0) {
            double lo = m.py(s.y[i] - s.err[i]);
            double hi = m.py(s.y[i] + s.err[i]);
            double cap = radius + 1;
            g.draw(new Line2D.Double(px, lo, px, hi));
            g.draw(new Line2D.Double(px - cap, lo, px + cap, lo));
            g.draw(new Line2D.Double(px - cap, hi, px + cap, hi));
          }
          Ellipse2D.Double dot = new Ellipse2D.Double(px - radius, py - radius, 2 * radius, 2 * radius);
          g.fill(dot);
          g.setColor(s.color.darker());
          g.draw(dot);
          g.setColor(s.color);
        }
      }
    }
    g.setClip(oldClip);

    // Frame.
    g.setColor(AXIS);
    g.setStroke(new BasicStroke(1.2f));
    g.draw(new Rectangle2D.Double(left, top, pw, ph));

    // Axis labels and title.
    g.setColor(TEXT);
    if (!xLabel.isEmpty()) {
      g.setFont(labelFont);
      g.drawString(xLabel, left + (pw - lfm.stringWidth(xLabel)) / 2f, height - pad - lfm.getDescent());
    }
    if (!yLabel.isEmpty()) {
      g.setFont(labelFont);
      AffineTransform saved = g.getTransform();
      g.translate(pad + lfm.getAscent(), top + (ph + lfm.stringWidth(yLabel)) / 2.0);
      g.rotate(-Math.PI / 2);
      g.drawString(yLabel, 0, 0);
      g.setTransform(saved);
    }
    if (!title.isEmpty()) {
      g.setFont(titleFont);
      g.drawString(title, left + (pw - hfm.stringWidth(title)) / 2f, pad + hfm.getAscent());
    }

    drawLegend(g, legendFont, left, top, pw, ph, lw, radius);
  }

  private void drawLegend(Graphics2D g, Font font, int left, int top, int pw, int ph, float lw, double radius) {
    List<Series> labelled = series.stream().filter(s -> s.label != null && !s.label.isEmpty()).toList();
    if (legend == LegendPosition.NONE || labelled.isEmpty()) {
      return;
    }
    g.setFont(font);
    FontMetrics fm = g.getFontMetrics();
    int sample = 28;
    int rowH = fm.getHeight() + 2;
    int textW = 0;
    for (Series s : labelled) {
      textW = Math.max(textW, fm.stringWidth(s.label));
    }
    int boxW = 10 + sample + 8 + textW + 10;
    int boxH = 8 + rowH * labelled.size() + 4;
    int margin = 10;
    int bx = switch (legend) {
      case TOP_LEFT, BOTTOM_LEFT -> left + margin;
      default -> left + pw - margin - boxW;
    };
    int by = switch (legend) {
      case BOTTOM_LEFT, BOTTOM_RIGHT -> top + ph - margin - boxH;
      default -> top + margin;
    };
    g.setColor(new Color(255, 255, 255, 225));
    g.fillRoundRect(bx, by, boxW, boxH, 8, 8);
    g.setColor(new Color(0xbbbbbb));
    g.setStroke(new BasicStroke(1f));
    g.drawRoundRect(bx, by, boxW, boxH, 8, 8);
    for (int i = 0; i < labelled.size(); i++) {
      Series s = labelled.get(i);
      double cy = by + 6 + rowH * i + rowH / 2.0;
      double x0 = bx + 10;
      g.setColor(s.color);
      if (s.line) {
        g.setStroke(s.dashed
            ? new BasicStroke(lw, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {8f, 5f}, 0f)
            : new BasicStroke(lw, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.draw(new Line2D.Double(x0, cy, x0 + sample, cy));
      }
      if (s.markers) {
        double cx = x0 + sample / 2.0;
        g.setStroke(new BasicStroke(Math.max(1.2f, lw * 0.75f)));
        if (s.err != null) {
          g.draw(new Line2D.Double(cx, cy - rowH * 0.4, cx, cy + rowH * 0.4));
        }
        g.fill(new Ellipse2D.Double(cx - radius, cy - radius, 2 * radius, 2 * radius));
      }
      g.setColor(TEXT);
      g.drawString(s.label, (float) (x0 + sample + 8), (float) (cy + fm.getAscent() / 2.0 - 2));
    }
  }

  /** [min, max] of the axis: fixed, or from the data (with error bars for y), padded. */
  private double[] range(boolean xAxis) {
    double fixedLo = xAxis ? xMin : yMin;
    double fixedHi = xAxis ? xMax : yMax;
    if (!Double.isNaN(fixedLo)) {
      return new double[] {fixedLo, fixedHi};
    }
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (Series s : series) {
      for (int i = 0; i < s.x.length; i++) {
        if (!Double.isFinite(s.x[i]) || !Double.isFinite(s.y[i])) {
          continue;
        }
        if (xAxis) {
          lo = Math.min(lo, s.x[i]);
          hi = Math.max(hi, s.x[i]);
        } else {
          double e = s.err != null && Double.isFinite(s.err[i]) ? Math.abs(s.err[i]) : 0.0;
          lo = Math.min(lo, s.y[i] - e);
          hi = Math.max(hi, s.y[i] + e);
        }
      }
    }
    for (Reference r : references) {
      if (r.vertical == xAxis && Double.isFinite(r.at)) {
        lo = Math.min(lo, r.at);
        hi = Math.max(hi, r.at);
      }
    }
    if (lo == Double.POSITIVE_INFINITY) {
      return new double[] {0.0, 1.0};
    }
    if (lo == hi) {
      double d = lo == 0.0 ? 1.0 : Math.abs(lo) * 0.1;
      return new double[] {lo - d, hi + d};
    }
    double padFraction = xAxis ? 0.03 : 0.06;
    double d = (hi - lo) * padFraction;
    return new double[] {lo - d, hi + d};
  }

  private record Mapper(double x0, double x1, double y0, double y1, int left, int top, int pw, int ph) {
    double px(double x) {
      return left + (x - x0) / (x1 - x0) * pw;
    }

    double py(double y) {
      return top + ph - (y - y0) / (y1 - y0) * ph;
    }
  }

  /** Tick positions at 1, 2, 2.5 or 5 times a power of ten, and their labels. */
  static final class Ticks {
    final double[] values;
    final int decimals;

    private Ticks(double[] values, int decimals) {
      this.values = values;
      this.decimals = decimals;
    }

    static Ticks of(double lo, double hi, int target) {
      double raw = (hi - lo) / Math.max(1, target);
      double mag = Math.pow(10, Math.floor(Math.log10(raw)));
      double step = mag;
      for (double f : new double[] {1, 2, 2.5, 5, 10}) {
        if (f * mag >= raw) {
          step = f * mag;
          break;
        }
      }
      double first = Math.ceil(lo / step - 1e-9) * step;
      List<Double> vs = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        double v = first + i * step;
        if (v > hi + step * 1e-9) {
          break;
        }
        vs.add(Math.abs(v) < step * 1e-9 ? 0.0 : v);
      }
      if (vs.isEmpty()) {
        vs.add(lo);
      }
      int decimals = Math.max(0, (int) -Math.floor(Math.log10(step) + 1e-9));
      if (Math.abs(step / Math.pow(10, -decimals) - Math.rint(step / Math.pow(10, -decimals))) > 1e-6) {
        decimals++; // 2.5 x 10^k needs one more digit
      }
      return new Ticks(vs.stream().mapToDouble(Double::doubleValue).toArray(), decimals);
    }

    String format(double v) {
      double a = Math.abs(v);
      if (a != 0 && (a >= 1e6 || a < 1e-4)) {
        return String.format(Locale.ROOT, "%.2g", v);
      }
      return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
  }
}
