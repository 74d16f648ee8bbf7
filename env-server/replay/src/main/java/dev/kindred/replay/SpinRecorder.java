package dev.kindred.replay;

import dev.kindred.env.Config;
import dev.kindred.env.spin.SpinGraph;
import dev.kindred.env.spin.SpinView;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Records one copy of a spin world: the header's {@code spin} section after reset, then per step
 * the spins packed to bits (base64), the magnetisation and energy per spin, and φ and surprise
 * of the controlled spins. The stepping thread captures them ({@link SpinFrame#capture}, which
 * computes the observables); packing and base64 reuse preallocated buffers.
 */
final class SpinRecorder implements CopyRecorder<SpinFrame> {
  /** Dense couplings with more edges than this are not listed (the format's limit). */
  static final int MAX_LISTED_EDGES = 20_000;

  private final SpinView view;
  private final Config config;
  private final byte[] bits;
  private final byte[] base64;
  private final Base64.Encoder encoder = Base64.getEncoder();

  SpinRecorder(SpinView view, Config config) {
    this.view = view;
    this.config = config;
    this.bits = new byte[(view.n() + 7) / 8];
    this.base64 = new byte[4 * ((bits.length + 2) / 3)];
  }

  @Override
  public String kind() {
    return "spin";
  }

  @Override
  public int agents() {
    return view.controlled();
  }

  @Override
  public int actionDims() {
    return 1;
  }

  @Override
  public SpinFrame newFrame() {
    return new SpinFrame(view.n(), view.controlled());
  }

  @Override
  public void capture(SpinFrame frame) {
    frame.capture(view, true);
  }

  @Override
  public void begin(SpinFrame initial) {
    // every step line carries the full spin state: nothing to remember
  }

  @Override
  public Map<String, Object> section(SpinFrame frame) {
    SpinView v = view;
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("n", v.n());
    s.put("graph", graph(v));
    s.put("beta", config.getDouble("beta"));
    s.put("zeta", config.has("zetas") ? config.getDoubleList("zetas") : config.getDouble("zeta"));
    int[] controlled = new int[v.controlled()];
    for (int a = 0; a < controlled.length; a++) {
      controlled[a] = v.controlledSpin(a);
    }
    int[] clamped = new int[v.clamped()];
    int[] values = new int[v.clamped()];
    for (int k = 0; k < clamped.length; k++) {
      clamped[k] = v.clampedSpin(k);
      values[k] = v.clampedValue(k);
    }
    s.put("controlled", controlled);
    s.put("clamped", clamped);
    s.put("clamped_values", values);
    s.put("schedule", config.getString("schedule"));
    s.put("sweeps_per_step", config.getInt("sweeps_per_step"));
    frame.capture(v, false);
    s.put("initial", state(frame));
    return s;
  }

  @Override
  public Map<String, Object> state(SpinFrame frame) {
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("spins", Base64.getEncoder().encodeToString(pack(frame.spins, new byte[bits.length])));
    state.put("magnetisation", frame.magnetisation);
    state.put("energy", frame.energy);
    return state;
  }

  private static Map<String, Object> graph(SpinView v) {
    Map<String, Object> g = new LinkedHashMap<>();
    SpinGraph graph = v.graph();
    if (graph.kind() == SpinGraph.Kind.LATTICE) {
      g.put("kind", "lattice");
      g.put("width", v.latticeWidth());
      g.put("height", v.latticeHeight());
      g.put("periodic", true);
      return g;
    }
    int n = v.n();
    int[] idx = new int[Math.max(1, graph.maxDegree())];
    double[] w = new double[idx.length];
    long edges = 0;
    for (int i = 0; i < n; i++) {
      edges += graph.neighboursOf(i, idx, w);
    }
    if (graph.kind() == SpinGraph.Kind.DENSE && edges > MAX_LISTED_EDGES) {
      g.put("kind", "dense");
      g.put("n", n);
      return g;
    }
    List<Object[]> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int d = graph.neighboursOf(i, idx, w);
      for (int e = 0; e < d; e++) {
        list.add(new Object[] {i, idx[e], w[e]});
      }
    }
    g.put("kind", "graph");
    if (v.latticeWidth() > 0) {
      g.put("width", v.latticeWidth());
      g.put("height", v.latticeHeight());
    }
    g.put("edges", list);
    return g;
  }

  /** Bit i of the result (bit i & 7 of byte i >> 3) is set when spin i is +1. */
  static byte[] pack(byte[] spins, byte[] out) {
    java.util.Arrays.fill(out, (byte) 0);
    for (int i = 0; i < spins.length; i++) {
      if (spins[i] > 0) {
        out[i >> 3] |= (byte) (1 << (i & 7));
      }
    }
    return out;
  }

  @Override
  public void appendStep(JsonLine out, SpinFrame f) {
    pack(f.spins, bits);
    int len = encoder.encode(bits, base64);
    out.raw(",\"spins\":\"");
    for (int i = 0; i < len; i++) {
      out.raw((char) base64[i]);
    }
    out.raw('"');
    out.key("magnetisation").decimal(f.magnetisation);
    out.key("energy").decimal(f.energy);
    if (f.phi.length > 0) {
      out.key("phi").floats(f.phi, 0, f.phi.length);
      out.key("surprise").floats(f.surprise, 0, f.surprise.length);
    }
  }
}
