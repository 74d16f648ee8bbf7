package dev.kindred.env.energy;

import dev.kindred.env.DType;
import dev.kindred.env.FeatureSpec;
import dev.kindred.env.Scope;
import dev.kindred.env.TensorSpec;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Writes the three per-agent observations.
 *
 * <p>{@code grid}: UINT8 {@code [CHANNELS, view, view]}, an egocentric window centred on the
 * observer (not rotated: up is up; the observer's orientation is a channel and a global).
 * Cells off the map are all zero. Written by {@link GridWriter}, which visits only the occupied
 * cells ({@link Occupancy}) and rewrites only what may have changed since its previous write. Or, with
 * {@code observation = tokens}, {@code tokens}: UINT8 {@code [token_budget, 3]}, the same window
 * as (location, feature, value) triples of its nonzero bytes ({@link TokenWriter}).
 *
 * <p>{@code globals}: FLOAT32 {@code [GLOBALS]}: the observer's own state, the sampled economy
 * and its body multipliers (see {@link #globalFeatures}).
 *
 * <p>{@code action_mask}: UINT8 {@code [ActionTable.PAIRS]}, index {@code action * ARGUMENTS +
 * argument}: 1 at each canonical pair (see {@link EnergyAction#arguments}) that the agent can do
 * next step as far as its own state tells: it is not frozen and its energy covers the action's
 * cost. Where nothing is left, noop alone, so that every row offers a choice.
 */
final class Observer {
  static final int AGENT = 0;
  static final int AGENT_ENERGY = 1;
  static final int AGENT_ORIENTATION = 2;
  static final int AGENT_FROZEN = 3;
  static final int AGENT_SHIELD = 4;
  static final int AGENT_GROUP = 5;
  static final int AGENT_KINSHIP = 6;
  static final int AGENT_GREEN = 7;
  static final int AGENT_YELLOW = 8;
  static final int WALL = 9;
  static final int GREEN_GENERATOR = 10;
  static final int YELLOW_GENERATOR = 11;
  static final int CONVERTER = 12;
  static final int ALTAR = 13;
  static final int OBJECT_READY = 14;
  static final int OBJECT_COOLDOWN = 15;
  static final int GENERATOR_STOCK = 16;
  static final int CHANNELS = 17;

  static final Object[][] CHANNEL_DOCS = {
      {"agent", "1 where an agent stands (the observer itself at the centre)", 1.0},
      {"agent_energy", "the agent's energy: floor(255 * energy / max_energy)", 255.0},
      {"agent_orientation", "1 + the agent's orientation (1 up, 2 right, 3 down, 4 left)", 1.0},
      {"agent_frozen", "steps the agent stays frozen, capped at 255 (0: free)", 1.0},
      {"agent_shield", "1 if the agent's shield is on", 1.0},
      {"agent_group", "1 + the agent's group, capped at 255", 1.0},
      {"agent_kinship", "relatedness to the observer: round(255 * K[observer][agent]), the share of that agent's "
          + "reward the observer receives (255 on the observer itself under selfish kinship)", 255.0},
      {"agent_green", "green crystals the agent carries, capped at 255", 1.0},
      {"agent_yellow", "yellow crystals the agent carries, capped at 255", 1.0},
      {"wall", "1 where a wall stands", 1.0},
      {"green_generator", "1 where a green crystal generator stands", 1.0},
      {"yellow_generator", "1 where a yellow crystal generator stands", 1.0},
      {"converter", "1 where a converter stands", 1.0},
      {"altar", "1 where a heart altar stands", 1.0},
      {"object_ready", "1 where an object can be used next step (off cooldown; a generator also not depleted)", 1.0},
      {"object_cooldown", "steps until the object is off cooldown, capped at 255", 1.0},
      {"generator_stock", "crystals left in a generator, capped at 255", 1.0},
  };

  static final int G_ENERGY = 0;
  static final int G_ENERGY_FRACTION = 1;
  static final int G_GREEN = 2;
  static final int G_YELLOW = 3;
  static final int G_ORIENTATION = 4;
  static final int G_FROZEN = 5;
  static final int G_SHIELD = 6;
  static final int G_GROUP = 7;
  static final int G_LAST_ACTION = 8;
  static final int G_LAST_ARGUMENT = 9;
  static final int G_LAST_SUCCESS = 10;
  static final int G_LAST_REWARD = 11;
  static final int G_PROGRESS = 12;
  static final int G_DYNAMIC = 13;
  static final int G_ECONOMY = G_DYNAMIC;
  static final int G_BODY = G_ECONOMY + Economy.SIZE;
  static final int GLOBALS = G_BODY + ActionTable.COUNT;

  private static final VarHandle FLOAT = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);

  /** {@code observation = grid}: the dense window. */
  static final String GRID = "grid";
  /** {@code observation = tokens}: the window as (location, feature, value) triples. */
  static final String TOKENS = "tokens";
  static final List<String> WINDOW_OBSERVATIONS = List.of(GRID, TOKENS);
  /** The largest {@code view_size} of token observations: a location byte packs {@code row << 4 | column}. */
  static final int MAX_TOKEN_VIEW = 15;
  /** Token slots per agent unless configured (S1 under random actions drops none; the tests check it). */
  static final int DEFAULT_TOKEN_BUDGET = 200;
  /** Every byte of the largest token window: 15 x 15 cells x 9 channels (an agent's). */
  static final int MAX_TOKEN_BUDGET = MAX_TOKEN_VIEW * MAX_TOKEN_VIEW * TokenWriter.MAX_CELL_TOKENS;

  final int view;
  final int radius;
  final int plane;
  final int block;
  final int maxSteps;
  /** Tokens per agent, or 0: the dense {@code grid} observation. */
  final int tokenBudget;
  /** Bytes of one agent's window observation ({@code grid} or {@code tokens}). */
  final int windowBytes;
  private final int agents;
  /** Per agent, this episode's economy and body multipliers as little-endian floats. */
  private final byte[][] staticGlobals;
  /** Per agent, its observer-independent channel values for the current step. */
  private final byte[] agentBytes;
  private final Occupancy occupancy;
  private final GridWriter grid;
  private final TokenWriter tokens;
  /** Per agent, the set of doable actions its mask row was last written for. */
  private final int[] lastCan;
  // Where globals and masks were last written whole or in part, and whether those writes hold
  // (false after a new episode): the next write of the same block then writes only what changed.
  private byte[] globalsOut;
  private int globalsBase;
  private boolean globalsHeld;
  private byte[] maskOut;
  private int maskBase;
  private boolean maskHeld;

  /**
   * The template of a world's observers (it writes nothing; {@link #forCopy} makes the writers).
   *
   * @param tokenBudget tokens per agent for the {@code tokens} observation, or 0 for {@code grid}
   */
  Observer(int view, int agents, int maxSteps, int tokenBudget) {
    this.view = view;
    this.radius = view / 2;
    this.plane = view * view;
    this.block = CHANNELS * plane;
    this.maxSteps = maxSteps;
    this.tokenBudget = tokenBudget;
    this.windowBytes = tokenBudget > 0 ? 3 * tokenBudget : block;
    this.agents = agents;
    this.staticGlobals = null;
    this.agentBytes = null;
    this.occupancy = null;
    this.grid = null;
    this.tokens = null;
    this.lastCan = null;
  }

  private Observer(Observer o, int width, int height) {
    this.view = o.view;
    this.radius = o.radius;
    this.plane = o.plane;
    this.block = o.block;
    this.maxSteps = o.maxSteps;
    this.tokenBudget = o.tokenBudget;
    this.windowBytes = o.windowBytes;
    this.agents = o.agents;
    this.staticGlobals = new byte[agents][(GLOBALS - G_ECONOMY) * 4];
    this.agentBytes = new byte[agents * 8];
    this.occupancy = new Occupancy(width, height, agents, view);
    this.grid = tokenBudget > 0 ? null : new GridWriter(view, agents);
    this.tokens = tokenBudget > 0 ? new TokenWriter(view, agents, tokenBudget) : null;
    this.lastCan = new int[agents];
  }

  /** A writer with its own scratch, one per copy (copies may be stepped concurrently). */
  Observer forCopy(int width, int height) {
    return new Observer(this, width, height);
  }

  /** Refreshes the per-episode part of the globals and the map's fixed occupants after a reset. */
  void episodeStarted(EnergyState s) {
    for (int a = 0; a < agents; a++) {
      byte[] g = staticGlobals[a];
      for (int i = 0; i < Economy.SIZE; i++) {
        FLOAT.set(g, 4 * i, (float) s.econ[i]);
      }
      for (int k = 0; k < ActionTable.COUNT; k++) {
        FLOAT.set(g, 4 * (Economy.SIZE + k), s.body[a * ActionTable.COUNT + k]);
      }
    }
    occupancy.episodeStarted(s);
    globalsHeld = false;
    maskHeld = false;
    if (tokens != null) {
      tokens.episodeStarted();
    } else {
      grid.episodeStarted();
    }
  }

  /** Tokens left out of {@code agent}'s observations this episode (0 unless tokens are observed). */
  long tokensDropped(int agent) {
    return tokens == null ? 0 : tokens.dropped(agent);
  }

  /**
   * Writes every agent's window observation ({@code grid} or {@code tokens}) into {@code out}
   * from {@code base} (the copy's block).
   *
   * @param claimed whether the buffers say the block still holds this observer's last write
   *                ({@link dev.kindred.env.WorldBuffers#claimObservation}); when not, the
   *                block is written whole
   */
  void writeWindows(EnergyState s, byte[] out, int base, boolean claimed) {
    final byte[] ab = agentBytes;
    for (int j = 0; j < s.agents; j++) {
      int o = j * 8;
      ab[o] = (byte) (s.energy[j] * 255L / s.maxEnergy);
      ab[o + 1] = (byte) (s.orient[j] + 1);
      ab[o + 2] = (byte) Math.min(255, Math.max(0, s.frozenUntil[j] - s.step));
      ab[o + 3] = (byte) (s.shield[j] ? 1 : 0);
      ab[o + 4] = (byte) Math.min(255, s.group[j] + 1);
      ab[o + 5] = (byte) Math.min(255, s.inventory[j * EnergyState.ITEMS]);
      ab[o + 6] = (byte) Math.min(255, s.inventory[j * EnergyState.ITEMS + 1]);
    }
    occupancy.placeAgents(s);
    if (tokens != null) {
      tokens.write(s, occupancy, ab, out, base, claimed);
    } else {
      grid.write(s, occupancy, ab, out, base, claimed);
    }
  }

  /**
   * The nonzero bytes of the copy's {@code grid} block as the last {@link #writeWindows} left it in
   * {@code out} from {@code origin + offset}, at their offsets from {@code origin} (see
   * {@link GridWriter#nonzeros}); false for the tokens observation, or when the block may not hold
   * that write.
   */
  boolean gridNonzeros(EnergyState s, byte[] out, int origin, int offset, dev.kindred.env.NonzeroList sink) {
    return grid != null && grid.nonzeros(s, occupancy, agentBytes, out, origin, offset, sink);
  }

  /**
   * Writes every agent's globals into {@code out} from {@code base} (the copy's block). The
   * per-episode part (economy and body) is left alone when the block holds this observer's last
   * write of this episode.
   *
   * @param claimed whether the buffers say the block still holds this observer's last write
   */
  void writeGlobals(EnergyState s, byte[] out, int base, boolean claimed) {
    final boolean held = claimed && globalsHeld && out == globalsOut && base == globalsBase;
    globalsOut = out;
    globalsBase = base;
    float progress = maxSteps > 0 ? (float) s.step / maxSteps : 0f;
    float maxEnergy = s.maxEnergy;
    int staticBytes = (GLOBALS - G_ECONOMY) * 4;
    for (int a = 0; a < s.agents; a++) {
      int o = base + a * GLOBALS * 4;
      FLOAT.set(out, o, (float) s.energy[a]);
      FLOAT.set(out, o + 4, s.energy[a] / maxEnergy);
      FLOAT.set(out, o + 8, (float) s.inventory[a * EnergyState.ITEMS]);
      FLOAT.set(out, o + 12, (float) s.inventory[a * EnergyState.ITEMS + 1]);
      FLOAT.set(out, o + 16, (float) s.orient[a]);
      FLOAT.set(out, o + 20, (float) Math.max(0, s.frozenUntil[a] - s.step));
      FLOAT.set(out, o + 24, s.shield[a] ? 1f : 0f);
      FLOAT.set(out, o + 28, (float) s.group[a]);
      FLOAT.set(out, o + 32, (float) s.lastAction[a]);
      FLOAT.set(out, o + 36, (float) s.lastArgument[a]);
      FLOAT.set(out, o + 40, (float) s.lastSuccess[a]);
      FLOAT.set(out, o + 44, s.lastReward[a]);
      FLOAT.set(out, o + 48, progress);
      if (!held) {
        System.arraycopy(staticGlobals[a], 0, out, o + G_DYNAMIC * 4, staticBytes);
      }
    }
    globalsHeld = true;
  }

  /**
   * Writes every agent's action mask into {@code out} from {@code base} (the copy's block): the
   * set of actions it is free to do and can pay for, as 8 bits, picks one of 256 prepared rows
   * (the readable version is {@code EnergyActionMaskTest.referenceMask}). An agent's row is
   * left alone when the block holds this observer's last write and the set is the same.
   *
   * @param claimed whether the buffers say the block still holds this observer's last write
   */
  void writeMask(EnergyState s, byte[] out, int base, boolean claimed) {
    final boolean held = claimed && maskHeld && out == maskOut && base == maskBase;
    final int[] lastCan = this.lastCan;
    maskOut = out;
    maskBase = base;
    maskHeld = false;
    final int next = s.step + 1;
    final int[] energy = s.energy;
    final int[] cost = s.cost;
    final int[] frozenUntil = s.frozenUntil;
    final byte[] rows = MASK_ROWS;
    for (int a = 0; a < s.agents; a++) {
      int can = 0;
      if (next > frozenUntil[a]) {
        int e = energy[a];
        int c = a * ActionTable.COUNT;
        for (int k = 0; k < ActionTable.COUNT; k++) {
          if (e >= cost[c + k]) {
            can |= 1 << k;
          }
        }
      }
      if (!held || lastCan[a] != can) {
        System.arraycopy(rows, can * ActionTable.PAIRS, out, base + a * ActionTable.PAIRS, ActionTable.PAIRS);
        lastCan[a] = can;
      }
    }
    maskHeld = true;
  }

  /**
   * The mask row of every set of doable actions (bit k: action k): 1 at each canonical pair of
   * those actions; the empty set's row is noop alone.
   */
  private static final byte[] MASK_ROWS = new byte[(1 << ActionTable.COUNT) * ActionTable.PAIRS];

  static {
    for (int can = 0; can < 1 << ActionTable.COUNT; can++) {
      int row = can * ActionTable.PAIRS;
      for (EnergyAction a : ActionTable.TABLE) {
        if ((can & 1 << a.id) != 0) {
          Arrays.fill(MASK_ROWS, row + a.id * ActionTable.ARGUMENTS, row + a.id * ActionTable.ARGUMENTS + a.arguments,
              (byte) 1);
        }
      }
    }
    MASK_ROWS[ActionTable.NOOP * ActionTable.ARGUMENTS] = 1;
  }

  /** The spec of the window observation this observer writes: {@code grid} or {@code tokens}. */
  TensorSpec windowSpec() {
    return tokenBudget > 0 ? tokensSpec() : gridSpec();
  }

  private List<FeatureSpec> channelFeatures() {
    List<FeatureSpec> f = new ArrayList<>();
    for (int c = 0; c < CHANNELS; c++) {
      f.add(new FeatureSpec((String) CHANNEL_DOCS[c][0], (String) CHANNEL_DOCS[c][1], c, (Double) CHANNEL_DOCS[c][2]));
    }
    return f;
  }

  TensorSpec tokensSpec() {
    return new TensorSpec("tokens", "the egocentric " + view + "x" + view + " window of the grid observation as up to "
        + tokenBudget + " (location, feature, value) triples, one per nonzero byte of the window: location "
        + "row << 4 | column (row 0 is the top, column 0 the left, not rotated), feature the grid's channel, value "
        + "its byte; cells off the map and zeros give none. Tokens come cell by cell in row-major order, each "
        + "cell's in increasing feature id; unused slots are 255, 255, 255. Setting grid[feature][row][column] = "
        + "value for every used slot gives the grid observation exactly while the window holds at most "
        + tokenBudget + " tokens. Beyond that, whole cells are left out, the farthest from the centre first "
        + "(Manhattan distance; of equally far cells the later in row-major order first) until the rest fit, "
        + "and the episode statistic tokens_dropped counts the tokens left out. Layout [slot, 3]; features "
        + "index the feature id (the triple's middle byte), each with its scale (value / scale is the "
        + "quantity's natural range)", DType.UINT8, new int[] {tokenBudget, 3}, Scope.AGENT, 0.0, 255.0,
        channelFeatures());
  }

  TensorSpec gridSpec() {
    List<FeatureSpec> f = channelFeatures();
    return new TensorSpec("grid", "egocentric " + view + "x" + view + " window centred on the agent, not rotated "
        + "(row 0 is the top, column 0 the left); cells off the map are 0. Layout [channel, row, column]; "
        + "features index the channel axis (the first), each with its scale (value / scale is the quantity's "
        + "natural range)", DType.UINT8, new int[] {CHANNELS, view, view}, Scope.AGENT, 0.0, 255.0, f);
  }

  TensorSpec maskSpec() {
    List<FeatureSpec> f = new ArrayList<>();
    for (EnergyAction a : ActionTable.TABLE) {
      for (int arg = 0; arg < ActionTable.ARGUMENTS; arg++) {
        String what;
        if (arg >= a.arguments) {
          what = a.ignoresArgument ? "always 0: " + a.name + " ignores its argument (see " + a.name + ".0)"
              : "always 0: " + a.name + " does not define argument " + arg;
        } else if (a.ignoresArgument) {
          what = a.name + " (the argument is ignored; 0 stands for every value)";
        } else {
          what = a.name + " with argument " + arg + " (" + a.argument + ")";
        }
        f.add(new FeatureSpec(a.name + "." + arg, what, a.id * ActionTable.ARGUMENTS + arg));
      }
    }
    return new TensorSpec(ActionTable.MASK_OBSERVATION, "which [action, argument] pairs the agent can do next "
        + "step, flat at action * " + ActionTable.ARGUMENTS + " + argument: 1 at a canonical pair (an argument the "
        + "action defines; argument 0 alone for noop, use, shield and swap, which ignore it) when the agent is "
        + "not frozen and its energy covers the action's cost; non-canonical pairs are always 0. A pair marked 1 "
        + "may still fail for reasons the mask does not know (a wall ahead, nobody in front, an object cooling "
        + "down, an agent acting earlier in the step); one marked 0 fails, unless an agent acting earlier in the "
        + "step gives this one the energy it lacked. When nothing can be done (frozen, or too poor for every "
        + "action) noop alone is 1, so that every row has a choice for a masked sampler.",
        DType.UINT8, new int[] {ActionTable.PAIRS}, Scope.AGENT, 0.0, 1.0, f);
  }

  /**
   * The globals' spec, with {@code bounds[i] = {low, high}} of feature i (see
   * {@code EnergyWorld.globalsSpec}); the tensor's own bounds are the widest of them.
   */
  TensorSpec globalsSpec(double[][] bounds) {
    double low = Double.POSITIVE_INFINITY;
    double high = Double.NEGATIVE_INFINITY;
    for (double[] b : bounds) {
      low = Math.min(low, b[0]);
      high = Math.max(high, b[1]);
    }
    List<FeatureSpec> f = new ArrayList<>();
    String[][] own = {
        {"energy", "own energy"},
        {"energy_fraction", "own energy / max_energy"},
        {"green", "green crystals carried"},
        {"yellow", "yellow crystals carried"},
        {"orientation", "0 up, 1 right, 2 down, 3 left"},
        {"frozen", "steps still frozen (0: free)"},
        {"shield", "1 if the shield is on"},
        {"group", "own group (0-based)"},
        {"last_action", "the action id taken last step (0 after reset)"},
        {"last_argument", "its argument"},
        {"last_success", "1 if it had its effect"},
        {"last_reward", "reward received last step, after kinship sharing"},
        {"progress", "steps taken / max_steps"},
    };
    for (int i = 0; i < own.length; i++) {
      f.add(new FeatureSpec(own[i][0], own[i][1], i, 1.0, bounds[i][0], bounds[i][1]));
    }
    for (int i = 0; i < Economy.SIZE; i++) {
      Economy.Item it = Economy.ITEMS.get(i);
      f.add(new FeatureSpec("economy." + it.key(), "this episode's sampled " + it.description(), G_ECONOMY + i, 1.0,
          bounds[G_ECONOMY + i][0], bounds[G_ECONOMY + i][1]));
    }
    for (int k = 0; k < ActionTable.COUNT; k++) {
      f.add(new FeatureSpec("body." + ActionTable.TABLE[k].name, "own body's cost multiplier for "
          + ActionTable.TABLE[k].name + (k == ActionTable.SHIELD ? " (toggle and upkeep)" : ""), G_BODY + k, 1.0,
          bounds[G_BODY + k][0], bounds[G_BODY + k][1]));
    }
    return new TensorSpec("globals", "the agent's own state, last action and reward, episode progress, this episode's "
        + "sampled economy (raw values) and its body's cost multipliers; each feature has its own bounds (energy "
        + "up to max_energy, crystals up to max_inventory, economy values within their ranges, ...), and low and "
        + "high are the widest of them", DType.FLOAT32, new int[] {GLOBALS}, Scope.AGENT, low, high, f);
  }
}
