package dev.kindred.env.energy;

import dev.kindred.env.Config;
import dev.kindred.env.EnvException;
import dev.kindred.env.Parameter;
import dev.kindred.env.ParameterType;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The energy economy: every cost and yield of the world, each configured as an integer range
 * {@code [min, max]} (or {@code [v]} for a fixed value) and sampled uniformly per episode.
 * The sampled values are part of every agent's {@code globals} observation, in the order of
 * this table.
 *
 * <p>Indices 0..7 are the action costs, aligned with the action ids of {@link ActionTable},
 * so {@code cost = sampled[actionId] * bodyMultiplier[actionId]}.
 */
public final class Economy {
  private Economy() {}

  public static final int NOOP_COST = 0;
  public static final int MOVE_COST = 1;
  public static final int ROTATE_COST = 2;
  public static final int USE_COST = 3;
  public static final int ATTACK_COST = 4;
  public static final int SHIELD_COST = 5;
  public static final int SWAP_COST = 6;
  public static final int GIVE_COST = 7;
  public static final int SHIELD_UPKEEP = 8;
  public static final int ATTACK_DAMAGE = 9;
  public static final int FREEZE_DURATION = 10;
  public static final int GIVE_ENERGY = 11;
  public static final int ALTAR_COST = 12;
  public static final int ALTAR_REWARD = 13;
  public static final int ALTAR_COOLDOWN = 14;
  public static final int CONVERTER_ENERGY = 15;
  public static final int CONVERTER_COOLDOWN = 16;
  public static final int CONVERTER_GREEN = 17;
  public static final int CONVERTER_YELLOW = 18;
  public static final int GENERATOR_COOLDOWN = 19;
  public static final int GENERATOR_STOCK = 20;
  public static final int GENERATOR_YIELD = 21;
  public static final int INITIAL_ENERGY = 22;

  /** One economy value: its config key, meaning, default range and hard bounds. */
  public record Item(String key, String description, int defaultMin, int defaultMax, int max) {}

  /** The table, in index order (also the order in the globals observation). */
  public static final List<Item> ITEMS = List.of(
      new Item("noop_cost", "energy cost of noop", 0, 0, 100_000),
      new Item("move_cost", "energy cost of a move", 1, 1, 100_000),
      new Item("rotate_cost", "energy cost of a rotation", 0, 0, 100_000),
      new Item("use_cost", "energy cost of using an object (on top of the altar's own cost)", 0, 0, 100_000),
      new Item("attack_cost", "energy cost of an attack", 5, 5, 100_000),
      new Item("shield_cost", "energy cost of toggling the shield on or off", 1, 1, 100_000),
      new Item("swap_cost", "energy cost of a swap with a frozen agent", 1, 1, 100_000),
      new Item("give_cost", "energy cost of a give (on top of the energy given)", 0, 0, 100_000),
      new Item("shield_upkeep", "energy drained every tick while the shield is on", 1, 1, 100_000),
      new Item("attack_damage", "energy a shielded target loses when hit", 5, 5, 100_000),
      new Item("freeze_duration", "ticks an unshielded target stays frozen when hit", 10, 10, 100_000),
      new Item("give_energy", "energy handed over by give(energy)", 10, 10, 100_000),
      new Item("altar_cost", "energy the heart altar takes per use", 100, 100, 1_000_000),
      new Item("altar_reward", "raw reward per altar use (one heart)", 1, 1, 1_000_000),
      new Item("altar_cooldown", "ticks after a use during which the altar cannot be used", 2, 2, 100_000),
      new Item("converter_energy", "energy a converter yields per use", 100, 100, 1_000_000),
      new Item("converter_cooldown", "ticks after a use during which a converter cannot be used", 2, 2, 100_000),
      new Item("converter_green", "green crystals a converter takes per use", 1, 1, 1_000),
      new Item("converter_yellow", "yellow crystals a converter takes per use", 1, 1, 1_000),
      new Item("generator_cooldown", "ticks after a use during which a generator cannot be used", 5, 5, 100_000),
      new Item("generator_stock", "crystals a generator holds at the start of an episode (it depletes)", 30, 30, 1_000_000),
      new Item("generator_yield", "crystals a generator hands out per use", 1, 1, 1_000),
      new Item("initial_energy", "energy of every agent at the start of an episode (capped at max_energy)", 250, 250, 1_000_000));

  public static final int SIZE = ITEMS.size();

  /** Schema parameters, one INT_LIST per item, with scenario-specific default overrides. */
  static List<Parameter> parameters(java.util.Map<String, int[]> overrides) {
    List<Parameter> out = new ArrayList<>();
    for (Item it : ITEMS) {
      int[] d = overrides.getOrDefault(it.key(), new int[] {it.defaultMin(), it.defaultMax()});
      out.add(new Parameter(it.key(), it.description() + ". [min, max] sampled uniformly per episode (integers), "
          + "or [v] for a fixed value; 0 <= min <= max <= " + it.max(), ParameterType.INT_LIST,
          List.of((long) d[0], (long) d[1]), 0.0, (double) it.max(), List.of()));
    }
    return out;
  }

  /** Reads the ranges from a config: {@code [SIZE][2]}; inverted or malformed ranges are errors. */
  static int[][] ranges(Config config) {
    int[][] out = new int[SIZE][];
    for (int i = 0; i < SIZE; i++) {
      String key = ITEMS.get(i).key();
      int[] v = config.getIntList(key);
      if (v.length == 1) {
        out[i] = new int[] {v[0], v[0]};
      } else if (v.length == 2) {
        if (v[0] > v[1]) {
          throw EnvException.invalid("config." + key, "inverted range [" + v[0] + ", " + v[1]
              + "]; expected [min, max] with min <= max");
        }
        out[i] = v;
      } else {
        throw EnvException.invalid("config." + key, "got a list of " + v.length
            + " values; expected [min, max] or [value]");
      }
    }
    return out;
  }

  /** Samples one episode's economy into {@code out}. */
  static void sample(int[][] ranges, SplittableRandom rng, int[] out) {
    for (int i = 0; i < SIZE; i++) {
      int lo = ranges[i][0];
      int hi = ranges[i][1];
      out[i] = lo == hi ? lo : lo + rng.nextInt(hi - lo + 1);
    }
  }
}
