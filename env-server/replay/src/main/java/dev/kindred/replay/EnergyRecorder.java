package dev.kindred.replay;

import dev.kindred.env.energy.CellKind;
import dev.kindred.env.energy.Economy;
import dev.kindred.env.energy.EnergyView;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Records one copy of an energy world: the header's {@code energy} section after reset, then per
 * step every agent's energy and the agents and objects whose state changed, found by comparing
 * the captured state with the previous one (preallocated {@link EnergyFrame}s).
 */
final class EnergyRecorder implements CopyRecorder<EnergyFrame> {
  private final EnergyView view;
  private final List<String> actionNames;
  /** The state after the last step written (background thread). */
  private final EnergyFrame previous;

  EnergyRecorder(EnergyView view, List<String> actionNames) {
    this.view = view;
    this.actionNames = List.copyOf(actionNames);
    this.previous = new EnergyFrame(view.agents(), view.objects());
  }

  @Override
  public EnergyFrame newFrame() {
    return new EnergyFrame(view.agents(), view.objects());
  }

  @Override
  public void capture(EnergyFrame frame) {
    frame.captureRaw(view); // x and y are derived on the background thread
  }

  @Override
  public void begin(EnergyFrame initial) {
    previous.copyFrom(initial);
  }

  @Override
  public String kind() {
    return "energy";
  }

  @Override
  public int agents() {
    return view.agents();
  }

  @Override
  public int actionDims() {
    return 2;
  }

  @Override
  public Map<String, Object> section(EnergyFrame initial) {
    EnergyView v = view;
    int agents = v.agents();
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("width", v.width());
    s.put("height", v.height());
    s.put("walls", walls(v));
    s.put("max_energy", v.maxEnergy());
    s.put("max_inventory", v.maxInventory());
    s.put("actions", actionNames);
    s.put("orientation", List.of("up", "right", "down", "left"));
    Map<String, Object> economy = new LinkedHashMap<>();
    for (int i = 0; i < Economy.SIZE; i++) {
      economy.put(Economy.ITEMS.get(i).key(), v.economy(i));
    }
    s.put("economy", economy);
    // Primitive arrays (Gson writes them as JSON arrays): no boxing on the stepping thread at reset.
    int kinds = v.actionKinds();
    int[][] costs = new int[agents][kinds];
    float[][] body = new float[agents][kinds];
    int[] groups = new int[agents];
    float[][] kinship = new float[agents][agents];
    for (int a = 0; a < agents; a++) {
      for (int k = 0; k < kinds; k++) {
        costs[a][k] = v.actionCost(a, k);
        body[a][k] = v.bodyMultiplier(a, k);
      }
      groups[a] = v.group(a);
      for (int j = 0; j < agents; j++) {
        kinship[a][j] = v.kinship(a, j);
      }
    }
    s.put("action_costs", costs);
    s.put("body", body);
    s.put("groups", groups);
    s.put("kinship", kinship);
    List<Map<String, Object>> objects = new ArrayList<>();
    for (int o = 0; o < v.objects(); o++) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", o);
      m.put("kind", kindName(v.objectKind(o)));
      m.put("x", v.objectX(o));
      m.put("y", v.objectY(o));
      objects.add(m);
    }
    s.put("objects", objects);
    initial.capture(v);
    s.put("initial", initial(initial));
    return s;
  }

  /** The format's name of an object kind: green_generator, yellow_generator, converter, altar. */
  static String kindName(CellKind k) {
    return k.name().toLowerCase(Locale.ROOT);
  }

  @Override
  public Map<String, Object> state(EnergyFrame frame) {
    // Frames captured on the stepping thread hold positions as cell indices only.
    frame.resolvePositions(view.width());
    return initial(frame);
  }

  /** The state in the header's {@code initial} / a state line's shape. */
  static Map<String, Object> initial(EnergyFrame f) {
    Map<String, Object> agents = new LinkedHashMap<>();
    agents.put("x", f.x.clone());
    agents.put("y", f.y.clone());
    agents.put("orientation", f.orientation.clone());
    agents.put("energy", f.energy.clone());
    int[][] inv = new int[f.agents()][];
    for (int a = 0; a < inv.length; a++) {
      inv[a] = new int[] {f.green[a], f.yellow[a]};
    }
    agents.put("inventory", inv);
    agents.put("frozen", f.frozen.clone());
    agents.put("shield", f.shield.clone());
    Map<String, Object> objects = new LinkedHashMap<>();
    objects.put("ready_at", f.readyAt.clone());
    objects.put("stock", f.stock.clone());
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("agents", agents);
    out.put("objects", objects);
    return out;
  }

  /** Base64 bitset of walls: cell i = y * width + x is bit i & 7 of byte i >> 3. */
  static String walls(EnergyView v) {
    int w = v.width();
    byte[] bits = new byte[(w * v.height() + 7) / 8];
    for (int y = 0; y < v.height(); y++) {
      for (int x = 0; x < w; x++) {
        if (v.cell(x, y) == CellKind.WALL) {
          int i = y * w + x;
          bits[i >> 3] |= (byte) (1 << (i & 7));
        }
      }
    }
    return Base64.getEncoder().encodeToString(bits);
  }

  @Override
  public void appendStep(JsonLine out, EnergyFrame cur) {
    EnergyFrame prev = previous;
    cur.resolvePositions(view.width());
    out.key("energy").ints(cur.energy, 0, cur.agents());
    boolean any = false;
    for (int a = 0; a < cur.agents(); a++) {
      if (cur.agentChanged(prev, a)) {
        out.raw(any ? ",[" : ",\"agents\":[[");
        any = true;
        out.integer(a).raw(',').integer(cur.x[a]).raw(',').integer(cur.y[a]).raw(',').integer(cur.orientation[a])
            .raw(',').integer(cur.green[a]).raw(',').integer(cur.yellow[a]).raw(',').integer(cur.frozen[a])
            .raw(',').integer(cur.shield[a]).raw(']');
      }
    }
    if (any) {
      out.raw(']');
    }
    any = false;
    for (int o = 0; o < cur.objects(); o++) {
      if (cur.objectChanged(prev, o)) {
        out.raw(any ? ",[" : ",\"objects\":[[");
        any = true;
        out.integer(o).raw(',').integer(cur.readyAt[o]).raw(',').integer(cur.stock[o]).raw(']');
      }
    }
    if (any) {
      out.raw(']');
    }
    prev.copyFrom(cur);
  }
}
