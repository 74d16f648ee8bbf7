package dev.kindred.env.energy;

/**
 * A wall: blocks movement and has no state. Walls are stored as a cell code
 * ({@link EnergyState#WALL}), not in the object arrays, since thousands of them carry nothing.
 */
final class Wall extends EnergyObject {
  static final Wall INSTANCE = new Wall();

  private Wall() {
    super(CellKind.WALL, Observer.WALL);
  }

  @Override
  boolean use(EnergyState s, int agent, int obj) {
    return false;
  }
}
