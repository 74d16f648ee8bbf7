package dev.kindred.env.energy;

import dev.kindred.env.NonzeroList;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Writes one copy's {@code grid} observation, {@code [CHANNELS, view, view]} per agent (see
 * {@link Observer}), in proportion to what is in view rather than to the block (17 x view x
 * view bytes per agent, about 98% zeros on S1). It visits occupied cells only ({@link Occupancy}),
 * and starts from what it wrote last time instead of from zeros:
 * <ul>
 *   <li>walls never move within an episode: while an agent stays where it was, its window's
 *       walls are already written; when it moved, the walls of its old window are zeroed and
 *       those of the new one written;</li>
 *   <li>objects never move either: while the agent stays, only their ready, cooldown and stock
 *       bytes are rewritten; when it moved, as for walls;</li>
 *   <li>agents move: the cells where it wrote agents last time are zeroed (it remembers them),
 *       then the agents in view now are written.</li>
 * </ul>
 * The three kinds use disjoint channels, so none disturbs another's bytes.
 *
 * <p>That is right only when the block still holds what this writer left there, in this episode.
 * The caller says whether the buffers vouch for the block
 * ({@link dev.kindred.env.WorldBuffers#claimObservation}); the writer also checks that it is the
 * same array at the same offset and that its previous write finished, and writes the whole block
 * (one bulk zero first) after a reset or when any check fails. The readable version, one bulk
 * zero and a test of every cell of every window, is {@code TodaysGridWriter} in the tests, which
 * compare the two over long trajectories.
 */
final class GridWriter {
  private final int view;
  private final int plane;
  private final int block;
  /** Per agent, at {@code agent * plane}: the window cells where it wrote an agent last time. */
  private final char[] agentCells;
  private final int[] agentCellCount;
  /** Per agent, its cell at the last write (the centre of the window written then). */
  private final int[] lastPos;
  private byte[] lastOut;
  private int lastBase;
  private boolean lastComplete;
  private boolean episodeStarted = true;
  /** The window being written. */
  private final Window win;
  /** Per agent, at {@code agent * plane}: the window cells of the walls its last write put there (row-major), and their count. */
  private final char[] wallCells;
  private final int[] wallCount;
  /** Per agent, at {@code agent * plane}: which agent stands in each of {@link #agentCells}. */
  private final char[] agentAt;
  /** Scratch of {@link #nonzeros}: per object in the window, its cell, and its ready, cooldown and stock bytes. */
  private final int[] objCell;
  private final byte[] objBytes;
  private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  /** Per agent channel, where {@link #writeAgents} takes its byte in an agent's 8 of {@code ab} (-1: not from there). */
  private static final int[] AB_SLOT = new int[Observer.AGENT_YELLOW + 1];

  static {
    java.util.Arrays.fill(AB_SLOT, -1);
    AB_SLOT[Observer.AGENT_ENERGY] = 0;
    AB_SLOT[Observer.AGENT_ORIENTATION] = 1;
    AB_SLOT[Observer.AGENT_FROZEN] = 2;
    AB_SLOT[Observer.AGENT_SHIELD] = 3;
    AB_SLOT[Observer.AGENT_GROUP] = 4;
    AB_SLOT[Observer.AGENT_GREEN] = 5;
    AB_SLOT[Observer.AGENT_YELLOW] = 6;
    if (Observer.AGENT != 0 || Observer.WALL != Observer.AGENT_YELLOW + 1 || Observer.OBJECT_READY != Observer.ALTAR + 1
        || Observer.GENERATOR_STOCK != Observer.CHANNELS - 1) {
      throw new IllegalStateException("channels: the agent's first, then the wall's, the kinds', the objects' bytes");
    }
  }

  GridWriter(int view, int agents) {
    this.view = view;
    this.win = new Window(view);
    this.plane = view * view;
    this.block = Observer.CHANNELS * plane;
    this.agentCells = new char[Math.multiplyExact(agents, plane)];
    this.agentCellCount = new int[agents];
    this.lastPos = new int[agents];
    this.wallCells = new char[Math.multiplyExact(agents, plane)];
    this.wallCount = new int[agents];
    this.agentAt = new char[Math.multiplyExact(agents, plane)];
    this.objCell = new int[plane];
    this.objBytes = new byte[3 * plane];
  }

  /** A new episode (a new map): the next write starts from zeros. */
  void episodeStarted() {
    episodeStarted = true;
  }

  /**
   * Writes every agent's window into {@code out} from {@code base} (the copy's block).
   *
   * @param ab      per agent, its observer-independent channel values ({@link Observer#agentBytes})
   * @param claimed whether the buffers say this block still holds this writer's last write
   */
  void write(EnergyState s, Occupancy occ, byte[] ab, byte[] out, int base, boolean claimed) {
    final int a = s.agents;
    boolean incremental = claimed && lastComplete && !episodeStarted && out == lastOut && base == lastBase;
    if (!incremental) {
      Arrays.fill(out, base, base + a * block, (byte) 0);
    }
    lastComplete = false;
    episodeStarted = false;
    lastOut = out;
    lastBase = base;
    for (int i = 0; i < a; i++) {
      int ob = base + i * block;
      int pos = s.pos[i];
      boolean stayed = incremental && lastPos[i] == pos;
      if (incremental) {
        clearAgents(out, ob, i);
        if (!stayed) {
          win.frame(s, lastPos[i] % s.width, lastPos[i] / s.width);
          clearWalls(out, ob, i);
          clearObjects(occ, out, ob);
        }
      }
      win.frame(s, occ.x[i], occ.y[i]);
      if (!stayed) {
        writeWalls(occ, out, ob, i);
      }
      writeObjects(s, occ, out, ob, i, pos, !stayed);
      writeAgents(s, occ, ab, out, ob, i);
      lastPos[i] = pos;
    }
    lastComplete = true;
  }

  /** Writes the wall channel of every wall in agent {@code i}'s window and remembers where (for {@link #nonzeros}). */
  private void writeWalls(Occupancy occ, byte[] out, int ob, int i) {
    final long[] bits = occ.walls;
    final int words = occ.words;
    final int view = this.view;
    final Window win = this.win;
    final char[] cells = wallCells;
    final int at = ob + Observer.WALL * plane;
    int n = i * plane;
    for (int y = win.y0; y <= win.y1; y++) {
      int cellRow = (y - win.oy) * view - win.ox;
      int bitRow = y * words;
      for (int wi = win.w0; wi <= win.w1; wi++) {
        long m = win.columns(bits[bitRow + wi], wi);
        int xw = wi << 6;
        while (m != 0) {
          int cell = cellRow + xw + Long.numberOfTrailingZeros(m);
          m &= m - 1;
          out[at + cell] = 1;
          cells[n++] = (char) cell;
        }
      }
    }
    wallCount[i] = n - i * plane;
  }

  /** Zeroes the wall channel where agent {@code i}'s last write put walls. */
  private void clearWalls(byte[] out, int ob, int i) {
    final char[] cells = wallCells;
    final int at = ob + Observer.WALL * plane;
    for (int k = i * plane, end = k + wallCount[i]; k < end; k++) {
      out[at + cells[k]] = 0;
    }
  }

  /** Zeroes the four object channels of every object in the window. */
  private void clearObjects(Occupancy occ, byte[] out, int ob) {
    final long[] bits = occ.objects;
    final int words = occ.words;
    final int view = this.view;
    final int plane = this.plane;
    final Window win = this.win;
    final int ox = win.ox;
    final int oy = win.oy;
    for (int y = win.y0; y <= win.y1; y++) {
      int cellRow = ob + (y - oy) * view - ox;
      int bitRow = y * words;
      for (int wi = win.w0; wi <= win.w1; wi++) {
        long m = win.columns(bits[bitRow + wi], wi);
        int xw = wi << 6;
        while (m != 0) {
          int w = cellRow + xw + Long.numberOfTrailingZeros(m);
          m &= m - 1;
          out[w + Observer.GREEN_GENERATOR * plane] = 0;
          out[w + Observer.YELLOW_GENERATOR * plane] = 0;
          out[w + Observer.CONVERTER * plane] = 0;
          out[w + Observer.ALTAR * plane] = 0;
          out[w + Observer.OBJECT_READY * plane] = 0;
          out[w + Observer.OBJECT_COOLDOWN * plane] = 0;
          out[w + Observer.GENERATOR_STOCK * plane] = 0;
        }
      }
    }
  }

  /**
   * Writes every object in agent {@code i}'s window: its ready, cooldown and stock bytes (zeros
   * included, over last step's), and with {@code presence} its kind's channel too.
   */
  private void writeObjects(EnergyState s, Occupancy occ, byte[] out, int ob, int i, int pos, boolean presence) {
    final int next = s.step + 1;
    final int[] readyAt = s.objReadyAt;
    final int[] stock = s.objStock;
    final int[] channel = s.objChannel;
    final int plane = this.plane;
    int n = occ.listObjects(s, i, pos, win.ox, win.oy, view);
    for (int k = 0; k < n; k++) {
      int w = ob + occ.objectCell(i, k);
      int obj = occ.objectIndex(i, k);
      if (presence) {
        out[w + channel[obj] * plane] = 1;
      }
      int cool = readyAt[obj] - next;
      int left = stock[obj];
      out[w + Observer.OBJECT_READY * plane] = ready(cool, left);
      out[w + Observer.OBJECT_COOLDOWN * plane] = clampByte(cool);
      out[w + Observer.GENERATOR_STOCK * plane] = clampByte(left);
    }
  }

  /**
   * Hands {@code sink} every nonzero byte of the copy's block as this writer's last write left it
   * in {@code out} from {@code origin + offset}, in increasing order of their offsets from
   * {@code origin}, and returns true; returns false, having handed nothing, when the block may
   * not hold that write (another array or offset, an unfinished write, a new episode not written
   * yet). Only the cells where something stands can be nonzero, each kind in its own channels, so
   * per agent and channel it visits those cells alone, in row-major order (the order of the
   * occupancy bits, of {@link #agentCells} and of the object lists), instead of the whole block,
   * most of which is not in any cache by now: walls are 1, an agent's bytes come from {@code ab}
   * and the kinship row as {@link #writeAgents} wrote them, an object's from the state as
   * {@link #writeObjects} wrote them (nothing changes the state between a write and the next
   * step). The readable version, a scan of every byte, is
   * {@code GridWriterTest.nonzerosAsScanned}, which compares the two after every call of long
   * trajectories.
   */
  boolean nonzeros(EnergyState s, Occupancy occ, byte[] ab, byte[] out, int origin, int offset, NonzeroList list) {
    final int base = origin + offset;
    if (!lastComplete || episodeStarted || out != lastOut || base != lastBase) {
      return false;
    }
    final int plane = this.plane;
    final char[] walls = wallCells;
    final char[] cells = agentCells;
    final char[] who = agentAt;
    final byte[] kin = s.kinByte;
    final int[] objChannel = s.objChannel;
    final int next = s.step + 1;
    final int[] objCell = this.objCell;
    final byte[] objBytes = this.objBytes;
    for (int i = 0; i < s.agents; i++) {
      int at = offset + i * block;
      win.frame(s, occ.x[i], occ.y[i]);
      int agentsFrom = i * plane;
      int agentsTo = agentsFrom + agentCellCount[i];
      int kinRow = i * s.agents;
      int objects = occ.listObjects(s, i, occ.y[i] * s.width + occ.x[i], win.ox, win.oy, view);
      // At most: 9 bytes per agent, 1 per wall, 3 per object (its kind, ready or cooldown, stock).
      list.reserve(9 * (agentsTo - agentsFrom) + wallCount[i] + 3 * objects);
      final byte[] offs = list.offsets();
      final byte[] vals = list.values();
      int n = list.count();
      // Agents' channels: presence is always 1; kinship from the observer's row; the rest from ab.
      for (int k = agentsFrom; k < agentsTo; k++) {
        put(offs, vals, n++, at + cells[k], (byte) 1);
      }
      for (int ch = Observer.AGENT_ENERGY; ch <= Observer.AGENT_YELLOW; ch++) {
        int co = at + ch * plane;
        if (ch == Observer.AGENT_KINSHIP) {
          for (int k = agentsFrom; k < agentsTo; k++) {
            byte v = kin[kinRow + who[k]];
            if (v != 0) {
              put(offs, vals, n++, co + cells[k], v);
            }
          }
        } else {
          int slot = AB_SLOT[ch];
          for (int k = agentsFrom; k < agentsTo; k++) {
            byte v = ab[who[k] * 8 + slot];
            if (v != 0) {
              put(offs, vals, n++, co + cells[k], v);
            }
          }
        }
      }
      int wallAt = at + Observer.WALL * plane;
      for (int k = agentsFrom, end = agentsFrom + wallCount[i]; k < end; k++) {
        put(offs, vals, n++, wallAt + walls[k], (byte) 1);
      }
      // Objects: each one's kind channel is 1; then its ready, cooldown and stock bytes, taken once.
      for (int k = 0; k < objects; k++) {
        int obj = occ.objectIndex(i, k);
        int cool = s.objReadyAt[obj] - next;
        int left = s.objStock[obj];
        objCell[k] = occ.objectCell(i, k);
        objBytes[3 * k] = ready(cool, left);
        objBytes[3 * k + 1] = clampByte(cool);
        objBytes[3 * k + 2] = clampByte(left);
      }
      for (int ch = Observer.GREEN_GENERATOR; ch <= Observer.ALTAR; ch++) {
        int co = at + ch * plane;
        for (int k = 0; k < objects; k++) {
          if (objChannel[occ.objectIndex(i, k)] == ch) {
            put(offs, vals, n++, co + objCell[k], (byte) 1);
          }
        }
      }
      for (int c = 0; c < 3; c++) {
        int co = at + (Observer.OBJECT_READY + c) * plane;
        for (int k = 0; k < objects; k++) {
          byte v = objBytes[3 * k + c];
          if (v != 0) {
            put(offs, vals, n++, co + objCell[k], v);
          }
        }
      }
      list.setCount(n);
    }
    return true;
  }

  /** Stores entry {@code n} of a list's arrays (room reserved). */
  private static void put(byte[] offsets, byte[] values, int n, int offset, byte value) {
    INTS.set(offsets, 4 * n, offset);
    values[n] = value;
  }

  /** The ready byte of an object {@code cool} steps from ready with {@code left} in stock. */
  private static byte ready(int cool, int left) {
    return (byte) (cool <= 0 && left != 0 ? 1 : 0);
  }

  /** {@code v} clamped to [0, 255], as a byte. */
  private static byte clampByte(int v) {
    return (byte) Math.max(0, Math.min(255, v));
  }

  /** Writes every agent in agent {@code i}'s window and remembers where. */
  private void writeAgents(EnergyState s, Occupancy occ, byte[] ab, byte[] out, int ob, int i) {
    final byte[] kin = s.kinByte;
    final int kinRow = i * s.agents;
    final char[] cells = agentCells;
    final int view = this.view;
    final int plane = this.plane;
    final Window win = this.win;
    final int ox = win.ox;
    final int oy = win.oy;
    final int x0 = win.x0;
    final int span = win.x1 - win.x0;
    final int[] order = occ.byCell;
    final int[] xs = occ.x;
    final int[] ys = occ.y;
    int d = i * plane;
    // The agents of the window's rows, in row-major order; those in its columns are in the window.
    for (int idx = occ.rowStart[win.y0], last = occ.rowStart[win.y1 + 1]; idx < last; idx++) {
      int j = order[idx];
      int x = xs[j];
      if (Integer.compareUnsigned(x - x0, span) > 0) {
        continue;
      }
      int cell = (ys[j] - oy) * view + x - ox;
      int w = ob + cell;
      int o = j * 8;
      out[w] = 1;
      out[w + Observer.AGENT_ENERGY * plane] = ab[o];
      out[w + Observer.AGENT_ORIENTATION * plane] = ab[o + 1];
      out[w + Observer.AGENT_FROZEN * plane] = ab[o + 2];
      out[w + Observer.AGENT_SHIELD * plane] = ab[o + 3];
      out[w + Observer.AGENT_GROUP * plane] = ab[o + 4];
      out[w + Observer.AGENT_KINSHIP * plane] = kin[kinRow + j];
      out[w + Observer.AGENT_GREEN * plane] = ab[o + 5];
      out[w + Observer.AGENT_YELLOW * plane] = ab[o + 6];
      agentAt[d] = (char) j;
      cells[d++] = (char) cell;
    }
    agentCellCount[i] = d - i * plane;
  }

  /** Zeroes the agent channels of the cells where agent {@code i}'s last write put agents. */
  private void clearAgents(byte[] out, int ob, int i) {
    final int plane = this.plane;
    final char[] cells = agentCells;
    int from = i * plane;
    int to = from + agentCellCount[i];
    for (int k = from; k < to; k++) {
      int w = ob + cells[k];
      out[w] = 0;
      out[w + Observer.AGENT_ENERGY * plane] = 0;
      out[w + Observer.AGENT_ORIENTATION * plane] = 0;
      out[w + Observer.AGENT_FROZEN * plane] = 0;
      out[w + Observer.AGENT_SHIELD * plane] = 0;
      out[w + Observer.AGENT_GROUP * plane] = 0;
      out[w + Observer.AGENT_KINSHIP * plane] = 0;
      out[w + Observer.AGENT_GREEN * plane] = 0;
      out[w + Observer.AGENT_YELLOW * plane] = 0;
    }
  }
}
