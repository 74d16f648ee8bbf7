package dev.kindred.env.energy;

/**
 * Uses the object in the cell in front (generator, converter or altar; see their classes).
 * Fails on empty cells, walls, agents and off the map. The argument is ignored.
 */
final class UseAction extends EnergyAction {
  UseAction(int id) {
    super(id, "use", "ignored");
  }

  @Override
  boolean apply(EnergyState s, int agent, int arg) {
    int front = s.neighbour(s.pos[agent], s.orient[agent]);
    if (front < 0) {
      return false;
    }
    int code = s.grid[front];
    if (code < EnergyState.FIRST_OBJECT) {
      return false;
    }
    int obj = code - EnergyState.FIRST_OBJECT;
    return s.objType[obj].use(s, agent, obj);
  }
}
