package dev.kindred.env.energy;

/**
 * The base type of every non-agent object on the grid. One shared instance per object type;
 * an object's state lives in {@link EnergyState}'s parallel arrays ({@code objReadyAt},
 * {@code objStock}), indexed by object index, so the step loop never allocates.
 *
 * <p>Cooldown convention (all objects): after a use in step t with cooldown C, the object
 * cannot be used in steps t+1 .. t+C and is usable again from step t+C+1 (cooldown 0: every
 * step). {@code objReadyAt} holds that first usable step.
 */
abstract class EnergyObject {
  final CellKind kind;
  /** The observation channel that marks this type's presence. */
  final int channel;

  EnergyObject(CellKind kind, int channel) {
    this.kind = kind;
    this.channel = channel;
  }

  /** Sets the object's state at the start of an episode (after the economy is sampled). */
  void reset(EnergyState s, int obj) {
    s.objReadyAt[obj] = 0;
    s.objStock[obj] = -1;
  }

  /**
   * Agent {@code agent} uses object {@code obj} in step {@code s.step}; the agent's action
   * cost is already paid. Returns whether it had an effect (false leaves everything as it was).
   */
  abstract boolean use(EnergyState s, int agent, int obj);

  /** Whether the object is off cooldown (and, for generators, not depleted) in step t. */
  boolean ready(EnergyState s, int obj, int t) {
    return t >= s.objReadyAt[obj] && s.objStock[obj] != 0;
  }
}
