package dev.kindred.env.spin;

import dev.kindred.env.Cancellation;
import dev.kindred.env.Rng;
import dev.kindred.env.World;
import dev.kindred.env.WorldBuffers;
import dev.kindred.env.WorldRenderer;
import dev.kindred.env.WorldSpec;
import java.util.Arrays;

/**
 * A batch of copies of a collective of active-inference spin agents (Heins et al. 2022).
 *
 * <p>Agent i holds sensory precisions β·γ_ij for its neighbours and prior precision β·ζ_i. Its
 * exact posterior that the hidden cause is +1 is φ_i = σ(2β u_i) with the local field
 * u_i = ζ_i + Σ_j γ_ij σ_j; with {@code action = sample} it sets its spin to +1 with probability
 * φ_i (Glauber / heat-bath dynamics), with {@code action = mode} to sign(u_i), keeping its spin
 * when u_i = 0 (also always at β = 0). Its surprise about its neighbours' spins is
 * −ln P(σ̃) = −ln 2cosh(β u_i) + ln 2cosh(β ζ_i) + Σ_j ln 2cosh(β γ_ij).
 *
 * <p>Random numbers: each copy owns an {@link Rng} seeded by {@link #reset}. {@code init = random}
 * draws one {@code nextLong()} per site in index order (+1 when its top bit is 0); clamped values
 * are then applied. A random-sequential update draws {@code nextInt(free)} for the site, then
 * (action = sample) {@code nextDouble()} compared with φ_i; ordered schedules (sweep,
 * checkerboard, synchronous) draw one {@code nextDouble()} per free site in their order. The fast
 * lattice kernel compares raw bits with integer thresholds, giving bit-identical trajectories.
 *
 * <p>This class wires the parts: {@link SpinSpecs} (what the spec says), {@link SpinSystem}
 * (model and state), a {@link SpinKernel} (the update loop, chosen once) and
 * {@link SpinObservables} (what each step reports).
 */
public final class SpinWorld implements World {
  private final SpinSystem system;
  private final SpinSpecs specs;
  private final SpinObservables observables;
  private final int schedule;
  private final boolean mode;
  private final int[] free;
  /** Chosen at construction; replaced only by the {@link #setFastKernel} test hook. */
  private SpinKernel kernel;
  private final SpinRenderer renderer;

  private final int sweepsPerStep;
  private final long episodeLength;
  private final String init;
  private final long burnIn;
  private final int[] controlled;
  private final int[] clamped;
  private final byte[] clampedValues;
  private final long[] stepCount;
  /** Polled between sweeps of long resets and steps; see {@link #sweepsPerCheck}. */
  private final Cancellation cancellation;
  /**
   * Sweeps between two polls of the cancellation, minus one (a power of two, minus one): about
   * 65536 spin updates, so a poll costs nothing next to the sweeps, and a cancelled burn-in of a
   * small world stops as promptly as one of a large world.
   */
  private final long sweepsPerCheck;

  SpinWorld(String worldId, SpinGraph g, SpinOptions o, int copies, String graphDescription,
      Cancellation cancellation) {
    this.cancellation = cancellation;
    this.sweepsPerCheck = Long.highestOneBit(Math.max(1, (1 << 16) / g.n)) - 1;
    this.controlled = o.controlled().clone();
    this.clamped = o.clamped().clone();
    this.clampedValues = o.clampedValues().clone();
    this.schedule = o.schedule();
    this.mode = o.mode();
    this.sweepsPerStep = o.sweepsPerStep();
    this.episodeLength = o.episodeLength();
    this.init = o.init();
    this.burnIn = o.burnIn();
    this.stepCount = new long[copies];
    this.free = SpinKernel.freeSites(g.n, controlled, clamped);
    this.system = new SpinSystem(g, o.beta(), o.zeta(), o.zetas(), copies);
    this.specs = new SpinSpecs(worldId, g, o, free.length, graphDescription);
    this.observables = new SpinObservables(system, specs, controlled);
    this.kernel = SpinKernel.choose(system, schedule, mode, free, true);
    this.renderer = new SpinRenderer(system, stepCount, controlled, clamped);
  }

  @Override
  public WorldSpec spec() {
    return specs.spec;
  }

  @Override
  public int copies() {
    return system.copies;
  }

