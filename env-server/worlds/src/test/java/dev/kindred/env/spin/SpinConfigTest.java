package dev.kindred.env.spin;

import static dev.kindred.env.spin.SpinTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.DataFiles;
import dev.kindred.env.EnvException;
import dev.kindred.env.TensorSpec;
import dev.kindred.env.WorldContext;
import dev.kindred.env.WorldType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Registration, specs and rejection of bad configurations (INVALID_ARGUMENT naming the field). */
class SpinConfigTest {
  static final List<List<Double>> TRI = List.of(
      List.of(0.0, 1.0, 0.5),
      List.of(1.0, 0.0, -0.5),
      List.of(0.5, -0.5, 0.0));

  private static void assertInvalid(String id, Map<String, Object> config, String field, String... fragments) {
    assertInvalid(id, config, WorldContext.standalone(), field, fragments);
  }

  static void assertInvalid(String id, Map<String, Object> config, WorldContext context, String field,
      String... fragments) {
    WorldType t = REGISTRY.get(id);
    EnvException e = assertThrows(EnvException.class, () -> t.create(t.schema().resolve(config), 2, context),
        id + " " + config);
    assertEquals(EnvException.Kind.INVALID_ARGUMENT, e.kind());
    assertTrue(e.getMessage().startsWith(field + ":"), "message '" + e.getMessage() + "' should name " + field);
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' should mention " + f);
    }
  }

  @Test
  void allSpinWorldsAreRegisteredAndBuildWithDefaults() {
    for (String id : List.of("spin.lattice", "spin.random_regular", "spin.erdos_renyi", "spin.sk")) {
      SpinWorld w = world(id, Map.of(), 2);
      assertEquals(id, w.spec().worldId());
      assertEquals(0, w.spec().numAgents());
      assertEquals("equilibrium: Gibbs law (detailed balance)", w.spec().properties().get("regime"));
      for (TensorSpec t : w.spec().observations()) {
        assertFalse(t.description().isBlank(), t.name());
      }
      env(w, 1).reset(null, null);
    }
    SpinWorld b = world("spin.boltzmann", cfg("couplings", TRI), 1);
    assertEquals("3", b.spec().properties().get("n"));
    assertEquals(1024, world("spin.lattice", Map.of(), 1).graph().n());
  }

  @Test
  void specDescribesTheRegimeAndGraph() {
    SpinWorld sync = world("spin.lattice", cfg("width", 4, "height", 4, "schedule", "synchronous"), 1);
    assertEquals("synchronous: Peretto stationary law (eq. C.33)", sync.spec().properties().get("regime"));
    assertEquals("true", sync.spec().properties().get("bipartite"));
    assertEquals("4", sync.spec().properties().get("max_degree"));
    assertTrue(sync.spec().observations().stream().anyMatch(t -> t.name().equals("sublattice_magnetisation")));
    SpinWorld odd = world("spin.lattice", cfg("width", 3, "height", 4), 1);
    assertEquals("false", odd.spec().properties().get("bipartite"));
    assertFalse(odd.spec().observations().stream().anyMatch(t -> t.name().equals("sublattice_magnetisation")));
    SpinWorld asym = world("spin.random_regular", cfg("n", 20, "gamma_std", 0.5, "symmetric", false), 1);
    assertEquals("non-equilibrium: asymmetric precisions break detailed balance", asym.spec().properties().get("regime"));
    // asymmetric flag without disorder is still symmetric
    SpinWorld plain = world("spin.random_regular", cfg("n", 20, "symmetric", false), 1);
    assertEquals("equilibrium: Gibbs law (detailed balance)", plain.spec().properties().get("regime"));
    SpinWorld ctl = world("spin.lattice", cfg("width", 4, "height", 4, "controlled", List.of(5, 1)), 1);
    assertEquals(List.of("spin_5", "spin_1"), ctl.spec().agentNames());
    assertEquals("neighbour_spins", ctl.spec().observations().get(0).name());
    assertEquals(1, ctl.spec().actions().size());
  }

  private static String description(SpinWorld w, String observation) {
    return w.spec().observations().stream().filter(t -> t.name().equals(observation)).findFirst().orElseThrow()
        .description();
  }

  @Test
  void modeActionIsLabelledDeterministicNotGibbs() {
    for (String schedule : List.of("random_sequential", "synchronous")) {
      for (boolean symmetric : new boolean[] {true, false}) {
        SpinWorld mode = world("spin.random_regular", cfg("n", 20, "gamma_std", 0.5, "symmetric", symmetric,
            "schedule", schedule, "action", "mode"), 1);
        String label = "mode " + schedule + (symmetric ? " symmetric" : " asymmetric");
        String regime = mode.spec().properties().get("regime");
        assertTrue(regime.startsWith("deterministic: zero-temperature best-response dynamics"), label + ": " + regime);
        assertFalse(regime.contains("equilibrium"), label + ": " + regime);
        String phi = description(mode, "phi");
        assertTrue(phi.contains("posterior belief"), label + ": " + phi);
        assertTrue(phi.contains("takes the mode"), label + ": " + phi);
        assertFalse(phi.contains("probability of choosing"), label + ": " + phi);
        assertFalse(description(mode, "energy").contains("Gibbs law"), label);
        assertFalse(description(mode, "energy_sync").contains("stationary law"), label);
      }
    }
    SpinWorld sample = world("spin.random_regular", cfg("n", 20), 1);
    assertTrue(description(sample, "phi").contains("its probability of choosing +1 at its next update"));
    assertTrue(description(sample, "energy").contains("the Gibbs law of the asynchronous schedules"));
    assertTrue(description(sample, "energy_sync").contains("the synchronous stationary law"));
    // asymmetric precisions have no Gibbs or Peretto law either
    SpinWorld asymmetric = world("spin.random_regular", cfg("n", 20, "gamma_std", 0.5, "symmetric", false), 1);
    assertFalse(description(asymmetric, "energy").contains("Gibbs law"));
    assertFalse(description(asymmetric, "energy_sync").contains("stationary law"));
  }

  @Test
  void clampedUnitsAreLabelledAsFieldsOnTheFreeUnits() {
    SpinWorld sync = world("spin.boltzmann", cfg("couplings", TRI, "schedule", "synchronous",
        "clamped", List.of(0), "clamped_values", List.of(1)), 1);
    assertEquals("synchronous: Peretto stationary law (eq. C.33) of the free units, the clamped units acting as "
        + "fields (not the conditional of the full system's Peretto law)", sync.spec().properties().get("regime"));
    SpinWorld async = world("spin.boltzmann", cfg("couplings", TRI, "clamped", List.of(0), "clamped_values",
        List.of(1)), 1);
    assertEquals("equilibrium: Gibbs law (detailed balance) of the free units, the clamped units acting as fields "
        + "(the same as the conditional of the full system's Gibbs law)", async.spec().properties().get("regime"));
  }

  @Test
  void randomRegularGraphsAreSimpleAndRegular() {
    for (int[] nd : new int[][] {{10, 3}, {50, 4}, {12, 9}, {101, 2}}) {
      SpinWorld w = world("spin.random_regular", cfg("n", nd[0], "degree", nd[1], "graph_seed", 3), 1);
      double[][] g = gammaMatrix(w.graph());
      for (int i = 0; i < nd[0]; i++) {
        int deg = 0;
        assertEquals(0, g[i][i]);
        for (int j = 0; j < nd[0]; j++) {
          assertTrue(g[i][j] == 0 || g[i][j] == 1, "multi-edge");
          assertEquals(g[i][j], g[j][i]);
          deg += (int) g[i][j];
        }
        assertEquals(nd[1], deg);
      }
    }
  }

  @Test
  void erdosRenyiHasTheRequestedMeanDegree() {
    SpinWorld w = world("spin.erdos_renyi", cfg("n", 4000, "mean_degree", 5.0, "graph_seed", 1), 1);
    long directed = w.graph().offsets[4000];
    double mean = directed / 4000.0;
    // E = 5, sd of the mean degree = sqrt(2 * 5 / 4000) ~ 0.05
    assertEquals(5.0, mean, 0.25);
  }

  @Test
  void couplingsFileMatchesInlineMatrix(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("m.txt"), "# a 3x3 matrix\n0, 1, 0.5\n1 0 -0.5  # row 1\n\n0.5,-0.5,0\n");
    SpinWorld a = world("spin.boltzmann", cfg("couplings_file", "m.txt"), 1, WorldContext.reading(DataFiles.in(dir)));
    SpinWorld b = world("spin.boltzmann", cfg("couplings", TRI), 1);
    assertTrue(Arrays.deepEquals(gammaMatrix(a.graph()), gammaMatrix(b.graph())));
    assertArrayEquals(new double[] {0, 1, 0.5}, gammaMatrix(a.graph())[0]);
    assertEquals("explicit 3 x 3 coupling matrix from m.txt", a.spec().properties().get("graph"));
  }

  @Test
  void rejectsBadSizes() {
    assertInvalid("spin.lattice", cfg("width", 1), "config.width");
    assertInvalid("spin.lattice", cfg("width", 1 << 14, "height", 1 << 13), "config.width", "2^26");
    assertInvalid("spin.sk", cfg("n", 20000), "config.n", "16384");
    assertInvalid("spin.random_regular", cfg("n", 10, "degree", 10), "config.degree", "below n");
    assertInvalid("spin.random_regular", cfg("n", 11, "degree", 3), "config.degree", "even");
    assertInvalid("spin.random_regular", cfg("n", 1 << 27), "config.n", "2^26");
    assertInvalid("spin.erdos_renyi", cfg("n", 10, "mean_degree", 9.5), "config.mean_degree", "n - 1");
    assertInvalid("spin.lattice", cfg("beta", 1e4), "config.beta");
    assertInvalid("spin.lattice", cfg("sweeps_per_step", 0), "config.sweeps_per_step");
    assertInvalid("spin.lattice", cfg("schedule", "parallel"), "config.schedule");
    assertInvalid("spin.lattice", cfg("colour", 1), "config.colour", "unknown");
  }

  @Test
  void rejectsBadBoltzmannMatrices(@TempDir Path dir) throws Exception {
    assertInvalid("spin.boltzmann", cfg("couplings", List.of(List.of(0.0, 1.0), List.of(1.0, 0.0), List.of(0.0, 0.0))),
        "config.couplings", "square");
    assertInvalid("spin.boltzmann", cfg("couplings", List.of(List.of(0.0, 1.0), List.of(1.0))), "config.couplings");
    assertInvalid("spin.boltzmann", cfg("couplings", List.of(List.of(0.0, Double.NaN), List.of(1.0, 0.0))),
        "config.couplings[0][1]", "finite");
    assertInvalid("spin.boltzmann", cfg("couplings", List.of(List.of(1.0, 1.0), List.of(1.0, 0.0))),
        "config.couplings", "diagonal");
    assertInvalid("spin.boltzmann", cfg("couplings", TRI, "fields", List.of(0.1, 0.2)), "config.fields", "n = 3");
    assertInvalid("spin.boltzmann", cfg(), "config.couplings", "exactly one");
    WorldContext data = WorldContext.reading(DataFiles.in(dir));
    Files.writeString(dir.resolve("m.txt"), "0 1\n1 0\n");
    assertInvalid("spin.boltzmann", cfg("couplings", TRI, "couplings_file", "m.txt"), data, "config.couplings_file",
        "exactly one");
    assertInvalid("spin.boltzmann", cfg("couplings_file", "missing.txt"), data, "config.couplings_file",
        "no data file 'missing.txt'");
    Files.writeString(dir.resolve("bad.txt"), "0 x\n1 0\n");
    assertInvalid("spin.boltzmann", cfg("couplings_file", "bad.txt"), data, "config.couplings_file",
        "line 1, entry 2 is not a number");
    Files.writeString(dir.resolve("inf.txt"), "0 Infinity\n1 0\n");
    assertInvalid("spin.boltzmann", cfg("couplings_file", "inf.txt"), data, "config.couplings_file", "finite");
    Files.writeString(dir.resolve("long.txt"), "0 1\n1 0\n1 1\n");
    assertInvalid("spin.boltzmann", cfg("couplings_file", "long.txt"), data, "config.couplings_file", "square");
  }

  @Test
  void rejectsBadSpinLists() {
    assertInvalid("spin.lattice", cfg("width", 4, "height", 4, "controlled", List.of(3, 16)),
        "config.controlled[1]", "16", "0 <= index < n = 16");
    assertInvalid("spin.lattice", cfg("width", 4, "height", 4, "controlled", List.of(-1)),
        "config.controlled[0]", "-1");
    assertInvalid("spin.lattice", cfg("width", 4, "height", 4, "controlled", List.of(2, 2)),
        "config.controlled[1]", "listed twice", "0 <= index < 16");
    assertInvalid("spin.lattice", cfg("width", 4, "height", 4, "controlled", List.of(2), "clamped", List.of(2),
        "clamped_values", List.of(1)), "config.clamped[0]", "also listed in controlled");
    assertInvalid("spin.lattice", cfg("width", 4, "height", 4, "clamped", List.of(1, 5), "clamped_values", List.of(1)),
        "config.clamped_values", "clamped has 2");
    assertInvalid("spin.lattice", cfg("width", 4, "height", 4, "clamped", List.of(1), "clamped_values", List.of(0)),
        "config.clamped_values[0]", "-1 or +1");
    assertInvalid("spin.lattice", cfg("width", 4, "height", 4, "clamped", List.of(20), "clamped_values", List.of(1)),
        "config.clamped[0]", "0 <= index < n = 16");
    assertInvalid("spin.lattice", cfg("width", 4, "height", 4, "zetas", List.of(0.1, 0.2)), "config.zetas", "n = 16");
  }

  @Test
  void rejectsCheckerboardOnNonBipartiteGraphs() {
    assertInvalid("spin.lattice", cfg("width", 3, "height", 4, "schedule", "checkerboard"), "config.schedule",
        "not bipartite");
    assertInvalid("spin.sk", cfg("n", 10, "schedule", "checkerboard"), "config.schedule", "not bipartite");
    // a bipartite explicit graph (a 4-cycle) is accepted
    List<List<Double>> cycle = List.of(List.of(0.0, 1.0, 0.0, 1.0), List.of(1.0, 0.0, 1.0, 0.0),
        List.of(0.0, 1.0, 0.0, 1.0), List.of(1.0, 0.0, 1.0, 0.0));
    SpinWorld w = world("spin.boltzmann", cfg("couplings", cycle, "schedule", "checkerboard"), 1);
    assertEquals("true", w.spec().properties().get("bipartite"));
  }
}
