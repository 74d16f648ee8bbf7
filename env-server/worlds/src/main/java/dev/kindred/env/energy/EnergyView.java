package dev.kindred.env.energy;

/**
 * A read-only, live view of one copy's state for renderers (PNG frames, replay viewers) and
 * tests. Coordinates: x to the right, y downwards, cell (0, 0) top-left. Orientation: 0 up
 * (y - 1), 1 right, 2 down, 3 left. The view reads the copy's arrays directly, without
 * copying: read it between calls to reset/step, never concurrently with them.
 */
public interface EnergyView {
  int width();

  int height();

  /** Steps taken in the current episode (0 right after reset). */
  int step();

  /** What occupies cell (x, y). */
  CellKind cell(int x, int y);

  /** Index of the agent at (x, y), or -1. */
  int agentAt(int x, int y);

  int agents();

  int agentX(int agent);

  int agentY(int agent);

  /** 0 up, 1 right, 2 down, 3 left. */
  int orientation(int agent);

  int energy(int agent);

  /** The energy cap (the agent_energy channel is floor(255 * energy / maxEnergy)). */
  int maxEnergy();

  /** Crystals carried: item 0 green, 1 yellow. */
  int inventory(int agent, int item);

  /** Steps the agent still cannot act (0: free). */
  int frozenTicks(int agent);

  boolean shielded(int agent);

  int group(int agent);

  /** K[receiver][source] of this episode: the share of source's raw reward receiver gets. */
  float kinship(int receiver, int source);

  /** Number of stateful objects (generators, converters, altars; walls are cells only). */
  int objects();

  CellKind objectKind(int object);

  int objectX(int object);

  int objectY(int object);

  /** Whether the object can be used in the next step. */
  boolean objectReady(int object);

  /** Steps until the object is off cooldown (0: not cooling down). */
  int objectCooldown(int object);

  /** Crystals left in a generator; -1 for other objects. */
  int objectStock(int object);

  /** This episode's sampled economy value at {@code index} (see {@link Economy#ITEMS}). */
  int economy(int index);

  /** The inventory cap per item. */
  int maxInventory();

  /** Number of action kinds (ids 0 .. actionKinds() - 1, as in the action spec's first dimension). */
  int actionKinds();

  /** Agent {@code agent}'s body multiplier of action {@code action}'s cost (sampled economy x this = cost). */
  float bodyMultiplier(int agent, int action);

  /** The energy agent {@code agent} pays for action {@code action} this episode (economy x body, rounded). */
  int actionCost(int agent, int action);

  /**
   * The first step at which the object can be used again (0 at reset): after a use in step t with
   * cooldown C it is t + C + 1. {@link #objectCooldown} is the same seen from the next step.
   */
  int objectReadyAt(int object);
}
