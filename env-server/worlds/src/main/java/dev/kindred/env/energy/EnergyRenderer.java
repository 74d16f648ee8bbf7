package dev.kindred.env.energy;

import dev.kindred.env.WorldRenderer;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;

/**
 * The energy world's {@link WorldRenderer}: {@link FrameRenderer}'s frames as RGB bytes and
 * {@link EnergyWorld#render}'s text.
 */
public final class EnergyRenderer implements WorldRenderer {
  /** The smallest cell {@link FrameRenderer} draws. */
  public static final int MIN_CELL_PIXELS = 4;
  /** More than the legend of any map needs, so {@link #pixels} bounds the frame from above. */
  private static final int LEGEND_ALLOWANCE = 160;

  private final EnergyWorld world;

  /** Frames titled with the world's id and the copy. */
  public EnergyRenderer(EnergyWorld world) {
    this.world = world;
  }

  @Override
  public int minCellPixels() {
    return MIN_CELL_PIXELS;
  }

  @Override
  public int defaultCellPixels() {
    return 16;
  }

  @Override
  public long pixels(int cellPixels) {
    EnergyView v = world.view(0);
    long w = (long) v.width() * cellPixels;
    return w * ((long) v.height() * cellPixels + FrameRenderer.TITLE_HEIGHT + LEGEND_ALLOWANCE);
  }

  @Override
  public Frame rgb(int copy, int cellPixels) {
    if (cellPixels < MIN_CELL_PIXELS || cellPixels > MAX_CELL_PIXELS) {
      throw new IllegalArgumentException("cell_pixels must be in " + MIN_CELL_PIXELS + ".." + MAX_CELL_PIXELS
          + " for the energy world, got " + cellPixels);
    }
    BufferedImage img = FrameRenderer.render(world.view(copy), cellPixels, world.spec().worldId() + " copy " + copy);
    return toFrame(img);
  }

  @Override
  public String text(int copy) {
    return world.render(copy);
  }

  /** The pixels of a {@code TYPE_INT_RGB} image as RGB bytes. */
  static Frame toFrame(BufferedImage img) {
    int w = img.getWidth();
    int h = img.getHeight();
    int[] px = ((DataBufferInt) img.getRaster().getDataBuffer()).getData();
    byte[] rgb = new byte[w * h * 3];
    for (int i = 0, j = 0; i < w * h; i++) {
      int p = px[i];
      rgb[j++] = (byte) (p >>> 16);
      rgb[j++] = (byte) (p >>> 8);
      rgb[j++] = (byte) p;
    }
    return new Frame(w, h, rgb);
  }
}
