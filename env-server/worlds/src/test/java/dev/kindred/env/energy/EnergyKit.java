package dev.kindred.env.energy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.Autoreset;
import dev.kindred.env.BatchedEnv;
import dev.kindred.env.Config;
import dev.kindred.env.EnvException;
import dev.kindred.env.StepBatch;
import dev.kindred.env.WorldContext;
import dev.kindred.env.WorldType;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Test helpers: build energy worlds from key/value pairs and drive them through BatchedEnv. */
final class EnergyKit {
  private EnergyKit() {}

  static final WorldType ROOM = new EnergyWorldType.Room();

  /** Key/value pairs to a config map; int[] values become lists. */
  static Map<String, Object> cfg(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      Object v = kv[i + 1];
      if (v instanceof int[] a) {
        v = java.util.Arrays.stream(a).boxed().toList();
      }
      m.put((String) kv[i], v);
    }
    return m;
  }

  static EnergyWorld world(WorldType type, Map<String, Object> raw, int copies) {
    Config c = type.schema().resolve(raw);
    return (EnergyWorld) type.create(c, copies);
  }

  static EnergyWorld world(WorldType type, Map<String, Object> raw, int copies, WorldContext context) {
    return (EnergyWorld) type.create(type.schema().resolve(raw), copies, context);
  }

  /** Expects INVALID_ARGUMENT whose message starts with the field. */
  static EnvException invalid(String field, Object... kv) {
    EnvException e = assertThrows(EnvException.class, () -> world(ROOM, cfg(kv), 1));
    assertEquals(EnvException.Kind.INVALID_ARGUMENT, e.kind());
    assertTrue(e.getMessage().startsWith(field + ":"), "message should name " + field + ": " + e.getMessage());
    return e;
  }

  /** A one-copy environment on an ASCII map, everything free unless overridden. */
  static Env map(String map, Object... kv) {
    Map<String, Object> raw = cfg("map", map, "move_cost", new int[] {0}, "attack_cost", new int[] {0},
        "shield_cost", new int[] {0}, "swap_cost", new int[] {0}, "shield_upkeep", new int[] {0});
    raw.putAll(cfg(kv));
    return new Env(world(ROOM, raw, 1), 1L);
  }

  static final class Env {
    final EnergyWorld world;
    final BatchedEnv env;
    final EnergyView view;
    final int agents;
    StepBatch batch;

    Env(EnergyWorld world, long seed) {
      this(world, seed, Autoreset.NEXT_STEP);
    }

    Env(EnergyWorld world, long seed, Autoreset mode) {
      this.world = world;
      this.env = new BatchedEnv(world, mode, seed, List.of());
      this.view = world.view(0);
      this.agents = world.spec().numAgents();
      this.batch = env.reset(null, null);
    }

    /** Steps copy 0 with {action, argument} pairs, one per agent. */
    StepBatch step(int... pairs) {
      assertEquals(2 * agents, pairs.length, "one [action, argument] pair per agent");
      batch = env.step(pairs);
      return batch;
    }

    /** Every agent does the same. */
    StepBatch all(int action, int argument) {
      int[] p = new int[2 * agents];
      for (int a = 0; a < agents; a++) {
        p[2 * a] = action;
        p[2 * a + 1] = argument;
      }
      return step(p);
    }

    /** Agent {@code agent} does (action, argument), the others noop. */
    StepBatch only(int agent, int action, int argument) {
      int[] p = new int[2 * agents];
      p[2 * agent] = action;
      p[2 * agent + 1] = argument;
      return step(p);
    }

    /** Agent {@code agent} does (action, argument), the others noop; its action must succeed. */
    void succeeds(int agent, int action, int argument) {
      succeeds(agent, action, argument, null);
    }

    void succeeds(int agent, int action, int argument, String message) {
      only(agent, action, argument);
      assertTrue(ok(agent), message);
    }

    /** Agent {@code agent} does (action, argument), the others noop; its action must fail. */
    void fails(int agent, int action, int argument) {
      fails(agent, action, argument, null);
    }

    void fails(int agent, int action, int argument, String message) {
      only(agent, action, argument);
      assertFalse(ok(agent), message);
    }

    boolean ok(int agent) {
      return batch.actionSuccess()[agent] == 1;
    }

    float reward(int agent) {
      return batch.rewards()[agent];
    }

    /** grid observation of {@code agent} (copy 0) at channel, row, column. */
    int grid(int agent, int channel, int row, int col) {
      int v = world.spec().observations().get(0).shape()[1];
      ByteBuffer b = batch.observation("grid");
      return b.get(((agent * Observer.CHANNELS + channel) * v + row) * v + col) & 0xff;
    }

    float global(int agent, int index) {
      return batch.observation("globals").getFloat((agent * Observer.GLOBALS + index) * 4);
    }
  }

  static final int NOOP = ActionTable.NOOP;
  static final int MOVE = ActionTable.MOVE;
  static final int ROTATE = ActionTable.ROTATE;
  static final int USE = ActionTable.USE;
  static final int ATTACK = ActionTable.ATTACK;
  static final int SHIELD = ActionTable.SHIELD;
  static final int SWAP = ActionTable.SWAP;
  static final int GIVE = ActionTable.GIVE;
  static final int UP = 0;
  static final int RIGHT = 1;
  static final int DOWN = 2;
  static final int LEFT = 3;
}
