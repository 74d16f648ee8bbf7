package dev.kindred.env.energy;

import dev.kindred.env.Rng;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The whole state of one copy, in flat primitive arrays allocated once. Grid cell codes:
 * {@link #EMPTY} 0, {@link #WALL} 1, an object {@code FIRST_OBJECT + objectIndex}, an agent
 * {@code -(agent + 1)}. Time: {@link #step} counts the steps taken in the episode; while step t
 * is being processed, {@code step == t}.
 */
final class EnergyState implements EnergyView {
  static final int EMPTY = 0;
  static final int WALL = 1;
  static final int FIRST_OBJECT = 2;
  static final int ITEMS = 2;
  static final int GREEN = 0;
  static final int YELLOW = 1;
  static final int[] DX = {0, 1, 0, -1};
  static final int[] DY = {-1, 0, 1, 0};

  final MapTemplate map;
  final int width;
  final int height;
  final int agents;
  final int objects;
  final int maxEnergy;
  final int maxInventory;
  final int[] grid;

  final int[] pos;
  final int[] orient;
  final int[] energy;
  final int[] inventory;    // agent * ITEMS + item
  final int[] frozenUntil;  // the agent cannot act in steps <= frozenUntil
  final boolean[] shield;
  final int[] lastAction;
  final int[] lastArgument;
  final byte[] lastSuccess;
  final float[] lastReward;
  final int[] group;
  final float[] body;       // agent * ActionTable.COUNT multipliers
  final int[] cost;         // agent * ActionTable.COUNT effective action costs
  final int[] upkeep;       // effective shield upkeep per agent
  final int[] initialEnergy; // per agent (agent_initial_energy), or null: the sampled initial_energy

  final EnergyObject[] objType;
  final int[] objChannel;
  final int[] objPos;
  final int[] objReadyAt;
  final int[] objStock;

  final int[] econ = new int[Economy.SIZE];
  final float[] kin;        // receiver * agents + source
  final byte[] kinByte;     // round(255 * kin)
  final float[] raw;        // raw rewards of the current step
  final double[] stats;     // agent * Stats.COUNT + stat
  final int[] shuffle;      // scratch for random placement
  final int[] order;        // the order in which agents act in the current step
  final Rng orderRng = new Rng(0); // draws the order; seeded at reset
  int step;

  EnergyState(MapTemplate map, int maxEnergy, int maxInventory, int[] group, float[] body, int[] initialEnergy) {
    this.map = map;
    this.width = map.width;
    this.height = map.height;
    this.agents = map.agents;
    this.objects = map.objType.length;
    this.maxEnergy = maxEnergy;
    this.maxInventory = maxInventory;
    this.grid = new int[width * height];
    pos = new int[agents];
    orient = new int[agents];
    energy = new int[agents];
    inventory = new int[agents * ITEMS];
    frozenUntil = new int[agents];
    shield = new boolean[agents];
    lastAction = new int[agents];
    lastArgument = new int[agents];
    lastSuccess = new byte[agents];
    lastReward = new float[agents];
    this.group = group;
    this.body = body;
    this.initialEnergy = initialEnergy;
    cost = new int[agents * ActionTable.COUNT];
    upkeep = new int[agents];
    objType = map.objType;
    objChannel = new int[objects];
    for (int o = 0; o < objects; o++) {
      objChannel[o] = objType[o].channel;
    }
    objPos = new int[objects];
    objReadyAt = new int[objects];
    objStock = new int[objects];
    kin = new float[agents * agents];
    kinByte = new byte[agents * agents];
    raw = new float[agents];
    stats = new double[agents * Stats.COUNT];
    shuffle = new int[map.free.length];
    order = new int[agents];
  }

  static int agentCode(int agent) {
    return -(agent + 1);
  }

  static int agentOf(int code) {
    return -code - 1;
  }

  boolean isFrozen(int agent, int t) {
    return t <= frozenUntil[agent];
  }

  /** The cell next to {@code cell} in direction {@code dir}, or -1 off the map. */
  int neighbour(int cell, int dir) {
    int x = cell % width + DX[dir];
    int y = cell / width + DY[dir];
    return x < 0 || y < 0 || x >= width || y >= height ? -1 : y * width + x;
  }

  /** The cell {@code dist} ahead of the agent and {@code lateral} to its right, or -1. */
  int ahead(int agent, int dist, int lateral) {
    int o = orient[agent];
    int r = (o + 1) & 3;
    int cell = pos[agent];
    int x = cell % width + DX[o] * dist + DX[r] * lateral;
    int y = cell / width + DY[o] * dist + DY[r] * lateral;
    return x < 0 || y < 0 || x >= width || y >= height ? -1 : y * width + x;
  }

  /**
   * Starts an episode: samples the economy and kinship, places everything, sets costs.
   * Draw order from the seed's stream: economy, kinship, agents (cell then orientation),
   * objects, random walls, the seed of the agent-order stream.
   */
  void reset(long seed, int[][] economyRanges, Kinship kinship) {
    SplittableRandom rng = new SplittableRandom(seed);
    step = 0;
    Economy.sample(economyRanges, rng, econ);
    kinship.episodeMatrix(rng, kin);
    for (int i = 0; i < kin.length; i++) {
      kinByte[i] = (byte) Math.round(255f * kin[i]);
    }
    System.arraycopy(map.baseGrid, 0, grid, 0, grid.length);
    System.arraycopy(map.free, 0, shuffle, 0, shuffle.length);
    int drawn = 0;
    int initial = Math.min(maxEnergy, econ[Economy.INITIAL_ENERGY]);
    for (int a = 0; a < agents; a++) {
      int cell = map.agentCell[a];
      if (cell < 0) {
        cell = draw(rng, drawn++);
      }
      pos[a] = cell;
      grid[cell] = agentCode(a);
      orient[a] = rng.nextInt(4);
      energy[a] = initialEnergy == null ? initial : Math.min(maxEnergy, initialEnergy[a]);
      frozenUntil[a] = 0;
      shield[a] = false;
      lastAction[a] = 0;
      lastArgument[a] = 0;
      lastSuccess[a] = 0;
      lastReward[a] = 0f;
      for (int k = 0; k < ActionTable.COUNT; k++) {
        cost[a * ActionTable.COUNT + k] = Math.round(econ[k] * body[a * ActionTable.COUNT + k]);
      }
      upkeep[a] = Math.round(econ[Economy.SHIELD_UPKEEP] * body[a * ActionTable.COUNT + ActionTable.SHIELD]);
    }
    Arrays.fill(inventory, 0);
    for (int o = 0; o < objects; o++) {
      int cell = map.objCell[o];
      if (cell < 0) {
        cell = draw(rng, drawn++);
      }
      objPos[o] = cell;
      grid[cell] = FIRST_OBJECT + o;
      objType[o].reset(this, o);
    }
    for (int w = 0; w < map.randomWalls; w++) {
      grid[draw(rng, drawn++)] = WALL;
    }
    orderRng.seed(rng.nextLong());
    for (int a = 0; a < agents; a++) {
      order[a] = a;
    }
    Arrays.fill(raw, 0f);
    Arrays.fill(stats, 0.0);
  }

  /**
   * Draws this step's order in which agents act: a uniformly random permutation (a Fisher-Yates
   * shuffle of the previous step's, which is as uniform as one of the identity).
   */
  void shuffleOrder() {
    final int[] o = order;
    final Rng r = orderRng;
    for (int i = o.length - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = o[i];
      o[i] = o[j];
      o[j] = t;
    }
  }

  /** The k-th random free cell: a partial Fisher-Yates shuffle of the template's free cells. */
  private int draw(SplittableRandom rng, int k) {
    int j = k + rng.nextInt(shuffle.length - k);
    int c = shuffle[j];
    shuffle[j] = shuffle[k];
    shuffle[k] = c;
    return c;
  }

  // ---- EnergyView ----

  @Override
  public int width() {
    return width;
  }

  @Override
  public int height() {
    return height;
  }

  @Override
  public int step() {
    return step;
  }

  @Override
  public CellKind cell(int x, int y) {
    int code = grid[y * width + x];
    if (code == EMPTY) {
      return CellKind.EMPTY;
    }
    if (code == WALL) {
      return CellKind.WALL;
    }
    return code < 0 ? CellKind.AGENT : objType[code - FIRST_OBJECT].kind;
  }

  @Override
  public int agentAt(int x, int y) {
    int code = grid[y * width + x];
    return code < 0 ? agentOf(code) : -1;
  }

  @Override
  public int agents() {
    return agents;
  }

  @Override
  public int agentX(int agent) {
    return pos[agent] % width;
  }

  @Override
  public int agentY(int agent) {
    return pos[agent] / width;
  }

  @Override
  public int orientation(int agent) {
    return orient[agent];
  }

  @Override
  public int energy(int agent) {
    return energy[agent];
  }

  @Override
  public int maxEnergy() {
    return maxEnergy;
  }

  @Override
  public int inventory(int agent, int item) {
    return inventory[agent * ITEMS + item];
  }

  @Override
  public int frozenTicks(int agent) {
    return Math.max(0, frozenUntil[agent] - step);
  }

  @Override
  public boolean shielded(int agent) {
    return shield[agent];
  }

  @Override
  public int group(int agent) {
    return group[agent];
  }

  @Override
  public float kinship(int receiver, int source) {
    return kin[receiver * agents + source];
  }

  @Override
  public int objects() {
    return objects;
  }

  @Override
  public CellKind objectKind(int object) {
    return objType[object].kind;
  }

  @Override
  public int objectX(int object) {
    return objPos[object] % width;
  }

  @Override
  public int objectY(int object) {
    return objPos[object] / width;
  }

  @Override
  public boolean objectReady(int object) {
    return objType[object].ready(this, object, step + 1);
  }

  @Override
  public int objectCooldown(int object) {
    return Math.max(0, objReadyAt[object] - (step + 1));
  }

  @Override
  public int objectStock(int object) {
    return objStock[object];
  }

  @Override
  public int economy(int index) {
    return econ[index];
  }

  @Override
  public int maxInventory() {
    return maxInventory;
  }

  @Override
  public int actionKinds() {
    return ActionTable.COUNT;
  }

  @Override
  public float bodyMultiplier(int agent, int action) {
    return body[agent * ActionTable.COUNT + action];
  }

  @Override
  public int actionCost(int agent, int action) {
    return cost[agent * ActionTable.COUNT + action];
  }

  @Override
  public int objectReadyAt(int object) {
    return objReadyAt[object];
  }
}
