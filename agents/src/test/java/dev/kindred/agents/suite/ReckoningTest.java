package dev.kindred.agents.suite;

import static dev.kindred.agents.suite.SuiteKit.QUIET;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.agents.BatchPolicy;
import dev.kindred.env.Config;
import dev.kindred.env.ConfigSchema;
import dev.kindred.env.StepBatch;
import dev.kindred.env.World;
import dev.kindred.env.WorldContext;
import dev.kindred.env.WorldRegistry;
import dev.kindred.env.WorldType;
import dev.kindred.env.energy.EnergyView;
import dev.kindred.env.energy.EnergyWorld;
import dev.kindred.env.energy.EnergyWorldType;
import dev.kindred.local.LocalVectorEnv;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cells_visited follows an agent from what it observes (its successful moves, its orientation);
 * here against the world's own positions, read in process at every step, for a random walker in
 * a room with walls in the way (forward, backward, turning).
 */
class ReckoningTest {
  @TempDir
  Path dir;

  /** energy.room, keeping the worlds it creates so that the test can read their state. */
  static final class Watched implements WorldType {
    final WorldType room = new EnergyWorldType.Room();
    final List<EnergyWorld> created = new ArrayList<>();

    @Override
    public String id() {
      return room.id();
    }

    @Override
    public String title() {
      return room.title();
    }

    @Override
    public String description() {
      return room.description();
    }

    @Override
    public ConfigSchema schema() {
      return room.schema();
    }

    @Override
    public World create(Config config, int copies, WorldContext context) {
      EnergyWorld w = (EnergyWorld) room.create(config, copies, context);
      created.add(w);
      return w;
    }
  }

  @Test
  void reckonedCellsAreTheCellsTheWorldPutTheAgentIn() throws Exception {
    Path f = SuiteKit.file(dir, "walls", """
        {'description': 'a random walk among walls', 'world': 'energy.room',
         'world_config': {'map': ['#########', '#...#...#', '#.#...#.#', '#...A...#', '#.#.#.#.#', '#.......#',
                                  '#########'], 'max_steps': 80},
         'episodes': 12,
         'metrics': [{'name': 'cells', 'kind': 'cells_visited', 'description': 'cells'}]}
        """);
    Watched type = new Watched();
    WorldRegistry registry = new WorldRegistry(List.of(type));
    TestWorld.Opener opener = (world, config, copies, seed) -> LocalVectorEnv.create(registry, world, config, copies,
        seed);
    // The truth: before each action (and on the observation after an episode's last step) the policy
    // notes where the world has the agent; one copy, so episodes come in order.
    List<Set<Long>> truth = new ArrayList<>();
    Brain walker = Brain.of("watched walker", (spec, seed) -> new BatchPolicy() {
      final SplittableRandom random = new SplittableRandom(seed);

      @Override
      public void act(StepBatch b, int[] actions) {
        EnergyView v = type.created.get(0).view(0);
        if (b.resetMask()[0] != 0) {
          truth.add(new HashSet<>());
        }
        truth.get(truth.size() - 1).add(((long) v.agentX(0) << 32) | v.agentY(0));
        // Forward, backward, or a turn to any side, uniformly.
        int k = random.nextInt(6);
        actions[0] = k < 2 ? 1 : 2;
        actions[1] = k < 2 ? k : k - 2;
      }
    });
    TestFile t = TestFile.read(f);
    TestWorld.Result r;
    try (TestWorld w = TestWorld.open(t, opener, t.episodes(), 1, 21)) {
      r = w.play(walker, new SuiteProgress(QUIET, "x", 1, 10));
    }
    double[] expected = new double[12];
    for (int i = 0; i < 12; i++) {
      expected[i] = truth.get(i).size();
    }
    assertArrayEquals(expected, r.metric("cells").values());
    assertTrue(java.util.Arrays.stream(expected).min().orElse(0) >= 5, "the walker gets about");
  }
}
