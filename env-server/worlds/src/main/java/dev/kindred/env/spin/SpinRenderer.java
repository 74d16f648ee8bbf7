package dev.kindred.env.spin;

import dev.kindred.env.WorldRenderer;

/**
 * Pictures of a spin world's copies. A lattice is drawn as itself; any other graph as its spins
 * in index order, row by row, on the smallest square that holds them. Spin +1 is red, −1 blue;
 * a controlled spin (an agent) carries a white dot, a clamped spin a dark frame. The text form
 * uses {@code +}/{@code -} for free spins, {@code U}/{@code D} for controlled and {@code u}/{@code d}
 * for clamped ones, after a line with the step and the magnetisation.
 */
final class SpinRenderer implements WorldRenderer {
  static final int UP = 0xd1495b;
  static final int DOWN = 0x2e86ab;
  static final int MARK = 0xffffff;
  static final int FRAME = 0x1d1d1d;

  private final SpinSystem system;
  private final long[] stepCount;
  private final int columns;
  private final int rows;
  /** 0 free, 1 controlled, 2 clamped, per site. */
  private final byte[] role;

  SpinRenderer(SpinSystem system, long[] stepCount, int[] controlled, int[] clamped) {
    this.system = system;
    this.stepCount = stepCount;
    if (system.graph.isLattice()) {
      columns = system.graph.width;
      rows = system.graph.height;
    } else {
      columns = (int) Math.ceil(Math.sqrt(system.n));
      rows = (system.n + columns - 1) / columns;
    }
    role = new byte[system.n];
    for (int i : controlled) {
      role[i] = 1;
    }
    for (int i : clamped) {
      role[i] = 2;
    }
  }

  @Override
  public int minCellPixels() {
    return 1;
  }

  @Override
  public int defaultCellPixels() {
    return 8;
  }

  @Override
  public long pixels(int cellPixels) {
    return (long) columns * rows * cellPixels * cellPixels;
  }

  @Override
  public Frame rgb(int copy, int cellPixels) {
    if (cellPixels < 1 || cellPixels > MAX_CELL_PIXELS) {
      throw new IllegalArgumentException("cell_pixels must be in 1.." + MAX_CELL_PIXELS + ", got " + cellPixels);
    }
    int w = columns * cellPixels;
    int h = rows * cellPixels;
    byte[] rgb = new byte[w * h * 3];
    java.util.Arrays.fill(rgb, (byte) 0xff);
    int base = copy * system.n;
    int dot = Math.max(1, cellPixels / 3);
    int dotFrom = (cellPixels - dot) / 2;
    int frame = cellPixels >= 4 ? Math.max(1, cellPixels / 8) : 0;
    for (int i = 0; i < system.n; i++) {
      int x0 = (i % columns) * cellPixels;
      int y0 = (i / columns) * cellPixels;
      int colour = system.spins[base + i] > 0 ? UP : DOWN;
      for (int dy = 0; dy < cellPixels; dy++) {
        for (int dx = 0; dx < cellPixels; dx++) {
          int c = colour;
          if (role[i] == 1 && dx >= dotFrom && dx < dotFrom + dot && dy >= dotFrom && dy < dotFrom + dot) {
            c = MARK;
          } else if (role[i] == 2 && (dx < frame || dy < frame || dx >= cellPixels - frame || dy >= cellPixels - frame)) {
            c = FRAME;
          }
          int p = ((y0 + dy) * w + x0 + dx) * 3;
          rgb[p] = (byte) (c >>> 16);
          rgb[p + 1] = (byte) (c >>> 8);
          rgb[p + 2] = (byte) c;
        }
      }
    }
    return new Frame(w, h, rgb);
  }

  @Override
  public String text(int copy) {
    int base = copy * system.n;
    long sum = 0;
    for (int i = 0; i < system.n; i++) {
      sum += system.spins[base + i];
    }
    StringBuilder b = new StringBuilder(system.n + rows + 64);
    b.append("step ").append(stepCount[copy]).append(" magnetisation ")
        .append(String.format(java.util.Locale.ROOT, "%.4f", (double) sum / system.n)).append('\n');
    for (int i = 0; i < system.n; i++) {
      boolean up = system.spins[base + i] > 0;
      b.append(switch (role[i]) {
        case 1 -> up ? 'U' : 'D';
        case 2 -> up ? 'u' : 'd';
        default -> up ? '+' : '-';
      });
      if ((i + 1) % columns == 0 || i == system.n - 1) {
        b.append('\n');
      }
    }
    return b.toString();
  }
}
