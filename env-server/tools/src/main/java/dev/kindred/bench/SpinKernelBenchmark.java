package dev.kindred.bench;

import dev.kindred.env.Autoreset;
import dev.kindred.env.BatchedEnv;
import dev.kindred.env.StepBatch;
import dev.kindred.env.WorldRegistry;
import dev.kindred.env.WorldType;
import java.util.LinkedHashMap;
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
 * JMH benchmarks of the spin worlds' update kernels: one {@link BatchedEnv} Step of one copy on
 * one thread with many sweeps per Step, asking only for {@code magnetisation}, so the figure is
 * the kernel's speed per core. The primary score is Steps per second; the {@code updates}
 * counter is spin updates per second. ({@code -prof gc} works, but with tens of Steps per
 * iteration its bytes per Step are mostly JMH's own, about 6 KB per iteration.)
 *
 * <p>{@code kindred bench spin} runs these for its in-process rows ({@link SpinBench}); to run
 * them with JMH's own options ({@code -h} lists them; the annotations below are the defaults):
 * <pre>{@code
 * ./kindred bench jmh SpinKernelBenchmark
 * ./kindred bench jmh SpinKernelBenchmark.lattice -p schedule=checkerboard -p size=512 -i 10
 * java -cp env-server/target/kindred-server.jar org.openjdk.jmh.Main SpinKernelBenchmark.sk -p n=4096
 * }</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
public class SpinKernelBenchmark {

  /** Spin updates done in the current iteration; JMH reports them per second. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Updates {
    public long updates;

    @Setup(Level.Iteration)
    public void clear() {
      updates = 0;
    }
  }

  /**
   * A spin world of {@code copies} copies, reset and then stepped with no-op actions (the spins
   * follow the dynamics), counting the spin updates it does. Subclasses choose the world.
   */
  @State(Scope.Thread)
  public abstract static class Model {
    @Param("1")
    public int copies;

    @Param("1")
    public long seed;

    private BatchedEnv env;
    private int[] actions;
    private long updatesPerStep;

    void open(String worldId, Map<String, Object> worldConfig, long updatesPerCopyStep) {
      WorldType type = WorldRegistry.builtIn().get(worldId);
      env = new BatchedEnv(type.create(type.schema().resolve(worldConfig), copies), Autoreset.NEXT_STEP, seed,
          List.of("magnetisation"));
      env.reset(null, null);
      actions = new int[env.copies() * env.spec().numAgents() * env.spec().actions().size()];
      updatesPerStep = updatesPerCopyStep * copies;
    }

    StepBatch step(Updates counter) {
      counter.updates += updatesPerStep;
      return env.step(actions);
    }
  }

  /** The 2-D Ising lattice ({@code spin.lattice}, J = 1, no field) under one update schedule. */
  @State(Scope.Thread)
  public static class Lattice extends Model {
    @Param({"random_sequential", "sweep", "synchronous", "checkerboard"})
    public String schedule;

    /** Lattice side L: L x L spins. */
    @Param("256")
    public int size;

    @Param("100")
    public int sweepsPerStep;

    /** Inverse temperature; the default is the critical beta_c = ln(1 + sqrt 2) / 2. */
    @Param("0.44068679350977147")
    public double beta;

    @Setup(Level.Trial)
    public void setUp() {
      open("spin.lattice", latticeConfig(size, beta, schedule, sweepsPerStep), (long) size * size * sweepsPerStep);
    }
  }

  /** The dense Sherrington-Kirkpatrick model ({@code spin.sk}) under random sequential updates. */
  @State(Scope.Thread)
  public static class Sk extends Model {
    /** Number of spins. */
    @Param("1024")
    public int n;

    @Param("2")
    public int sweepsPerStep;

    @Param("1.0")
    public double beta;

    @Setup(Level.Trial)
    public void setUp() {
      open("spin.sk", skConfig(n, beta, sweepsPerStep), (long) n * sweepsPerStep);
    }
  }

  @Benchmark
  public StepBatch lattice(Lattice state, Updates counter) {
    return state.step(counter);
  }

  @Benchmark
  public StepBatch sk(Sk state, Updates counter) {
    return state.step(counter);
  }

  /** The {@code spin.lattice} configuration of the in-process rows: L x L spins, J = 1, no field. */
  static Map<String, Object> latticeConfig(int size, double beta, String schedule, int sweepsPerStep) {
    Map<String, Object> cfg = new LinkedHashMap<>();
    cfg.put("width", size);
    cfg.put("height", size);
    return dynamics(cfg, beta, schedule, sweepsPerStep);
  }

  /** The {@code spin.sk} configuration of the in-process rows: random sequential updates. */
  static Map<String, Object> skConfig(int n, double beta, int sweepsPerStep) {
    Map<String, Object> cfg = new LinkedHashMap<>();
    cfg.put("n", n);
    cfg.put("graph_seed", 1);
    return dynamics(cfg, beta, "random_sequential", sweepsPerStep);
  }

  /** Adds how the spins move: the schedule at {@code beta}, from a random start, in episodes that never end. */
  private static Map<String, Object> dynamics(Map<String, Object> cfg, double beta, String schedule,
      int sweepsPerStep) {
    cfg.put("beta", beta);
    cfg.put("schedule", schedule);
    cfg.put("sweeps_per_step", sweepsPerStep);
    cfg.put("max_steps", 0);
    cfg.put("init", "random");
    return cfg;
  }
}
