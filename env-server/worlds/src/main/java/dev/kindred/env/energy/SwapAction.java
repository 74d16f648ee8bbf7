package dev.kindred.env.energy;

/** Swaps places with the frozen agent in front (argument ignored); fails otherwise. */
final class SwapAction extends EnergyAction {
  SwapAction(int id) {
    super(id, "swap", "ignored");
  }

  @Override
  boolean apply(EnergyState s, int agent, int arg) {
    int front = s.neighbour(s.pos[agent], s.orient[agent]);
    if (front < 0 || s.grid[front] >= 0) {
      return false;
    }
    int other = EnergyState.agentOf(s.grid[front]);
    if (!s.isFrozen(other, s.step)) {
      return false;
    }
    int here = s.pos[agent];
    s.grid[here] = EnergyState.agentCode(other);
    s.grid[front] = EnergyState.agentCode(agent);
    s.pos[other] = here;
    s.pos[agent] = front;
    s.stats[agent * Stats.COUNT + Stats.SWAPS] += 1;
    return true;
  }
}
