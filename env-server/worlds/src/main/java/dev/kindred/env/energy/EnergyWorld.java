package dev.kindred.env.energy;

import dev.kindred.env.Config;
import dev.kindred.env.EnvException;
import dev.kindred.env.RewardSpec;
import dev.kindred.env.TensorSpec;
import dev.kindred.env.World;
import dev.kindred.env.WorldBuffers;
import dev.kindred.env.WorldRenderer;
import dev.kindred.env.WorldSpec;
import dev.kindred.env.WorldContext;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The energy/kinship world: agents on a grid gather green and yellow crystals from
 * generators, turn them into energy at converters and spend energy at the heart altar for
 * reward, which is shared through the kinship matrix ({@link Kinship}). Every action costs
 * energy ({@link Economy}, sampled per episode, times the agent's body multipliers).
 *
 * <p>One step of a copy: agents act one after another (see {@link ActionTable} and the action
 * classes), in an order drawn anew each step ({@code agent_order = random}, the default: a
 * uniformly random permutation from the copy's own stream) or in index order
 * ({@code agent_order = index}); then every shielded agent pays its upkeep (or its shield drops);
 * then rewards are shared, {@code r' = K r}; then the episode is truncated if {@code max_steps}
 * steps have been taken; then observations are written ({@link Observer}). All randomness
 * (placement, economy, random kinship, the seed of the agent-order stream) is drawn at reset
 * from the episode seed, so a trajectory depends only on the seed and the actions. No
 * allocation per step.
 */
public final class EnergyWorld implements World {
  private final WorldSpec spec;
  private final int copies;
  private final MapTemplate map;
  private final int[][] economyRanges;
  private final Kinship kinship;
  private final int maxSteps;
  private final EnergyRenderer renderer = new EnergyRenderer(this);
  private final boolean randomOrder;
  /** Whether the window is observed as tokens (and the episode statistics count the dropped ones). */
  private final boolean tokens;
  private final EnergyState[] states;
  private final Observer[] observers;
  private final byte[][] scratchGrid;
  private final byte[][] scratchGlobals;
  private final byte[][] scratchMask;

  EnergyWorld(String worldId, Config config, int copies, WorldContext context) {
    this.copies = copies;
    this.map = loadMap(config, context);
    int agents = map.agents;
    this.economyRanges = Economy.ranges(config);
    this.kinship = new Kinship(config, agents);
    this.maxSteps = config.getInt("max_steps");
    String agentOrder = config.getString("agent_order");
    this.randomOrder = agentOrder.equals(ActionTable.ORDER_RANDOM);
    int view = config.getInt("view_size");
    if (view % 2 == 0) {
      throw EnvException.invalid("config.view_size", "got " + view + "; expected an odd number (the agent sits at the centre)");
    }
    this.tokens = config.getString("observation").equals(Observer.TOKENS);
    if (tokens && view > Observer.MAX_TOKEN_VIEW) {
      throw EnvException.invalid("config.view_size", "got " + view + "; expected at most " + Observer.MAX_TOKEN_VIEW
          + " with observation = tokens (a token's location byte packs row << 4 | column)");
    }
    int maxEnergy = config.getInt("max_energy");
    int maxInventory = config.getInt("max_inventory");
    float[] body = bodies(config, agents);
    int[] initialEnergy = initialEnergy(config, agents);
    Observer observer = new Observer(view, agents, maxSteps, tokens ? config.getInt("token_budget") : 0);
    this.states = new EnergyState[copies];
    this.observers = new Observer[copies];
    this.scratchGrid = new byte[copies][];
    this.scratchGlobals = new byte[copies][];
    this.scratchMask = new byte[copies][];
    for (int c = 0; c < copies; c++) {
      if ((c & 255) == 0) {
        context.cancellation().check(); // many copies of a large map take a while
      }
      states[c] = new EnergyState(map, maxEnergy, maxInventory, kinship.groups(), body, initialEnergy);
      observers[c] = observer.forCopy(map.width, map.height);
    }
    List<String> names = new ArrayList<>();
    for (int a = 0; a < agents; a++) {
      names.add("agent_" + a);
    }
    Map<String, String> props = new LinkedHashMap<>();
    props.put("width", Integer.toString(map.width));
    props.put("height", Integer.toString(map.height));
    props.put("objects", Integer.toString(map.objType.length));
    props.put("map", config.has("map") ? "ascii" : config.has("map_file") ? "file:" + config.getString("map_file") : "builder");
    props.put("kinship", kinship.preset());
    props.put("view_size", Integer.toString(view));
    props.put("agent_order", agentOrder);
    props.put("observation", tokens ? Observer.TOKENS : Observer.GRID);
    this.spec = new WorldSpec(worldId, names,
        List.of(observer.windowSpec(), globalsSpec(observer, maxEnergy, maxInventory, body, agents), observer.maskSpec()),
        ActionTable.spec(agentOrder),
        new RewardSpec("hearts: each altar use earns the user altar_reward raw reward; agent i receives "
            + "r'_i = sum_j K[i][j] r_j (K: the kinship matrix, receiver-major)", 0.0,
            (double) economyRanges[Economy.ALTAR_REWARD][1] * agents),
        maxSteps, false, "truncated after max_steps steps; never terminates", Stats.specs(tokens), props);
  }

  /**
   * The globals' spec with each feature's bounds: energy up to max_energy, crystals up to
   * max_inventory, the freeze up to the longest freeze_duration + 1 (counted from the hit's
   * step), ids up to the largest id, the last reward up to altar_reward's maximum times the
   * number of agents (every kinship entry is at most 1 and an agent uses the altar at most once a
   * step), each economy value within its configured range and each body multiplier within the
   * agents' bodies; the tensor's bounds are the widest of these.
   */
  private TensorSpec globalsSpec(Observer observer, int maxEnergy, int maxInventory, float[] body, int agents) {
    double[][] b = new double[Observer.GLOBALS][];
    int maxGroup = 0;
    for (int g : kinship.groups()) {
      maxGroup = Math.max(maxGroup, g);
    }
    b[Observer.G_ENERGY] = new double[] {0, maxEnergy};
    b[Observer.G_ENERGY_FRACTION] = new double[] {0, 1};
    b[Observer.G_GREEN] = new double[] {0, maxInventory};
    b[Observer.G_YELLOW] = new double[] {0, maxInventory};
    b[Observer.G_ORIENTATION] = new double[] {0, 3};
    b[Observer.G_FROZEN] = new double[] {0, economyRanges[Economy.FREEZE_DURATION][1] + 1.0};
    b[Observer.G_SHIELD] = new double[] {0, 1};
    b[Observer.G_GROUP] = new double[] {0, maxGroup};
    b[Observer.G_LAST_ACTION] = new double[] {0, ActionTable.COUNT - 1};
    b[Observer.G_LAST_ARGUMENT] = new double[] {0, ActionTable.ARGUMENTS - 1};
    b[Observer.G_LAST_SUCCESS] = new double[] {0, 1};
    b[Observer.G_LAST_REWARD] = new double[] {0, (double) economyRanges[Economy.ALTAR_REWARD][1] * agents};
    b[Observer.G_PROGRESS] = new double[] {0, 1};
    for (int i = 0; i < Economy.SIZE; i++) {
      b[Observer.G_ECONOMY + i] = new double[] {economyRanges[i][0], economyRanges[i][1]};
    }
    for (int k = 0; k < ActionTable.COUNT; k++) {
      double lo = Double.POSITIVE_INFINITY;
      double hi = Double.NEGATIVE_INFINITY;
      for (int a = 0; a < agents; a++) {
        lo = Math.min(lo, body[a * ActionTable.COUNT + k]);
        hi = Math.max(hi, body[a * ActionTable.COUNT + k]);
      }
      b[Observer.G_BODY + k] = agents == 0 ? new double[] {0, 0} : new double[] {lo, hi};
    }
    return observer.globalsSpec(b);
  }

  /**
   * The map, from the inline ASCII map, a file in the data directory, or the builder's counts;
   * the world's cost is declared as soon as the map's size is known, before it is built.
   */
  private static MapTemplate loadMap(Config config, WorldContext context) {
    if (config.has("map") && config.has("map_file")) {
      throw EnvException.invalid("config.map_file", "both map and map_file are given; expected at most one");
    }
    if (config.has("map") || config.has("map_file")) {
      boolean inline = config.has("map");
      String field = inline ? "config.map" : "config.map_file";
      String text = inline ? config.getString("map") : context.dataFiles().readString(field,
          config.getString("map_file"), "send the map inline with 'map' instead");
      // A file's contents are never quoted back in errors; the client's own map may be.
      AsciiMap.Size size = AsciiMap.measure(text, field, inline);
      EnergyCost.admit(context, config, (long) size.width() * size.height(), size.agents(), size.objects(),
          text.length(), size.width() + " x " + size.height() + " cells (ASCII map)");
      return AsciiMap.parse(text, field, inline);
    }
    long objects = 0;
    for (String key : new String[] {"altars", "converters", "green_generators", "yellow_generators"}) {
      objects += config.getLong(key);
    }
    EnergyCost.admit(context, config, config.getLong("width") * config.getLong("height"), config.getLong("agents"),
        objects, 0, config.getLong("width") + " x " + config.getLong("height") + " cells");
    return RoomBuilder.build(config);
  }

  private static float[] bodies(Config config, int agents) {
    double[][] profiles = config.getMatrix("body_profiles");
    if (profiles.length == 0) {
      throw EnvException.invalid("config.body_profiles", "is empty; expected at least one row of "
          + ActionTable.COUNT + " multipliers");
    }
    if (profiles[0].length != ActionTable.COUNT) {
      throw EnvException.invalid("config.body_profiles", "rows have " + profiles[0].length + " entries; expected "
          + ActionTable.COUNT + " cost multipliers (noop, move, rotate, use, attack, shield, swap, give)");
    }
    int[] assign = new int[agents];
    if (config.has("agent_bodies")) {
      int[] given = config.getIntList("agent_bodies");
      if (given.length != agents) {
        throw EnvException.invalid("config.agent_bodies", "has " + given.length + " entries; expected one per agent ("
            + agents + ")");
      }
      for (int a = 0; a < agents; a++) {
        if (given[a] >= profiles.length) {
          throw EnvException.invalid("config.agent_bodies[" + a + "]", "profile " + given[a]
              + " does not exist; expected 0 <= profile < " + profiles.length);
        }
        assign[a] = given[a];
      }
    } else {
      for (int a = 0; a < agents; a++) {
        assign[a] = a % profiles.length;
      }
    }
    float[] body = new float[agents * ActionTable.COUNT];
    for (int a = 0; a < agents; a++) {
      for (int k = 0; k < ActionTable.COUNT; k++) {
        body[a * ActionTable.COUNT + k] = (float) profiles[assign[a]][k];
      }
    }
    return body;
  }

  /** Each agent's energy at the start of an episode ({@code agent_initial_energy}), or null: the economy's. */
  private static int[] initialEnergy(Config config, int agents) {
    if (!config.has("agent_initial_energy")) {
      return null;
    }
    int[] given = config.getIntList("agent_initial_energy");
    if (given.length != agents) {
      throw EnvException.invalid("config.agent_initial_energy", "has " + given.length + " entries; expected one per "
          + "agent (" + agents + ")");
    }
    return given;
  }

  @Override
  public WorldSpec spec() {
    return spec;
  }

  @Override
  public int copies() {
    return copies;
  }

  @Override
  public void reset(int copy, long seed, WorldBuffers out) {
    EnergyState s = states[copy];
    s.reset(seed, economyRanges, kinship);
    observers[copy].episodeStarted(s);
    writeObservations(copy, out);
  }

  @Override
  public void step(int copy, WorldBuffers io) {
    EnergyState s = states[copy];
    final int t = ++s.step;
    final int agents = s.agents;
    final int[] actions = io.actions();
    final int ao = io.actionOffset(copy);
    final int ro = io.agentOffset(copy);
    final byte[] success = io.actionSuccess();
    final float[] rewards = io.rewards();
    final EnergyAction[] table = ActionTable.TABLE;
    final float[] raw = s.raw;
    final double[] stats = s.stats;
    final int[] energy = s.energy;
    final int[] order = s.order;
    boolean anyReward = false;
    if (randomOrder) {
      s.shuffleOrder();
    }
    for (int i = 0; i < agents; i++) {
      int a = order[i];
      int type = actions[ao + 2 * a];
      int arg = actions[ao + 2 * a + 1];
      boolean ok = false;
      if (t > s.frozenUntil[a]) {
        int cost = s.cost[a * ActionTable.COUNT + type];
        if (energy[a] >= cost) {
          energy[a] -= cost;
          ok = table[type].apply(s, a, arg);
          if (ok) {
            stats[a * Stats.COUNT + Stats.ENERGY_SPENT] += cost;
          } else {
            energy[a] += cost;
          }
        }
      }
      s.lastAction[a] = type;
      s.lastArgument[a] = arg;
      s.lastSuccess[a] = (byte) (ok ? 1 : 0);
      success[ro + a] = (byte) (ok ? 1 : 0);
      if (!ok) {
        stats[a * Stats.COUNT + Stats.ACTIONS_FAILED] += 1;
      }
    }
    for (int a = 0; a < agents; a++) {
      if (s.shield[a]) {
        int up = s.upkeep[a];
        if (energy[a] >= up) {
          energy[a] -= up;
          stats[a * Stats.COUNT + Stats.ENERGY_SPENT] += up;
        } else {
          s.shield[a] = false;
        }
      }
      if (raw[a] != 0f) {
        anyReward = true;
      }
    }
    if (anyReward) {
      Kinship.share(s.kin, agents, raw, rewards, ro);
      for (int a = 0; a < agents; a++) {
        float r = rewards[ro + a];
        int st = a * Stats.COUNT;
        stats[st + Stats.RAW_REWARD] += raw[a];
        stats[st + Stats.REWARD] += r;
        stats[st + Stats.KIN_REWARD] += r - s.kin[a * agents + a] * raw[a];
        s.lastReward[a] = r;
        raw[a] = 0f;
      }
    } else {
      for (int a = 0; a < agents; a++) {
        rewards[ro + a] = 0f;
        s.lastReward[a] = 0f;
      }
    }
    io.setEnded(copy, false, t >= maxSteps);
    writeObservations(copy, io);
  }

  /** Where the {@code grid} observation is nonzero, without a scan (see {@link GridWriter#nonzeros}). */
  @Override
  public boolean nonzeros(int copy, int observation, ByteBuffer buffer, int offset, dev.kindred.env.NonzeroList sink) {
    return observation == 0 && buffer.hasArray()
        && observers[copy].gridNonzeros(states[copy], buffer.array(), buffer.arrayOffset(), offset, sink);
  }

  private void writeObservations(int copy, WorldBuffers io) {
    EnergyState s = states[copy];
    Observer obs = observers[copy];
    ByteBuffer grid = io.observation(0);
    if (grid != null) {
      int off = io.observationOffset(0, copy);
      // The observer writes only what changed when the block still holds its last write.
      boolean claimed = io.claimObservation(0, copy, obs);
      if (grid.hasArray()) {
        obs.writeWindows(s, grid.array(), grid.arrayOffset() + off, claimed);
      } else {
        byte[] scratch = scratchGrid[copy] != null ? scratchGrid[copy]
            : (scratchGrid[copy] = new byte[s.agents * obs.windowBytes]);
        obs.writeWindows(s, scratch, 0, true);
        grid.put(off, scratch);
      }
    }
    ByteBuffer globals = io.observation(1);
    if (globals != null) {
      int off = io.observationOffset(1, copy);
      boolean claimed = io.claimObservation(1, copy, obs);
      if (globals.hasArray()) {
        obs.writeGlobals(s, globals.array(), globals.arrayOffset() + off, claimed);
      } else {
        byte[] scratch = scratchGlobals[copy] != null ? scratchGlobals[copy]
            : (scratchGlobals[copy] = new byte[s.agents * Observer.GLOBALS * 4]);
        obs.writeGlobals(s, scratch, 0, true);
        globals.put(off, scratch);
      }
    }
    ByteBuffer mask = io.observation(2);
    if (mask != null) {
      int off = io.observationOffset(2, copy);
      boolean claimed = io.claimObservation(2, copy, obs);
      if (mask.hasArray()) {
        obs.writeMask(s, mask.array(), mask.arrayOffset() + off, claimed);
      } else {
        byte[] scratch = scratchMask[copy] != null ? scratchMask[copy]
            : (scratchMask[copy] = new byte[s.agents * ActionTable.PAIRS]);
        obs.writeMask(s, scratch, 0, true);
        mask.put(off, scratch);
      }
    }
  }

  @Override
  public void episodeStats(int copy, double[] agentStats, double[] copyStats) {
    EnergyState s = states[copy];
    int n = Stats.count(tokens);
    java.util.Arrays.fill(copyStats, 0, n, 0.0);
    for (int a = 0; a < s.agents; a++) {
      for (int k = 0; k < Stats.COUNT; k++) {
        double v = s.stats[a * Stats.COUNT + k];
        agentStats[a * n + k] = v;
        copyStats[k] += v;
      }
      if (tokens) {
        double v = observers[copy].tokensDropped(a);
        agentStats[a * n + Stats.TOKENS_DROPPED] = v;
        copyStats[Stats.TOKENS_DROPPED] += v;
      }
    }
  }

  /** Frames of the copies ({@link FrameRenderer}) and their text pictures ({@link #render}). */
  @Override
  public WorldRenderer renderer() {
    return renderer;
  }

  /** A live read-only view of {@code copy}'s state, for renderers and tests. */
  public EnergyView view(int copy) {
    return states[copy];
  }

  /**
   * A text picture of {@code copy}: the map in the ASCII legend of {@link AsciiMap}, agents
   * drawn as the last digit of their index, followed by one line per agent and the economy.
   */
  public String render(int copy) {
    EnergyState s = states[copy];
    StringBuilder b = new StringBuilder();
    b.append("step ").append(s.step).append('/').append(maxSteps).append('\n');
    for (int y = 0; y < s.height; y++) {
      for (int x = 0; x < s.width; x++) {
        int agent = s.agentAt(x, y);
        b.append(agent >= 0 ? (char) ('0' + agent % 10) : s.cell(x, y).glyph());
      }
      b.append('\n');
    }
    String[] dirs = {"up", "right", "down", "left"};
    for (int a = 0; a < s.agents; a++) {
      b.append("agent ").append(a).append(" at (").append(s.agentX(a)).append(',').append(s.agentY(a))
          .append(") facing ").append(dirs[s.orient[a]]).append(" energy ").append(s.energy[a])
          .append(" green ").append(s.inventory(a, 0)).append(" yellow ").append(s.inventory(a, 1))
          .append(" group ").append(s.group[a]);
      if (s.shield[a]) {
        b.append(" shielded");
      }
      if (s.frozenTicks(a) > 0) {
        b.append(" frozen ").append(s.frozenTicks(a));
      }
      b.append('\n');
    }
    b.append("economy");
    for (int i = 0; i < Economy.SIZE; i++) {
      b.append(' ').append(Economy.ITEMS.get(i).key()).append('=').append(s.econ[i]);
    }
    return b.append('\n').toString();
  }
}
