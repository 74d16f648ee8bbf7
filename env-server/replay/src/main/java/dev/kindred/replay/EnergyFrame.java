package dev.kindred.replay;

import dev.kindred.env.energy.EnergyView;
import java.util.Arrays;

/**
 * The full state of an energy-world copy at one step, as a replay records it (the header's
 * {@code initial} shape): per agent position, orientation, energy, inventory, frozen count and
 * shield; per object {@code ready_at} and stock. Arrays are preallocated; {@link #capture} fills
 * them from a live view without allocating, so the recorder can diff two frames every step.
 */
public final class EnergyFrame {
  public final int[] x;
  public final int[] y;
  public final int[] orientation;
  public final int[] energy;
  public final int[] green;
  public final int[] yellow;
  public final int[] frozen;
  public final int[] shield;
  public final int[] readyAt;
  public final int[] stock;

  public EnergyFrame(int agents, int objects) {
    x = new int[agents];
    y = new int[agents];
    orientation = new int[agents];
    energy = new int[agents];
    green = new int[agents];
    yellow = new int[agents];
    frozen = new int[agents];
    shield = new int[agents];
    readyAt = new int[objects];
    stock = new int[objects];
  }

  public int agents() {
    return x.length;
  }

  public int objects() {
    return readyAt.length;
  }

  /** Fills this frame from the view's current state. */
  public void capture(EnergyView v) {
    for (int a = 0; a < x.length; a++) {
      x[a] = v.agentX(a);
      y[a] = v.agentY(a);
      orientation[a] = v.orientation(a);
      energy[a] = v.energy(a);
      green[a] = v.inventory(a, 0);
      yellow[a] = v.inventory(a, 1);
      frozen[a] = v.frozenTicks(a);
      shield[a] = v.shielded(a) ? 1 : 0;
    }
    for (int o = 0; o < readyAt.length; o++) {
      readyAt[o] = v.objectReadyAt(o);
      stock[o] = v.objectStock(o);
    }
  }

  /** Whether agent a differs from {@code other} in anything the step line's {@code agents} list carries. */
  boolean agentChanged(EnergyFrame other, int a) {
    return x[a] != other.x[a] || y[a] != other.y[a] || orientation[a] != other.orientation[a]
        || green[a] != other.green[a] || yellow[a] != other.yellow[a] || frozen[a] != other.frozen[a]
        || shield[a] != other.shield[a];
  }

  boolean objectChanged(EnergyFrame other, int o) {
    return readyAt[o] != other.readyAt[o] || stock[o] != other.stock[o];
  }

  /** Copies every field of {@code from} into this frame. */
  public void copyFrom(EnergyFrame from) {
    System.arraycopy(from.x, 0, x, 0, x.length);
    System.arraycopy(from.y, 0, y, 0, y.length);
    System.arraycopy(from.orientation, 0, orientation, 0, orientation.length);
    System.arraycopy(from.energy, 0, energy, 0, energy.length);
    System.arraycopy(from.green, 0, green, 0, green.length);
    System.arraycopy(from.yellow, 0, yellow, 0, yellow.length);
    System.arraycopy(from.frozen, 0, frozen, 0, frozen.length);
    System.arraycopy(from.shield, 0, shield, 0, shield.length);
    System.arraycopy(from.readyAt, 0, readyAt, 0, readyAt.length);
    System.arraycopy(from.stock, 0, stock, 0, stock.length);
  }

  /** A new frame equal to this one. */
  public EnergyFrame copy() {
    EnergyFrame f = new EnergyFrame(x.length, readyAt.length);
    f.copyFrom(this);
    return f;
  }

  /**
   * The first field in which {@code actual} differs from this (expected) frame, as
   * "agent 3 x: expected 4, actual 5", or null when they are equal.
   */
  public String firstDifference(EnergyFrame actual) {
    if (actual.agents() != agents() || actual.objects() != objects()) {
      return "shape: expected " + agents() + " agents and " + objects() + " objects, actual " + actual.agents()
          + " and " + actual.objects();
    }
    String[] names = {"x", "y", "orientation", "energy", "green", "yellow", "frozen", "shield"};
    int[][] mine = {x, y, orientation, energy, green, yellow, frozen, shield};
    int[][] theirs = {actual.x, actual.y, actual.orientation, actual.energy, actual.green, actual.yellow,
        actual.frozen, actual.shield};
    for (int a = 0; a < agents(); a++) {
      for (int k = 0; k < names.length; k++) {
        if (mine[k][a] != theirs[k][a]) {
          return "agent " + a + " " + names[k] + ": expected " + mine[k][a] + ", actual " + theirs[k][a];
        }
      }
    }
    for (int o = 0; o < objects(); o++) {
      if (readyAt[o] != actual.readyAt[o]) {
        return "object " + o + " ready_at: expected " + readyAt[o] + ", actual " + actual.readyAt[o];
      }
      if (stock[o] != actual.stock[o]) {
        return "object " + o + " stock: expected " + stock[o] + ", actual " + actual.stock[o];
      }
    }
    return null;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EnergyFrame f && firstDifference(f) == null;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(x) * 31 + Arrays.hashCode(energy);
  }
}
