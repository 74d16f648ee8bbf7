package dev.kindred.env.energy;

/**
 * Moves one cell forward (argument 0) or backward (1) without turning; fails into anything
 * but an empty cell, or off the map.
 */
final class MoveAction extends EnergyAction {
  MoveAction(int id) {
    super(id, "move", "0 forward, 1 backward", 2);
  }

  @Override
  boolean apply(EnergyState s, int agent, int arg) {
    if (arg > 1) {
      return false;
    }
    int dir = arg == 0 ? s.orient[agent] : (s.orient[agent] + 2) & 3;
    int to = s.neighbour(s.pos[agent], dir);
    if (to < 0 || s.grid[to] != EnergyState.EMPTY) {
      return false;
    }
    s.grid[s.pos[agent]] = EnergyState.EMPTY;
    s.grid[to] = EnergyState.agentCode(agent);
    s.pos[agent] = to;
    return true;
  }
}