  @Override
  public void reset(int copy, long seed, WorldBuffers out) {
    Rng r = system.rng(copy);
    r.seed(seed);
    int n = system.n;
    int base = copy * n;
    byte[] spins = system.spins;
    switch (init) {
      case "up" -> Arrays.fill(spins, base, base + n, (byte) 1);
      case "down" -> Arrays.fill(spins, base, base + n, (byte) -1);
      default -> {
        for (int i = 0; i < n; i++) {
          spins[base + i] = r.nextLong() >= 0 ? (byte) 1 : (byte) -1;
        }
      }
    }
    for (int k = 0; k < clamped.length; k++) {
      spins[base + clamped[k]] = clampedValues[k];
    }
    system.recomputeFields(copy);
    for (long s = 0; s < burnIn; s++) {
      if ((s & sweepsPerCheck) == 0) {
        cancellation.check();
      }
      kernel.sweep(copy);
    }
    stepCount[copy] = 0;
    observables.startEpisode(copy);
    observables.measure(copy, out, false);
  }

  @Override
  public void step(int copy, WorldBuffers io) {
    int[] actions = io.actions();
    int aoff = io.actionOffset(copy);
    int base = copy * system.n;
    for (int a = 0; a < controlled.length; a++) {
      system.setSpin(base, controlled[a], actions[aoff + a] == 1 ? (byte) 1 : (byte) -1);
    }
    for (int s = 0; s < sweepsPerStep; s++) {
      if ((s & sweepsPerCheck) == 0 && s > 0) {
        cancellation.check(); // the host polls before every copy, so not before the first sweep
      }
      kernel.sweep(copy);
    }
    stepCount[copy]++;
    io.setEnded(copy, false, episodeLength > 0 && stepCount[copy] >= episodeLength);
    observables.measure(copy, io, true);
  }

  @Override
  public void episodeStats(int copy, double[] agentStats, double[] copyStats) {
    observables.episodeStats(copy, stepCount[copy], agentStats, copyStats);
  }

  /** Pictures of the copies: see {@link SpinRenderer}. */
  @Override
  public WorldRenderer renderer() {
    return renderer;
  }

  /** A live read-only view of {@code copy}'s state, for recorders, renderers and tests. */
  public SpinView view(int copy) {
    if (copy < 0 || copy >= system.copies) {
      throw new IndexOutOfBoundsException("copy " + copy + " of " + system.copies);
    }
    return new CopyView(copy);
  }

  /** The {@link SpinView} of one copy: reads the shared arrays, allocates nothing per call. */
  private final class CopyView implements SpinView {
    private final int copy;
    private final int base;

    CopyView(int copy) {
      this.copy = copy;
      this.base = copy * system.n;
    }

    @Override
    public int n() {
      return system.n;
    }

    @Override
    public SpinGraph graph() {
      return system.graph;
    }

    @Override
    public int latticeWidth() {
      return system.graph.isLattice() ? system.graph.width : 0;
    }

    @Override
    public int latticeHeight() {
      return system.graph.isLattice() ? system.graph.height : 0;
    }

    @Override
    public int spin(int i) {
      return system.spins[base + i];
    }

    @Override
    public int controlled() {
      return controlled.length;
    }

    @Override
    public int controlledSpin(int agent) {
      return controlled[agent];
    }

    @Override
    public int clamped() {
      return clamped.length;
    }

    @Override
    public int clampedSpin(int k) {
      return clamped[k];
    }

    @Override
    public int clampedValue(int k) {
      return clampedValues[k];
    }

    @Override
    public double magnetisation() {
      return observables.magnetisation(copy);
    }

    @Override
    public double energy() {
      return observables.energyPerSpin(copy);
    }

    @Override
    public double phi(int agent) {
      return observables.agentPhi(copy, agent);
    }

    @Override
    public double surprise(int agent) {
      return observables.agentSurprise(copy, agent);
    }
  }

  // ---------------------------------------------------------------- test hooks

  /** The coupling graph. */
  SpinGraph graph() {
    return system.graph;
  }

  /** The model and state every kernel and measurement reads. */
  SpinSystem system() {
    return system;
  }

  /**
   * Allows ({@code true}) or forbids the specialised (lattice and dense) kernels, re-choosing the kernel;
   * the generic kernels must give the same trajectories.
   */
  void setFastKernel(boolean enabled) {
    kernel = SpinKernel.choose(system, schedule, mode, free, enabled);
  }

  /** Whether a specialised (lattice or dense) kernel is in use. */
  public boolean usesFastKernel() {
    return SpinLatticeKernels.isLatticeKernel(kernel) || SpinDenseKernels.isDenseKernel(kernel);
  }
}
