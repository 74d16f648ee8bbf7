package dev.kindred.replay;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.reflect.TypeToken;
import dev.kindred.env.Config;
import dev.kindred.env.EnvException;
import dev.kindred.env.PlainValues;
import dev.kindred.env.StatSpec;
import dev.kindred.env.StepBatch;
import dev.kindred.env.World;
import dev.kindred.env.WorldBuffers;
import dev.kindred.env.WorldRegistry;
import dev.kindred.env.WorldSpec;
import dev.kindred.env.WorldType;
import dev.kindred.env.energy.EnergyWorld;
import dev.kindred.env.spin.SpinWorld;
import java.util.List;
import java.util.Map;

/**
 * Re-simulates a replay: builds the world from its id and configuration
 * ({@link WorldRegistry#builtIn()}), resets it with the replay's seed, applies the recorded
 * actions one step at a time and compares everything the replay recorded (successes, rewards,
 * the full state after every step, the end flags and the episode statistics) exactly, reporting
 * the first divergence.
 */
public final class ReplayVerifier {
  private ReplayVerifier() {}

  /**
   * The outcome.
   *
   * @param steps      steps that reproduced exactly
   * @param divergence null when every step reproduced; else where and how the first one differed
   */
  public record Result(int steps, String divergence) {
    public boolean ok() {
      return divergence == null;
    }
  }

  /**
   * @throws ReplayException when the replay's world cannot be built (unknown world, a configuration
   *                         this version refuses)
   */
  public static Result verify(Replay replay) {
    World world = build(replay);
    WorldSpec spec = world.spec();
    int agents = spec.numAgents();
    if (agents != replay.agents()) {
      return new Result(0, "the world has " + agents + " agents; the replay records " + replay.agents());
    }
    WorldBuffers io = new WorldBuffers(spec, 1, new boolean[spec.observations().size()],
        new StepBatch(1, agents, List.of(), false));
    world.reset(0, replay.seed(), io);
    EnergyFrame energy = null;
    SpinFrame spin = null;
    String d;
    if (world instanceof EnergyWorld e) {
      energy = new EnergyFrame(agents, replay.energyFrames().get(0).objects());
      energy.capture(e.view(0));
      d = replay.energyFrames().get(0).firstDifference(energy);
    } else {
      spin = new SpinFrame(replay.spinFrames().get(0).spins.length, agents);
      spin.capture(((SpinWorld) world).view(0), false);
      d = replay.spinFrames().get(0).firstDifference(spin, false);
    }
    if (d != null) {
      return new Result(0, "after reset (step 0): " + d + " (expected: the replay; actual: re-simulated)");
    }
    int[] actions = io.actions();
    int steps = replay.steps();
    for (int t = 1; t <= steps; t++) {
      int[] a = replay.actions().get(t - 1);
      System.arraycopy(a, 0, actions, 0, a.length);
      world.step(0, io);
      d = compareStep(replay, t, io, agents);
      if (d == null) {
        if (energy != null) {
          energy.capture(((EnergyWorld) world).view(0));
          d = replay.energyFrames().get(t).firstDifference(energy);
        } else {
          spin.capture(((SpinWorld) world).view(0), true);
          d = replay.spinFrames().get(t).firstDifference(spin, true);
        }
      }
      if (d == null && t < steps && (io.terminated(0) || io.truncated(0))) {
        d = "the episode ended here, but the replay goes on to step " + steps;
      }
      if (d != null) {
        return new Result(t - 1, "step " + t + ": " + d + " (expected: the replay; actual: re-simulated)");
      }
    }
    d = compareEnd(replay, world, io, steps);
    return d == null ? new Result(steps, null) : new Result(steps, "end line: " + d);
  }

  private static World build(Replay replay) {
    String id = replay.world();
    WorldType type;
    try {
      type = WorldRegistry.builtIn().get(id);
    } catch (RuntimeException e) {
      throw new ReplayException(replay.source(), 1, "world " + ReplayReader.excerpt(id) + " is not a world of this "
          + "Kindred (" + e.getMessage() + ")");
    }
    Map<String, Object> plain = new Gson().fromJson(replay.header().get("config"),
        new TypeToken<Map<String, Object>>() { }.getType());
    try {
      Config config = type.schema().resolve(PlainValues.normalize(plain));
      return type.create(config, 1);
    } catch (EnvException e) {
      throw new ReplayException(replay.source(), 1, "cannot build " + id + " from the replay's config: "
          + e.getMessage());
    }
  }

  private static String compareStep(Replay replay, int t, WorldBuffers io, int agents) {
    byte[] success = replay.success().get(t - 1);
    float[] rewards = replay.rewards().get(t - 1);
    for (int a = 0; a < agents; a++) {
      if (success[a] != io.actionSuccess()[a]) {
        return "agent " + a + " success: expected " + success[a] + ", actual " + io.actionSuccess()[a];
      }
      float r = io.rewards()[a];
      if (rewards[a] != r && !(Float.isNaN(r) && Float.isNaN(rewards[a]))) {
        return "agent " + a + " reward: expected " + rewards[a] + ", actual " + r;
      }
    }
    return null;
  }

  private static String compareEnd(Replay replay, World world, WorldBuffers io, int steps) {
    JsonObject end = replay.end();
    boolean terminated = end.get("terminated").getAsBoolean();
    boolean truncated = end.get("truncated").getAsBoolean();
    boolean ended = steps > 0 && (io.terminated(0) || io.truncated(0));
    if (terminated || truncated) {
      if (terminated != io.terminated(0) || truncated != io.truncated(0)) {
        return "terminated/truncated: expected " + terminated + "/" + truncated + ", actual " + io.terminated(0)
            + "/" + io.truncated(0);
      }
    } else if (ended) {
      return "the replay says the recording was cut short, but the episode ended at step " + steps;
    }
    WorldSpec spec = world.spec();
    int agents = spec.numAgents();
    List<StatSpec> as = spec.agentStats();
    double[] agentStats = new double[agents * as.size()];
    double[] copyStats = new double[spec.copyStats().size()];
    world.episodeStats(0, agentStats, copyStats);
    JsonObject recorded = end.getAsJsonObject("agent_stats");
    for (int s = 0; s < as.size(); s++) {
      JsonElement e = recorded == null ? null : recorded.get(as.get(s).name());
      if (e == null || !e.isJsonArray()) {
        return "agent_stats has no " + as.get(s).name();
      }
      JsonArray v = e.getAsJsonArray();
      for (int a = 0; a < agents; a++) {
        double x = v.get(a).isJsonNull() ? Double.NaN : v.get(a).getAsDouble();
        double y = agentStats[a * as.size() + s];
        if (Double.compare(x, y) != 0) {
          return "agent " + a + " " + as.get(s).name() + ": expected " + x + ", actual " + y;
        }
      }
    }
    return null;
  }
}
