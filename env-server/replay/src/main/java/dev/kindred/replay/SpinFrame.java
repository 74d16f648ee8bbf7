package dev.kindred.replay;

import dev.kindred.env.spin.SpinView;
import java.util.Arrays;

/**
 * The recorded state of a spin-world copy at one step: every spin, the magnetisation and the
 * energy per spin (doubles), and φ and surprise of each controlled spin (32-bit floats, as the
 * replay stores them). {@link #capture} fills a preallocated frame from a live view.
 */
public final class SpinFrame {
  public final byte[] spins;
  public double magnetisation;
  public double energy;
  public final float[] phi;
  public final float[] surprise;

  public SpinFrame(int n, int agents) {
    spins = new byte[n];
    phi = new float[agents];
    surprise = new float[agents];
  }

  /** Fills this frame from the view's current state; {@code withAgents}: also φ and surprise. */
  public void capture(SpinView v, boolean withAgents) {
    for (int i = 0; i < spins.length; i++) {
      spins[i] = (byte) v.spin(i);
    }
    magnetisation = v.magnetisation();
    energy = v.energy();
    if (withAgents) {
      for (int a = 0; a < phi.length; a++) {
        phi[a] = (float) v.phi(a);
        surprise[a] = (float) v.surprise(a);
      }
    }
  }

  /** The first field in which {@code actual} differs from this (expected) frame, or null. */
  public String firstDifference(SpinFrame actual, boolean withAgents) {
    for (int i = 0; i < spins.length; i++) {
      if (spins[i] != actual.spins[i]) {
        return "spin " + i + ": expected " + spins[i] + ", actual " + actual.spins[i];
      }
    }
    if (Double.compare(magnetisation, actual.magnetisation) != 0) {
      return "magnetisation: expected " + magnetisation + ", actual " + actual.magnetisation;
    }
    if (Double.compare(energy, actual.energy) != 0) {
      return "energy: expected " + energy + ", actual " + actual.energy;
    }
    if (withAgents) {
      for (int a = 0; a < phi.length; a++) {
        if (Float.compare(phi[a], actual.phi[a]) != 0) {
          return "agent " + a + " phi: expected " + phi[a] + ", actual " + actual.phi[a];
        }
        if (Float.compare(surprise[a], actual.surprise[a]) != 0) {
          return "agent " + a + " surprise: expected " + surprise[a] + ", actual " + actual.surprise[a];
        }
      }
    }
    return null;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SpinFrame f && f.spins.length == spins.length && f.phi.length == phi.length
        && firstDifference(f, true) == null;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(spins);
  }
}
