package dev.kindred.env;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A small deterministic world for testing the session layer and the server: each agent walks
 * on a line of positions. Action 0 steps left, 1 stays, 2 steps right; its reward is the
 * action value minus 1. Positions start at random (from the episode seed) in [0, 100). An
 * agent at position 0 that steps left fails (action success 0). Episodes are truncated after
 * {@code max_steps} steps and terminate early when {@code terminate_at} is reached by
 * agent 0.
 */
public final class CounterWorld implements World {
  public static final String ID = "test.counter";

  /** The world type, with its schema. */
  public static final class Type implements WorldType {
    private final ConfigSchema schema = new ConfigSchema(List.of(
        Parameter.integer("agents", 2, 0, 64, "agents per copy"),
        Parameter.integer("max_steps", 5, 1, 1_000_000, "steps before truncation"),
        Parameter.integer("terminate_at", -1, -1, 1_000_000, "position of agent 0 that terminates the episode (-1: never)")));

    @Override
    public String id() {
      return ID;
    }

    @Override
    public String title() {
      return "Counter (test world)";
    }

    @Override
    public String description() {
      return "Agents walk on a line; reward is action - 1.";
    }

    @Override
    public ConfigSchema schema() {
      return schema;
    }

    @Override
    public World create(Config config, int copies, WorldContext context) {
      return new CounterWorld(config, copies);
    }
  }

  private final WorldSpec spec;
  private final int copies;
  private final int agents;
  private final int episodeLength;
  private final int terminateAt;
  private final int[] position;
  private final int[] stepInEpisode;
  private final int[] failures;

  CounterWorld(Config config, int copies) {
    this.copies = copies;
    this.agents = config.getInt("agents");
    this.episodeLength = config.getInt("max_steps");
    this.terminateAt = config.getInt("terminate_at");
    List<String> names = new java.util.ArrayList<>();
    for (int a = 0; a < agents; a++) {
      names.add("walker_" + a);
    }
    this.spec = new WorldSpec(ID, names,
        List.of(
            new TensorSpec("position", "position and step of the agent", DType.INT32, new int[] {2},
                Scope.AGENT, 0.0, null, List.of(new FeatureSpec("position", "where the agent is", 0),
                    new FeatureSpec("step", "steps since reset", 1))),
            new TensorSpec("total", "sum of positions in the copy", DType.FLOAT64, new int[0],
                Scope.COPY, null, null, List.of())),
        new ActionSpec(List.of(new ActionDimension("move", "0 left, 1 stay, 2 right", 3,
            List.of("left", "stay", "right"))), "one move per agent"),
        new RewardSpec("action - 1", -1.0, 1.0),
        episodeLength, terminateAt >= 0, "truncated after max_steps steps",
        List.of(new StatSpec("failures", "failed moves", Scope.AGENT),
            new StatSpec("final_total", "sum of positions at the end", Scope.COPY)),
        Map.of("kind", "test"));
    this.position = new int[copies * Math.max(agents, 1)];
    this.stepInEpisode = new int[copies];
    this.failures = new int[copies * Math.max(agents, 1)];
  }

  @Override
  public WorldSpec spec() {
    return spec;
  }

  @Override
  public int copies() {
    return copies;
  }

  @Override
  public void reset(int copy, long seed, WorldBuffers out) {
    SplittableRandom rng = new SplittableRandom(seed);
    for (int a = 0; a < agents; a++) {
      position[copy * agents + a] = rng.nextInt(100);
      failures[copy * agents + a] = 0;
    }
    stepInEpisode[copy] = 0;
    write(copy, out);
  }

  @Override
  public void step(int copy, WorldBuffers io) {
    int[] actions = io.actions();
    int aoff = io.actionOffset(copy);
    int roff = io.agentOffset(copy);
    for (int a = 0; a < agents; a++) {
      int act = actions[aoff + a];
      int i = copy * agents + a;
      boolean ok = !(act == 0 && position[i] == 0);
      if (ok) {
        position[i] += act - 1;
      } else {
        failures[i]++;
      }
      io.rewards()[roff + a] = act - 1;
      io.actionSuccess()[roff + a] = (byte) (ok ? 1 : 0);
    }
    stepInEpisode[copy]++;
    boolean terminated = terminateAt >= 0 && agents > 0 && position[copy * agents] == terminateAt;
    io.setEnded(copy, terminated, !terminated && stepInEpisode[copy] >= episodeLength);
    write(copy, io);
  }

  private void write(int copy, WorldBuffers out) {
    ByteBuffer pos = out.observation(0);
    if (pos != null) {
      int off = out.observationOffset(0, copy);
      for (int a = 0; a < agents; a++) {
        pos.putInt(off + 8 * a, position[copy * agents + a]);
        pos.putInt(off + 8 * a + 4, stepInEpisode[copy]);
      }
    }
    ByteBuffer total = out.observation(1);
    if (total != null) {
      double sum = 0;
      for (int a = 0; a < agents; a++) {
        sum += position[copy * agents + a];
      }
      total.putDouble(out.observationOffset(1, copy), sum);
    }
  }

  @Override
  public void episodeStats(int copy, double[] agentStats, double[] copyStats) {
    double sum = 0;
    for (int a = 0; a < agents; a++) {
      agentStats[a] = failures[copy * agents + a];
      sum += position[copy * agents + a];
    }
    copyStats[0] = sum;
  }
}
