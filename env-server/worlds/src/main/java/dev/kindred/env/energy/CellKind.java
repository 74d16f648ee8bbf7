package dev.kindred.env.energy;

/** What occupies a grid cell, as seen by renderers (see {@link EnergyView}). */
public enum CellKind {
  EMPTY('.'),
  WALL('#'),
  AGENT('A'),
  GREEN_GENERATOR('g'),
  YELLOW_GENERATOR('y'),
  CONVERTER('c'),
  ALTAR('h');

  private final char glyph;

  CellKind(char glyph) {
    this.glyph = glyph;
  }

  /** The character of this kind in ASCII maps and in {@link EnergyWorld#render(int)}. */
  public char glyph() {
    return glyph;
  }
}
