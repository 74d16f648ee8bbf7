package dev.kindred.env.energy;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * PNG frames of one copy of the energy/kinship world, drawn from an {@link EnergyView} with
 * java.awt (headless; no other dependency), for documentation and replay viewers.
 *
 * <p>A frame is a title line (the caller's title, the step and a summary), the map with one
 * square of {@code cellPixels} per cell, and a legend. Cells: floor, walls, green and yellow
 * crystal generators (diamonds; faded while cooling down or depleted), converters, heart altars
 * (red when ready, pale with a cooldown arc while cooling down). Agents: a disc in their
 * group's colour with a white nose pointing where they face, an energy bar under them, a cyan
 * ring while shielded, green and yellow dots for the crystals they carry, and a speckled egg
 * while frozen.
 *
 * <pre>{@code
 * EnergyWorld w = ...;                                   // after reset / step
 * BufferedImage img = FrameRenderer.render(w.view(0), 24, "energy.s3 seed 1");
 * FrameRenderer.writePng(img, Path.of("frame.png"));
 * }</pre>
 */
public final class FrameRenderer {
  static {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  private FrameRenderer() {}

  public static final Color BACKGROUND = new Color(0xfbfaf7);
  public static final Color FLOOR = new Color(0xf1ece1);
  public static final Color FLOOR_LINE = new Color(0xe3dccd);
  public static final Color WALL = new Color(0x3b4250);
  public static final Color WALL_EDGE = new Color(0x596273);
  public static final Color GREEN_CRYSTAL = new Color(0x1e9e5a);
  public static final Color YELLOW_CRYSTAL = new Color(0xf0b722);
  public static final Color CONVERTER = new Color(0x5b5fc7);
  public static final Color ALTAR_READY = new Color(0xe0245e);
  public static final Color ALTAR_COOLING = new Color(0xf2b8c9);
  public static final Color SHIELD = new Color(0x00b7d4);
  public static final Color EGG = new Color(0xfaf3dc);
  public static final Color TEXT = new Color(0x222222);
  public static final Color MUTED = new Color(0x6b6b6b);

  /**
   * Group colours (colour-blind-friendly, chosen to stay apart from the crystals and altars);
   * group g takes {@code GROUPS[g % GROUPS.size()]}.
   */
  public static final List<Color> GROUPS = List.of(
      new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b),
      new Color(0xe377c2), new Color(0x17becf), new Color(0x7f7f7f), new Color(0xbcbd22));

  /** Height of the title line above the map, in pixels. */
  public static final int TITLE_HEIGHT = 26;

  private static final int LEGEND_ICON = 14;
  private static final int LEGEND_LINE = 20;
  private static final int PAD = 6;
  private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 13);
  private static final Font LEGEND_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 11);

  /** The colour of agents in {@code group}. */
  public static Color groupColor(int group) {
    return GROUPS.get(Math.floorMod(group, GROUPS.size()));
  }

  /** A frame titled with the step only. */
  public static BufferedImage render(EnergyView view, int cellPixels) {
    return render(view, cellPixels, "");
  }

  /**
   * One frame of {@code view}.
   *
   * @param cellPixels side of a cell in pixels (at least 4; 16-32 reads well)
   * @param title      shown at the left of the title line, before the step (e.g. world id, seed)
   */
  public static BufferedImage render(EnergyView view, int cellPixels, String title) {
    if (cellPixels < 4) {
      throw new IllegalArgumentException("cellPixels must be at least 4, got " + cellPixels);
    }
    int mapW = view.width() * cellPixels;
    int mapH = view.height() * cellPixels;
    int width = Math.max(mapW, 1);
    List<LegendItem> legend = legendItems(view);
    int legendLines = legendLines(legend, width);
    int height = TITLE_HEIGHT + mapH + PAD + legendLines * LEGEND_LINE + PAD / 2;
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
      g.setColor(BACKGROUND);
      g.fillRect(0, 0, width, height);
      drawTitle(g, view, title, width);
      g.translate(0, TITLE_HEIGHT);
      drawMap(g, view, cellPixels);
      g.translate(0, mapH + PAD);
      drawLegend(g, legend, width);
    } finally {
      g.dispose();
    }
    return img;
  }

  /** Pixel coordinates of the centre of cell (x, y) in a frame from {@link #render}. */
  public static int[] cellCentre(int x, int y, int cellPixels) {
    return new int[] {x * cellPixels + cellPixels / 2, TITLE_HEIGHT + y * cellPixels + cellPixels / 2};
  }

  /** Writes {@code image} as a PNG, creating parent directories. */
  public static void writePng(BufferedImage image, Path out) {
    try {
      Path parent = out.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      if (!ImageIO.write(image, "png", out.toFile())) {
        throw new IOException("no PNG writer available");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
    }
  }

  /** Renders {@code view} and writes it as a PNG. */
  public static void writePng(EnergyView view, int cellPixels, String title, Path out) {
    writePng(render(view, cellPixels, title), out);
  }

  /**
   * Frames side by side, {@code columns} per row, on the background colour with a small gap,
   * under an optional heading.
   */
  public static BufferedImage contactSheet(List<BufferedImage> frames, int columns, String heading) {
    if (frames.isEmpty()) {
      throw new IllegalArgumentException("no frames for the contact sheet");
    }
    int cols = Math.max(1, Math.min(columns, frames.size()));
    int rows = (frames.size() + cols - 1) / cols;
    int fw = 0;
    int fh = 0;
    for (BufferedImage f : frames) {
      fw = Math.max(fw, f.getWidth());
      fh = Math.max(fh, f.getHeight());
    }
    int gap = 10;
    int head = heading == null || heading.isBlank() ? 0 : 28;
    int width = cols * fw + (cols + 1) * gap;
    int height = head + rows * fh + (rows + 1) * gap;
    BufferedImage sheet = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = sheet.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);
      if (head > 0) {
        g.setColor(TEXT);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(heading, gap, 20);
      }
      for (int i = 0; i < frames.size(); i++) {
        int x = gap + (i % cols) * (fw + gap);
        int y = head + gap + (i / cols) * (fh + gap);
        g.setColor(new Color(0xdddddd));
        g.drawRect(x - 1, y - 1, frames.get(i).getWidth() + 1, frames.get(i).getHeight() + 1);
        g.drawImage(frames.get(i), x, y, null);
      }
    } finally {
      g.dispose();
    }
    return sheet;
  }

  // ------------------------------------------------------------------ title

  private static void drawTitle(Graphics2D g, EnergyView view, String title, int width) {
    int frozen = 0;
    int shielded = 0;
    for (int a = 0; a < view.agents(); a++) {
      if (view.frozenTicks(a) > 0) {
        frozen++;
      }
      if (view.shielded(a)) {
        shielded++;
      }
    }
    String left = (title == null || title.isBlank() ? "" : title + "  ") + "step " + view.step();
    String right = String.format(Locale.ROOT, "%d agents  %d frozen  %d shielded", view.agents(), frozen, shielded);
    g.setFont(TITLE_FONT);
    g.setColor(TEXT);
    FontMetrics fm = g.getFontMetrics();
    int base = (TITLE_HEIGHT + fm.getAscent() - fm.getDescent()) / 2;
    g.drawString(left, PAD, base);
    g.setFont(LEGEND_FONT);
    g.setColor(MUTED);
    int rw = g.getFontMetrics().stringWidth(right);
    if (PAD + fm.stringWidth(left) + 16 + rw <= width - PAD) {
      g.drawString(right, width - PAD - rw, base);
    }
  }

  // ------------------------------------------------------------------ map

  private static void drawMap(Graphics2D g, EnergyView view, int c) {
    int w = view.width();
    int h = view.height();
    g.setColor(FLOOR);
    g.fillRect(0, 0, w * c, h * c);
    if (c >= 8) {
      g.setColor(FLOOR_LINE);
      g.setStroke(new BasicStroke(1f));
      for (int x = 1; x < w; x++) {
        g.drawLine(x * c, 0, x * c, h * c - 1);
      }
      for (int y = 1; y < h; y++) {
        g.drawLine(0, y * c, w * c - 1, y * c);
      }
    }
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        if (view.cell(x, y) == CellKind.WALL) {
          drawWall(g, view, x, y, c);
        }
      }
    }
    for (int o = 0; o < view.objects(); o++) {
      drawObject(g, view.objectKind(o), view.objectReady(o), view.objectCooldown(o), view.objectStock(o),
          view.objectX(o) * c, view.objectY(o) * c, c);
    }
    for (int a = 0; a < view.agents(); a++) {
      drawAgent(g, view, a, view.agentX(a) * c, view.agentY(a) * c, c);
    }
  }

  private static void drawWall(Graphics2D g, EnergyView view, int x, int y, int c) {
    int px = x * c;
    int py = y * c;
    g.setColor(WALL);
    g.fillRect(px, py, c, c);
    if (c >= 8) {
      // A lighter top edge where the cell above is not a wall: walls read as raised blocks.
      g.setColor(WALL_EDGE);
      if (y == 0 || view.cell(x, y - 1) != CellKind.WALL) {
        g.fillRect(px, py, c, Math.max(1, c / 8));
      }
    }
  }

  private static void drawObject(Graphics2D g, CellKind kind, boolean ready, int cooldown, int stock,
      int px, int py, int c) {
    switch (kind) {
      case GREEN_GENERATOR -> drawCrystal(g, GREEN_CRYSTAL, ready, stock, px, py, c);
      case YELLOW_GENERATOR -> drawCrystal(g, YELLOW_CRYSTAL, ready, stock, px, py, c);
      case CONVERTER -> drawConverter(g, ready, px, py, c);
      case ALTAR -> drawAltar(g, ready, cooldown, px, py, c);
      default -> {
      }
    }
  }

  private static Color faded(Color col) {
    return blend(col, FLOOR, 0.62);
  }

  private static Color blend(Color a, Color b, double t) {
    return new Color((int) Math.round(a.getRed() * (1 - t) + b.getRed() * t),
        (int) Math.round(a.getGreen() * (1 - t) + b.getGreen() * t),
        (int) Math.round(a.getBlue() * (1 - t) + b.getBlue() * t));
  }

  /** A faceted gem: a diamond with a lighter upper facet; faded while unusable. */
  private static void drawCrystal(Graphics2D g, Color col, boolean ready, int stock, int px, int py, int c) {
    double cx = px + c / 2.0;
    double cy = py + c / 2.0;
    double rx = c * 0.34;
    double ry = c * 0.42;
    Color body = ready ? col : faded(col);
    Path2D d = new Path2D.Double();
    d.moveTo(cx, cy - ry);
    d.lineTo(cx + rx, cy);
    d.lineTo(cx, cy + ry);
    d.lineTo(cx - rx, cy);
    d.closePath();
    g.setColor(body);
    g.fill(d);
    Path2D top = new Path2D.Double();
    top.moveTo(cx, cy - ry);
    top.lineTo(cx + rx, cy);
    top.lineTo(cx, cy - ry * 0.15);
    top.lineTo(cx - rx, cy);
    top.closePath();
    g.setColor(blend(body, Color.WHITE, 0.35));
    g.fill(top);
    g.setColor(blend(body, Color.BLACK, 0.3));
    g.setStroke(new BasicStroke(Math.max(1f, c / 20f)));
    g.draw(d);
    if (stock == 0) {
      // Depleted: a small cross.
      g.setColor(MUTED);
      double r = c * 0.12;
      g.draw(new java.awt.geom.Line2D.Double(px + c - 3 - 2 * r, py + 3, px + c - 3, py + 3 + 2 * r));
      g.draw(new java.awt.geom.Line2D.Double(px + c - 3 - 2 * r, py + 3 + 2 * r, px + c - 3, py + 3));
    }
  }

  /** A rounded machine block with a glowing core (the energy it makes). */
  private static void drawConverter(Graphics2D g, boolean ready, int px, int py, int c) {
    double m = c * 0.12;
    Color body = ready ? CONVERTER : faded(CONVERTER);
    g.setColor(body);
    g.fill(new RoundRectangle2D.Double(px + m, py + m, c - 2 * m, c - 2 * m, c * 0.3, c * 0.3));
    double r = c * 0.17;
    g.setColor(ready ? new Color(0xffe680) : blend(new Color(0xffe680), FLOOR, 0.5));
    g.fill(new Ellipse2D.Double(px + c / 2.0 - r, py + c / 2.0 - r, 2 * r, 2 * r));
    g.setColor(blend(body, Color.BLACK, 0.3));
    g.setStroke(new BasicStroke(Math.max(1f, c / 20f)));
    g.draw(new RoundRectangle2D.Double(px + m, py + m, c - 2 * m, c - 2 * m, c * 0.3, c * 0.3));
  }

  private static Path2D heart(double cx, double cy, double s) {
    Path2D p = new Path2D.Double();
    p.moveTo(cx, cy + 0.42 * s);
    p.curveTo(cx - 0.55 * s, cy + 0.02 * s, cx - 0.5 * s, cy - 0.45 * s, cx - 0.22 * s, cy - 0.42 * s);
    p.curveTo(cx - 0.08 * s, cy - 0.41 * s, cx, cy - 0.3 * s, cx, cy - 0.2 * s);
    p.curveTo(cx, cy - 0.3 * s, cx + 0.08 * s, cy - 0.41 * s, cx + 0.22 * s, cy - 0.42 * s);
    p.curveTo(cx + 0.5 * s, cy - 0.45 * s, cx + 0.55 * s, cy + 0.02 * s, cx, cy + 0.42 * s);
    p.closePath();
    return p;
  }

  /** A heart on a pale plinth; pale with a cooldown arc while cooling down. */
  private static void drawAltar(Graphics2D g, boolean ready, int cooldown, int px, int py, int c) {
    double m = c * 0.06;
    g.setColor(ready ? new Color(0xfde3ea) : new Color(0xefe7e9));
    g.fill(new RoundRectangle2D.Double(px + m, py + m, c - 2 * m, c - 2 * m, c * 0.2, c * 0.2));
    double cx = px + c / 2.0;
    double cy = py + c / 2.0 + c * 0.03;
    Path2D h = heart(cx, cy, c * 0.92);
    g.setColor(ready ? ALTAR_READY : ALTAR_COOLING);
    g.fill(h);
    g.setColor(blend(ready ? ALTAR_READY : ALTAR_COOLING, Color.BLACK, 0.25));
    g.setStroke(new BasicStroke(Math.max(1f, c / 20f)));
    g.draw(h);
    if (!ready && cooldown > 0 && c >= 10) {
      g.setColor(MUTED);
      g.setStroke(new BasicStroke(Math.max(1f, c / 14f), BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
      double r = c * 0.40;
      // One full turn per 10 steps of cooldown, capped: a clock-like arc, longer for longer waits.
      int extent = (int) Math.round(-360.0 * Math.min(1.0, cooldown / 10.0));
      g.drawArc((int) Math.round(cx - r), (int) Math.round(py + c / 2.0 - r), (int) Math.round(2 * r),
          (int) Math.round(2 * r), 90, extent);
    }
  }

  private static void drawAgent(Graphics2D g, EnergyView view, int a, int px, int py, int c) {
    Color col = groupColor(view.group(a));
    double cx = px + c / 2.0;
    double cy = py + c * 0.46;
    double r = c * 0.33;
    boolean frozen = view.frozenTicks(a) > 0;
    float line = Math.max(1f, c / 16f);
    if (frozen) {
      // An egg: taller than wide, cream with speckles in the group colour.
      double ew = r * 1.6;
      double eh = r * 2.1;
      Ellipse2D egg = new Ellipse2D.Double(cx - ew / 2, cy - eh / 2, ew, eh);
      g.setColor(EGG);
      g.fill(egg);
      g.setColor(col);
      double s = Math.max(1.5, c / 12.0);
      double[][] spots = {{-0.2, -0.25}, {0.18, -0.05}, {-0.08, 0.22}, {0.22, 0.3}};
      for (double[] sp : spots) {
        g.fill(new Ellipse2D.Double(cx + sp[0] * ew - s / 2, cy + sp[1] * eh - s / 2, s, s));
      }
      g.setStroke(new BasicStroke(line));
      g.draw(egg);
    } else {
      Ellipse2D disc = new Ellipse2D.Double(cx - r, cy - r, 2 * r, 2 * r);
      g.setColor(col);
      g.fill(disc);
      g.setColor(blend(col, Color.BLACK, 0.35));
      g.setStroke(new BasicStroke(line));
      g.draw(disc);
      // Nose: a white triangle on the rim, pointing where the agent faces.
      int o = view.orientation(a);
      double[] dx = {0, 1, 0, -1};
      double[] dy = {-1, 0, 1, 0};
      double tipX = cx + dx[o] * r * 0.95;
      double tipY = cy + dy[o] * r * 0.95;
      double baseX = cx + dx[o] * r * 0.25;
      double baseY = cy + dy[o] * r * 0.25;
      double half = r * 0.45;
      Polygon nose = new Polygon();
      nose.addPoint((int) Math.round(tipX), (int) Math.round(tipY));
      nose.addPoint((int) Math.round(baseX - dy[o] * half), (int) Math.round(baseY + dx[o] * half));
      nose.addPoint((int) Math.round(baseX + dy[o] * half), (int) Math.round(baseY - dx[o] * half));
      g.setColor(Color.WHITE);
      g.fill(nose);
    }
    if (view.shielded(a)) {
      double rr = r + Math.max(2, c * 0.09);
      g.setColor(SHIELD);
      g.setStroke(new BasicStroke(Math.max(1.5f, c / 11f)));
      g.draw(new Ellipse2D.Double(cx - rr, cy - rr, 2 * rr, 2 * rr));
    }
    // Energy bar along the cell's bottom edge.
    if (c >= 8) {
      double bw = c * 0.76;
      double bh = Math.max(2, c * 0.1);
      double bx = px + (c - bw) / 2;
      double by = py + c - bh - 1;
      double f = view.maxEnergy() > 0 ? Math.max(0, Math.min(1, view.energy(a) / (double) view.maxEnergy())) : 0;
      g.setColor(new Color(0x4a4a4a));
      g.fill(new java.awt.geom.Rectangle2D.Double(bx, by, bw, bh));
      g.setColor(f > 0.5 ? new Color(0x43c26b) : f > 0.2 ? new Color(0xf0a030) : new Color(0xe0453a));
      g.fill(new java.awt.geom.Rectangle2D.Double(bx, by, bw * f, bh));
    }
    // Crystals carried: green dots top-left, yellow dots top-right (at most 3 each drawn).
    double d = Math.max(2, c * 0.14);
    int greens = Math.min(3, view.inventory(a, 0));
    int yellows = Math.min(3, view.inventory(a, 1));
    for (int i = 0; i < greens; i++) {
      dot(g, GREEN_CRYSTAL, px + 1 + i * (d * 0.8), py + 1, d);
    }
    for (int i = 0; i < yellows; i++) {
      dot(g, YELLOW_CRYSTAL, px + c - 1 - d - i * (d * 0.8), py + 1, d);
    }
  }

  private static void dot(Graphics2D g, Color col, double x, double y, double d) {
    Ellipse2D e = new Ellipse2D.Double(x, y, d, d);
    g.setColor(col);
    g.fill(e);
    g.setColor(blend(col, Color.BLACK, 0.4));
    g.setStroke(new BasicStroke(0.8f));
    g.draw(e);
  }

  // ------------------------------------------------------------------ legend

  private interface Icon {
    void draw(Graphics2D g, int px, int py, int c);
  }

  private record LegendItem(String label, Icon icon) {}

  private static List<LegendItem> legendItems(EnergyView view) {
    List<LegendItem> items = new ArrayList<>();
    items.add(new LegendItem("wall", (g, x, y, c) -> {
      g.setColor(WALL);
      g.fillRect(x, y, c, c);
    }));
    items.add(new LegendItem("green", (g, x, y, c) -> drawCrystal(g, GREEN_CRYSTAL, true, 1, x, y, c)));
    items.add(new LegendItem("yellow", (g, x, y, c) -> drawCrystal(g, YELLOW_CRYSTAL, true, 1, x, y, c)));
    items.add(new LegendItem("cooling", (g, x, y, c) -> drawCrystal(g, GREEN_CRYSTAL, false, 1, x, y, c)));
    items.add(new LegendItem("converter", (g, x, y, c) -> drawConverter(g, true, x, y, c)));
    items.add(new LegendItem("altar", (g, x, y, c) -> drawAltar(g, true, 0, x, y, c)));
    items.add(new LegendItem("altar cooling", (g, x, y, c) -> drawAltar(g, false, 0, x, y, c)));
    int groups = 0;
    for (int a = 0; a < view.agents(); a++) {
      groups = Math.max(groups, view.group(a) + 1);
    }
    for (int gr = 0; gr < Math.min(groups, GROUPS.size()); gr++) {
      Color col = groupColor(gr);
      items.add(new LegendItem(groups == 1 ? "agent" : "group " + gr, (g, x, y, c) -> {
        double r = c * 0.4;
        g.setColor(col);
        g.fill(new Ellipse2D.Double(x + c / 2.0 - r, y + c / 2.0 - r, 2 * r, 2 * r));
      }));
    }
    items.add(new LegendItem("shield", (g, x, y, c) -> {
      g.setColor(SHIELD);
      g.setStroke(new BasicStroke(2f));
      g.draw(new Ellipse2D.Double(x + 1.5, y + 1.5, c - 3, c - 3));
    }));
    items.add(new LegendItem("frozen", (g, x, y, c) -> {
      Ellipse2D egg = new Ellipse2D.Double(x + c * 0.22, y + 0.5, c * 0.56, c - 1);
      g.setColor(EGG);
      g.fill(egg);
      g.setColor(MUTED);
      g.setStroke(new BasicStroke(1f));
      g.draw(egg);
    }));
    return items;
  }

  private static int itemWidth(LegendItem item, FontMetrics fm) {
    return LEGEND_ICON + 4 + fm.stringWidth(item.label()) + 12;
  }

  private static FontMetrics legendMetrics() {
    BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = probe.createGraphics();
    try {
      return g.getFontMetrics(LEGEND_FONT);
    } finally {
      g.dispose();
    }
  }

  private static int legendLines(List<LegendItem> items, int width) {
    FontMetrics fm = legendMetrics();
    int lines = 1;
    int x = PAD;
    for (LegendItem it : items) {
      int w = itemWidth(it, fm);
      if (x > PAD && x + w > width - PAD) {
        lines++;
        x = PAD;
      }
      x += w;
    }
    return lines;
  }

  private static void drawLegend(Graphics2D g, List<LegendItem> items, int width) {
    g.setFont(LEGEND_FONT);
    FontMetrics fm = g.getFontMetrics();
    int x = PAD;
    int y = 0;
    for (LegendItem it : items) {
      int w = itemWidth(it, fm);
      if (x > PAD && x + w > width - PAD) {
        y += LEGEND_LINE;
        x = PAD;
      }
      int iy = y + (LEGEND_LINE - LEGEND_ICON) / 2;
      it.icon().draw(g, x, iy, LEGEND_ICON);
      g.setColor(TEXT);
      g.drawString(it.label(), x + LEGEND_ICON + 4, y + (LEGEND_LINE + fm.getAscent() - fm.getDescent()) / 2);
      x += w;
    }
  }
}
