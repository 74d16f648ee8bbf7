package dev.kindred.env.energy;

/**
 * Hands something to the agent in front (frozen or not): argument 0 gives give_energy energy
 * (the giver must have it after the give cost; the receiver takes what fits under
 * max_energy and at least 1 must fit), 1 one green crystal, 2 one yellow crystal (the receiver
 * needs room). Fails when no agent is in front or nothing can move.
 */
final class GiveAction extends EnergyAction {
  GiveAction(int id) {
    super(id, "give", "0 energy (give_energy), 1 one green crystal, 2 one yellow crystal", 3);
  }

  @Override
  boolean apply(EnergyState s, int agent, int arg) {
    if (arg > 2) {
      return false;
    }
    int front = s.neighbour(s.pos[agent], s.orient[agent]);
    if (front < 0 || s.grid[front] >= 0) {
      return false;
    }
    int other = EnergyState.agentOf(s.grid[front]);
    if (arg == 0) {
      int amount = s.econ[Economy.GIVE_ENERGY];
      int n = Math.min(amount, s.maxEnergy - s.energy[other]);
      if (amount <= 0 || s.energy[agent] < amount || n <= 0) {
        return false;
      }
      s.energy[agent] -= n;
      s.energy[other] += n;
      s.stats[agent * Stats.COUNT + Stats.ENERGY_GIVEN] += n;
      // Kin from the giver's side: it shares in the receiver's reward (K[giver][receiver] > 0).
      boolean kin = s.kin[agent * s.agents + other] > 0f;
      s.stats[agent * Stats.COUNT + (kin ? Stats.ENERGY_GIVEN_TO_KIN : Stats.ENERGY_GIVEN_TO_NONKIN)] += n;
    } else {
      int item = arg - 1;
      int from = agent * EnergyState.ITEMS + item;
      int to = other * EnergyState.ITEMS + item;
      if (s.inventory[from] <= 0 || s.inventory[to] >= s.maxInventory) {
        return false;
      }
      s.inventory[from]--;
      s.inventory[to]++;
    }
    s.stats[agent * Stats.COUNT + Stats.GIFTS] += 1;
    return true;
  }
}
