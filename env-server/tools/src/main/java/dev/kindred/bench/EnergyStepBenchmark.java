package dev.kindred.bench;

import dev.kindred.env.Autoreset;
import dev.kindred.env.BatchedEnv;
import dev.kindred.env.StepBatch;
import dev.kindred.env.WorldRegistry;
import dev.kindred.env.WorldType;
import dev.kindred.env.Config;
import dev.kindred.env.World;
import dev.kindred.replay.RecordingWorld;
import dev.kindred.replay.ReplaySink;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH benchmark of the energy/kinship world stepping in process: one copy of a scenario of
 * docs/benchmarks.md (S1, S2, S3) on one thread through a {@link BatchedEnv}, random valid
 * actions from a table of {@value #ACTION_ROWS} rows built before timing, every observation
 * ({@code grid}, or {@code tokens} with {@code -p observation=tokens}; {@code globals},
 * {@code action_mask}) written every Step, agents in the default
 * random order, autoreset on the next Step. The primary
 * score is Steps per second; the {@code agentSteps} counter is agent-steps per second, and
 * {@code -prof gc} gives bytes allocated per Step.
 *
 * <p>{@code kindred bench energy} runs it for its in-process rows ({@link EnergyBench}); to run
 * it with JMH's own options ({@code -h} lists them; the annotations below are the defaults):
 * <pre>{@code
 * ./kindred bench jmh EnergyStepBenchmark -p scenario=S1 -prof gc
 * java -cp env-server/target/kindred-server.jar org.openjdk.jmh.Main EnergyStepBenchmark -prof gc
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
public class EnergyStepBenchmark {

  /** Rows in the table of random actions (a power of two). */
  static final int ACTION_ROWS = 1024;

  /** Agent-steps done in the current iteration; JMH reports them per second. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class AgentSteps {
    public long agentSteps;

    @Setup(Level.Iteration)
    public void clear() {
      agentSteps = 0;
    }
  }

  @Param({"S1", "S2", "S3"})
  public String scenario;

  /** Episode length; 0: the scenario's (1000). */
  @Param("0")
  public int maxSteps;

  @Param("1")
  public long seed;

  /** The world's {@code observation}: {@code grid} (dense window) or {@code tokens}. */
  @Param("grid")
  public String observation;

  /**
   * Whether the world is recorded: a {@link RecordingWorld} writing a replay of every episode
   * (gzip and SHA-256 included) into a sink that drops the bytes.
   */
  @Param("false")
  public boolean record;

  private BatchedEnv env;
  private int[][] actions;
  private int agents;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    WorldType type = WorldRegistry.builtIn().get(EnergyBench.worldId(scenario));
    Map<String, Object> worldConfig = EnergyBench.worldConfig(maxSteps, observation);
    Config config = type.schema().resolve(worldConfig);
    World world = type.create(config, 1);
    if (record) {
      world = new RecordingWorld(world, config, ReplaySink.discard(), "bench", RecordingWorld.EpisodeFilter.all());
    }
    env = new BatchedEnv(world, Autoreset.NEXT_STEP, seed, List.of());
    env.reset(null, null);
    agents = env.spec().numAgents();
    actions = EnergyBench.actionTable(ACTION_ROWS, 1, agents, seed);
  }

  @Benchmark
  public StepBatch step(AgentSteps counter) {
    int[] a = actions[next];
    next = (next + 1) & (ACTION_ROWS - 1);
    counter.agentSteps += agents;
    return env.step(a);
  }
}
