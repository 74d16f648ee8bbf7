package dev.kindred.env.spin;

/**
 * One sweep of the built-in agents over the free spins of one copy.
 *
 * <p>A world picks its kernel once, at construction ({@link #choose}), from the schedule, the
 * graph's storage and the action rule, so the only dispatch left is one virtual call per sweep;
 * inside, the loops run on primitive arrays and allocate nothing.
 */
interface SpinKernel {

  /** Runs one sweep on {@code copy}: |free| single-spin updates in the schedule's order. */
  void sweep(int copy);

  /**
   * The kernel for a world: when {@code specialise} is allowed, the specialised lattice kernels
   * where they {@link #latticeSpecialisationApplies apply} and the dense random-sequential kernel
   * where it {@link #denseSpecialisationApplies applies}; the generic ones otherwise. Every
   * specialised kernel gives the generic kernel's trajectory bit for bit.
   *
   * @param free the sites the built-in agents update, ascending (see {@link #freeSites})
   */
  static SpinKernel choose(SpinSystem system, int schedule, boolean mode, int[] free, boolean specialise) {
    if (specialise && denseSpecialisationApplies(system, schedule, mode)) {
      return new SpinDenseKernels.RandomSequential(system, free);
    }
    if (specialise && latticeSpecialisationApplies(system, mode, free)) {
      return switch (schedule) {
        case SpinOptions.RANDOM_SEQUENTIAL -> new SpinLatticeKernels.RandomSequential(system);
        case SpinOptions.SWEEP -> new SpinLatticeKernels.InOrder(system, false);
        case SpinOptions.CHECKERBOARD -> new SpinLatticeKernels.InOrder(system, true);
        default -> new SpinLatticeKernels.Synchronous(system);
      };
    }
    return switch (schedule) {
      case SpinOptions.RANDOM_SEQUENTIAL -> new SpinGenericKernels.RandomSequential(system, mode, free);
      case SpinOptions.SWEEP -> new SpinGenericKernels.InOrder(system, mode, new int[][] {free});
      case SpinOptions.CHECKERBOARD -> new SpinGenericKernels.InOrder(system, mode, colourClasses(system.graph, free));
      default -> new SpinGenericKernels.Synchronous(system, mode, free);
    };
  }

  /**
   * Whether the lattice kernels fit: a homogeneous lattice with one prior (five possible local
   * fields, so heat-bath probabilities become a five-entry threshold table), every spin free
   * (no per-site checks) and sampled actions.
   */
  static boolean latticeSpecialisationApplies(SpinSystem system, boolean mode, int[] free) {
    return system.homogeneousLattice && free.length == system.n && !mode;
  }

  /**
   * Whether the dense kernel fits: dense couplings (cached local fields), random sequential
   * updates and sampled actions; any priors, clamped or controlled sites.
   */
  static boolean denseSpecialisationApplies(SpinSystem system, int schedule, boolean mode) {
    return system.graph.kind == SpinGraph.Kind.DENSE && schedule == SpinOptions.RANDOM_SEQUENTIAL && !mode;
  }

  /** The sites in neither list, ascending: the spins the built-in agents update. */
  static int[] freeSites(int n, int[] controlled, int[] clamped) {
    boolean[] frozen = new boolean[n];
    for (int i : controlled) {
      frozen[i] = true;
    }
    for (int i : clamped) {
      frozen[i] = true;
    }
    int count = 0;
    for (int i = 0; i < n; i++) {
      count += frozen[i] ? 0 : 1;
    }
    int[] free = new int[count];
    int k = 0;
    for (int i = 0; i < n; i++) {
      if (!frozen[i]) {
        free[k++] = i;
      }
    }
    return free;
  }

  /** The free sites split by colour class (class 0 first), each ascending; the graph is bipartite. */
  private static int[][] colourClasses(SpinGraph g, int[] free) {
    int zeros = 0;
    for (int i : free) {
      zeros += g.colourOf(i) == 0 ? 1 : 0;
    }
    int[] class0 = new int[zeros];
    int[] class1 = new int[free.length - zeros];
    int a = 0;
    int b = 0;
    for (int i : free) {
      if (g.colourOf(i) == 0) {
        class0[a++] = i;
      } else {
        class1[b++] = i;
      }
    }
    return new int[][] {class0, class1};
  }
}
