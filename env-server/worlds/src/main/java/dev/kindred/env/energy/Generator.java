package dev.kindred.env.energy;

/**
 * A crystal source of one kind (green or yellow). A use hands the agent
 * {@code min(generator_yield, stock, inventory room)} crystals of its kind; it fails when the
 * generator is cooling down, depleted, or the agent has no room. It starts each episode with
 * {@code generator_stock} crystals and never refills.
 */
final class Generator extends EnergyObject {
  static final Generator GREEN = new Generator(CellKind.GREEN_GENERATOR, Observer.GREEN_GENERATOR, EnergyState.GREEN);
  static final Generator YELLOW = new Generator(CellKind.YELLOW_GENERATOR, Observer.YELLOW_GENERATOR, EnergyState.YELLOW);

  final int item;

  private Generator(CellKind kind, int channel, int item) {
    super(kind, channel);
    this.item = item;
  }

  @Override
  void reset(EnergyState s, int obj) {
    s.objReadyAt[obj] = 0;
    s.objStock[obj] = s.econ[Economy.GENERATOR_STOCK];
  }

  @Override
  boolean use(EnergyState s, int agent, int obj) {
    int t = s.step;
    int stock = s.objStock[obj];
    int slot = agent * EnergyState.ITEMS + item;
    int room = s.maxInventory - s.inventory[slot];
    int n = Math.min(Math.min(stock, room), s.econ[Economy.GENERATOR_YIELD]);
    if (t < s.objReadyAt[obj] || n <= 0) {
      return false;
    }
    s.objStock[obj] = stock - n;
    s.inventory[slot] += n;
    s.objReadyAt[obj] = t + s.econ[Economy.GENERATOR_COOLDOWN] + 1;
    s.stats[agent * Stats.COUNT + Stats.RESOURCES_COLLECTED] += n;
    return true;
  }
}
