package dev.kindred.env.energy;

import java.util.Arrays;

/**
 * The {@code grid} writer as it was before it learnt to write only what changed (commit
 * 9e6bce0): one bulk zero of the copy's block, then a test of every on-map cell of every
 * window. Kept as the reference that {@link GridWriter} and {@link TokenWriter} must match byte
 * for byte.
 */
final class TodaysGridWriter {
  private TodaysGridWriter() {}

  /** The copy's whole {@code grid} block, {@code [agents, CHANNELS, view, view]}. */
  static byte[] grid(EnergyState s, int view) {
    byte[] out = new byte[s.agents * Observer.CHANNELS * view * view];
    write(s, view, out, 0);
    return out;
  }

  static void write(EnergyState s, int view, byte[] out, int base) {
    final int radius = view / 2;
    final int plane = view * view;
    final int block = Observer.CHANNELS * plane;
    final int a = s.agents;
    final int width = s.width;
    final int height = s.height;
    final int[] grid = s.grid;
    final int next = s.step + 1;
    Arrays.fill(out, base, base + a * block, (byte) 0);
    final byte[] ab = new byte[a * 8];
    for (int j = 0; j < a; j++) {
      int o = j * 8;
      ab[o] = (byte) (s.energy[j] * 255L / s.maxEnergy);
      ab[o + 1] = (byte) (s.orient[j] + 1);
      ab[o + 2] = (byte) Math.min(255, Math.max(0, s.frozenUntil[j] - s.step));
      ab[o + 3] = (byte) (s.shield[j] ? 1 : 0);
      ab[o + 4] = (byte) Math.min(255, s.group[j] + 1);
      ab[o + 5] = (byte) Math.min(255, s.inventory[j * EnergyState.ITEMS]);
      ab[o + 6] = (byte) Math.min(255, s.inventory[j * EnergyState.ITEMS + 1]);
    }
    final int[] readyAt = s.objReadyAt;
    final int[] stock = s.objStock;
    final int[] channel = s.objChannel;
    final byte[] kin = s.kinByte;
    for (int i = 0; i < a; i++) {
      int p = s.pos[i];
      int ox = p % width - radius;
      int oy = p / width - radius;
      int x0 = Math.max(0, ox);
      int x1 = Math.min(width - 1, ox + view - 1);
      int y0 = Math.max(0, oy);
      int y1 = Math.min(height - 1, oy + view - 1);
      int ob = base + i * block;
      int kinRow = i * a;
      for (int y = y0; y <= y1; y++) {
        int row = y * width;
        int wrow = ob + (y - oy) * view - ox;
        for (int x = x0; x <= x1; x++) {
          int code = grid[row + x];
          if (code == EnergyState.EMPTY) {
            continue;
          }
          int w = wrow + x;
          if (code == EnergyState.WALL) {
            out[w + Observer.WALL * plane] = 1;
          } else if (code < 0) {
            int j = -code - 1;
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
          } else {
            int obj = code - EnergyState.FIRST_OBJECT;
            out[w + channel[obj] * plane] = 1;
            int cool = readyAt[obj] - next;
            int left = stock[obj];
            if (cool <= 0) {
              if (left != 0) {
                out[w + Observer.OBJECT_READY * plane] = 1;
              }
            } else {
              out[w + Observer.OBJECT_COOLDOWN * plane] = (byte) Math.min(255, cool);
            }
            if (left > 0) {
              out[w + Observer.GENERATOR_STOCK * plane] = (byte) Math.min(255, left);
            }
          }
        }
      }
    }
  }
}
