package dev.kindred.replay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kindred.env.Config;
import dev.kindred.env.StepBatch;
import dev.kindred.env.WorldBuffers;
import dev.kindred.env.WorldRegistry;
import dev.kindred.env.WorldType;
import dev.kindred.env.energy.EnergyWorld;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The state line a live watcher gets first: the copy's full current state, positions included. */
class StateLineTest {
  @Test
  void anEnergyStateLineHoldsTheAgentsCurrentPositions() {
    WorldType type = WorldRegistry.builtIn().get("energy.s3");
    Config cfg = ReplayKit.resolve(type, Map.of("max_steps", 100));
    EnergyWorld inner = (EnergyWorld) type.create(cfg, 1);
    RecordingWorld world = new RecordingWorld(inner, cfg, ReplaySink.memory(), "test", RecordingWorld.EpisodeFilter.all());
    world.seats(List.of(Seat.all(inner.spec().numAgents(), Seat.Brain.builtin("random"))));
    int agents = inner.spec().numAgents();
    WorldBuffers io = new WorldBuffers(inner.spec(), 1, new boolean[inner.spec().observations().size()],
        new StepBatch(1, agents, List.of(), false));
    world.reset(0, 9, io);
    SplittableRandom rng = new SplittableRandom(3);
    int dims = inner.spec().actions().dimensions().size();
    for (int t = 1; t <= 12; t++) {
      for (int i = 0; i < agents * dims; i++) {
        io.actions()[i] = rng.nextInt(inner.spec().actions().dimensions().get(i % dims).numValues());
      }
      world.step(0, io);
    }
    EnergyFrame now = new EnergyFrame(agents, inner.view(0).objects());
    now.capture(inner.view(0));
    JsonObject line = JsonParser.parseString(world.stateLine(0)).getAsJsonObject();
    assertEquals(12, line.get("t").getAsInt());
    JsonObject a = line.getAsJsonObject("state").getAsJsonObject("agents");
    assertArrayEquals(now.x, ints(a.getAsJsonArray("x")), "x");
    assertArrayEquals(now.y, ints(a.getAsJsonArray("y")), "y");
    world.closeAll();
  }

  private static int[] ints(JsonArray a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).getAsInt();
    }
    return out;
  }
}
