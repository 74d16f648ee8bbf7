package dev.kindred.agents.suite;

import dev.kindred.plot.Charts;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The scorecard as a PNG heat map: a row per test and metric, a column per brain, each cell
 * showing the mean ± 95% interval (and where they matter, the fraction of episodes in which a first_step's event occurred, or n), coloured
 * within its row from the worst brain (red) to the best (green) by the metric's {@code better};
 * rows without a direction stay grey-blue, cells whose brain does not fit are grey.
 *
 * <p>Drawn with Java 2D: XChart's heat map colours every cell from one z scale and can print
 * only that z in a cell, while a scorecard colours each row on its own scale and prints an
 * estimate with its interval.
 */
public final class ScorecardPlot {
  static {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  private ScorecardPlot() {}

  static final Color WORST = new Color(0xf2a7a0);
  static final Color MIDDLE = new Color(0xf7f7f2);
  static final Color BEST = new Color(0x9fd6a0);
  static final Color NEUTRAL = new Color(0xe6ecf3);
  static final Color UNFIT = new Color(0xcfcfcf);
  private static final Color TEXT = new Color(0x222222);
  private static final Color FAINT = new Color(0x666666);

  private static final int ROW = 46;
  private static final int PAD = 16;

  /**
   * The colour score of each brain in a row: 0 worst, 1 best, by min-max over the brains that
   * have a value; 0.5 for all when they are equal; NaN where a brain has no value or the metric
   * has no direction.
   */
  static double[] scores(double[] means, String better) {
    double[] s = new double[means.length];
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (double m : means) {
      if (Double.isFinite(m)) {
        lo = Math.min(lo, m);
        hi = Math.max(hi, m);
      }
    }
    for (int i = 0; i < means.length; i++) {
      if (!Double.isFinite(means[i]) || better.equals("none")) {
        s[i] = Double.NaN;
      } else if (hi == lo) {
        s[i] = 0.5;
      } else {
        double up = (means[i] - lo) / (hi - lo);
        s[i] = better.equals("higher") ? up : 1 - up;
      }
    }
    return s;
  }

  /** Worst (0) through a light middle (0.5) to best (1). */
  static Color colour(double score) {
    if (Double.isNaN(score)) {
      return NEUTRAL;
    }
    return score < 0.5 ? mix(WORST, MIDDLE, score * 2) : mix(MIDDLE, BEST, score * 2 - 1);
  }

  private static Color mix(Color a, Color b, double t) {
    return new Color((int) Math.round(a.getRed() + (b.getRed() - a.getRed()) * t),
        (int) Math.round(a.getGreen() + (b.getGreen() - a.getGreen()) * t),
        (int) Math.round(a.getBlue() + (b.getBlue() - a.getBlue()) * t));
  }

  /** One drawn row: its test (on its first metric only), metric, and per brain the text, note and colour. */
  private record Row(String test, String metric, String[] text, String[] note, Color[] fill, boolean firstOfTest) {}

  private static List<Row> rows(Scorecard card) {
    List<Row> rows = new ArrayList<>();
    int n = card.brains().size();
    for (Scorecard.Setting s : card.settings()) {
      TestFile t = s.test();
      boolean first = true;
      for (Metric m : t.metrics()) {
        List<TestWorld.Result> rs = card.results(t.name());
        double[] means = new double[n];
        for (int b = 0; b < n; b++) {
          means[b] = rs.get(b).fits() ? rs.get(b).metric(m.name()).mean() : Double.NaN;
        }
        double[] score = scores(means, m.better());
        int d = card.decimals(t.name(), m.name());
        String[] text = new String[n];
        String[] note = new String[n];
        Color[] fill = new Color[n];
        for (int b = 0; b < n; b++) {
          TestWorld.Result r = rs.get(b);
          if (!r.fits()) {
            text[b] = "does not fit";
            note[b] = "";
            fill[b] = UNFIT;
          } else {
            TestWorld.MetricResult mr = r.metric(m.name());
            text[b] = Scorecard.estimate(mr, d);
            note[b] = Scorecard.note(mr, s.episodes());
            fill[b] = colour(score[b]);
          }
        }
        rows.add(new Row(first ? t.name() : "", Scorecard.label(m), text, note, fill, first));
        first = false;
      }
    }
    return rows;
  }

  /** Writes the heat map to {@code png} (parent directories created; a temporary file renamed over it). */
  public static void write(Scorecard card, Path png) throws IOException {
    List<Row> rows = rows(card);
    int n = card.brains().size();
    Font title = new Font(Font.SANS_SERIF, Font.BOLD, 17);
    Font small = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    Font body = new Font(Font.SANS_SERIF, Font.PLAIN, 14);
    Font bold = new Font(Font.SANS_SERIF, Font.BOLD, 14);
    // Measure with a scratch image, then draw at the size the text needs.
    Graphics2D m = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
    FontMetrics fb = m.getFontMetrics(body);
    FontMetrics fbold = m.getFontMetrics(bold);
    int testW = fbold.stringWidth("test");
    int metricW = fb.stringWidth("metric");
    for (Row r : rows) {
      testW = Math.max(testW, fbold.stringWidth(r.test()));
      metricW = Math.max(metricW, fb.stringWidth(r.metric()));
    }
    int[] colW = new int[n];
    for (int b = 0; b < n; b++) {
      colW[b] = Math.max(150, fbold.stringWidth(card.brains().get(b).name()) + 24);
      for (Row r : rows) {
        colW[b] = Math.max(colW[b], fb.stringWidth(r.text()[b]) + 24);
      }
    }
    String heading = "Behavioural suite " + card.suite().name() + ": mean ± 95% interval over episodes";
    String legend = "Each row coloured from the worst brain (red) to the best (green): ↑ higher, ↓ lower is better; "
        + "no arrow, no colour.";
    String made = String.format(java.util.Locale.ROOT, "seed %d; the test files' SHA-256 and the values of every "
        + "episode are in the --json rows", card.seed());
    int headingW = Math.max(m.getFontMetrics(title).stringWidth(heading),
        m.getFontMetrics(small).stringWidth(legend));
    m.dispose();
    int left = PAD + testW + 16 + metricW + 16;
    int top = 100;
    int width = Math.max(left + java.util.Arrays.stream(colW).sum() + PAD, PAD * 2 + headingW);
    int height = top + ROW * rows.size() + 40;
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);
      g.setColor(TEXT);
      g.setFont(title);
      g.drawString(heading, PAD, 28);
      g.setFont(small);
      g.setColor(FAINT);
      g.drawString(legend, PAD, 50);
      g.drawString(made, PAD, 66);
      // Column headers.
      g.setFont(bold);
      g.setColor(TEXT);
      g.drawString("test", PAD, top - 10);
      g.drawString("metric", PAD + testW + 16, top - 10);
      int x = left;
      for (int b = 0; b < n; b++) {
        String name = card.brains().get(b).name();
        g.drawString(name, x + (colW[b] - fbold.stringWidth(name)) / 2, top - 10);
        x += colW[b];
      }
      int y = top;
      for (Row r : rows) {
        if (r.firstOfTest()) {
          g.setColor(new Color(0x999999));
          g.setStroke(new BasicStroke(1.5f));
          g.drawLine(PAD, y, width - PAD, y);
        }
        g.setColor(TEXT);
        g.setFont(bold);
        g.drawString(r.test(), PAD, y + ROW / 2 + 5);
        g.setFont(body);
        g.drawString(r.metric(), PAD + testW + 16, y + ROW / 2 + 5);
        x = left;
        for (int b = 0; b < n; b++) {
          g.setColor(r.fill()[b]);
          g.fillRect(x + 1, y + 1, colW[b] - 2, ROW - 2);
          g.setColor(TEXT);
          g.setFont(body);
          boolean noted = !r.note()[b].isEmpty();
          int ty = y + (noted ? ROW / 2 - 1 : ROW / 2 + 5);
          g.drawString(r.text()[b], x + (colW[b] - fb.stringWidth(r.text()[b])) / 2, ty);
          if (noted) {
            g.setFont(small);
            g.setColor(FAINT);
            FontMetrics fs = g.getFontMetrics();
            g.drawString(r.note()[b], x + (colW[b] - fs.stringWidth(r.note()[b])) / 2, ty + 16);
          }
          x += colW[b];
        }
        y += ROW;
      }
      g.setColor(new Color(0x999999));
      g.drawLine(PAD, y, width - PAD, y);
    } finally {
      g.dispose();
    }
    Charts.writeAtomically(png, out -> ImageIO.write(img, "png", out));
  }
}
