package dev.kindred.env.energy;

/**
 * An agent's egocentric window on the map as the observation writers walk it: its top-left
 * corner ({@link #ox}, {@link #oy}; off the map near an edge), the part on the map ({@link #x0} to
 * {@link #x1}, {@link #y0} to {@link #y1}), the words of an {@link Occupancy} row that hold those
 * columns ({@link #w0} to {@link #w1}, masked by {@link #columns}). Set by {@link #frame}; shared by
 * {@link GridWriter} and {@link TokenWriter}.
 */
final class Window {
  final int view;
  final int radius;
  int ox;
  int oy;
  int x0;
  int x1;
  int y0;
  int y1;
  int w0;
  int w1;
  private long first;
  private long last;

  Window(int view) {
    this.view = view;
    this.radius = view / 2;
  }

  /** Sets the window of an agent standing at column {@code x}, row {@code y}. */
  void frame(EnergyState s, int x, int y) {
    ox = x - radius;
    oy = y - radius;
    x0 = Math.max(0, ox);
    x1 = Math.min(s.width - 1, ox + view - 1);
    y0 = Math.max(0, oy);
    y1 = Math.min(s.height - 1, oy + view - 1);
    w0 = x0 >>> 6;
    w1 = x1 >>> 6;
    first = -1L << x0;
    last = -1L >>> (63 - (x1 & 63));
  }

  /** The bits of {@code word}, word {@code wi} of an occupancy row, that lie in the window's columns. */
  long columns(long word, int wi) {
    return word & (wi == w0 ? first : -1L) & (wi == w1 ? last : -1L);
  }
}
