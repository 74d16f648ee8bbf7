package dev.kindred.env;

/**
 * Pictures of a world's copies, for viewers and the Gymnasium/PettingZoo {@code render()} of
 * the clients. Renderers read the copy's state between calls to reset/step (the caller holds
 * whatever lock serialises those), never concurrently with them.
 */
public interface WorldRenderer {
  /** The largest accepted {@code cellPixels}. */
  int MAX_CELL_PIXELS = 64;

  /** The smallest {@code cellPixels} this world draws. */
  int minCellPixels();

  /** The {@code cellPixels} used when a caller does not choose. */
  int defaultCellPixels();

  /**
   * The number of pixels a frame with squares of {@code cellPixels} would have, computed
   * without drawing, so that a caller can refuse a frame that is too large before any work.
   */
  long pixels(int cellPixels);

  /**
   * Draws {@code copy} with a square of {@code cellPixels} per cell (or spin).
   *
   * @throws IllegalArgumentException when {@code cellPixels} is outside {@link #minCellPixels()}..{@link #MAX_CELL_PIXELS}
   */
  Frame rgb(int copy, int cellPixels);

  /** A text picture of {@code copy} (lines separated by {@code \n}). */
  String text(int copy);

  /**
   * An RGB image: {@code rgb} holds {@code height} rows of {@code width} pixels, three bytes
   * (red, green, blue) per pixel, top row first.
   */
  record Frame(int width, int height, byte[] rgb) {
    public Frame {
      if (width <= 0 || height <= 0 || rgb.length != width * height * 3) {
        throw new IllegalArgumentException("frame of " + width + "x" + height + " needs " + width * height * 3
            + " bytes, got " + rgb.length);
      }
    }
  }
}
