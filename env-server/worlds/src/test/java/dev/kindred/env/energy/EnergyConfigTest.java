package dev.kindred.env.energy;

import static dev.kindred.env.energy.EnergyKit.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.Parameter;
import dev.kindred.env.WorldRegistry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bad input is INVALID_ARGUMENT naming the field and what was expected. */
class EnergyConfigTest {

  @Test
  void nonPositiveSizes() {
    invalid("config.width", "width", 0);
    invalid("config.height", "height", -3);
    invalid("config.agents", "agents", 0);
    invalid("config.view_size", "view_size", 0);
    invalid("config.max_steps", "max_steps", 0);
    assertTrue(invalid("config.view_size", "view_size", 10).getMessage().contains("odd"));
    invalid("config.width", "width", 2);
    invalid("config.rooms", "rooms", new int[] {2});
  }

  @Test
  void moreObjectsThanFreeCells() {
    // 5x5 with a border: 9 free cells.
    String m = invalid("config.walls", "width", 5, "height", 5, "agents", 2, "altars", 1, "converters", 1,
        "green_generators", 2, "yellow_generators", 2, "walls", 2).getMessage();
    assertTrue(m.contains("10") && m.contains("9 free cells"), m);
    invalid("config.agents", "width", 5, "height", 5, "agents", 10);
    world(ROOM, cfg("width", 5, "height", 5, "agents", 2, "altars", 1, "converters", 1, "green_generators", 2,
        "yellow_generators", 2, "walls", 1), 1);
  }

  @Test
  void unknownAsciiCharacters() {
    String m = invalid("config.map", "map", "#####\n#A.h#\n#.x.#\n#####").getMessage();
    assertTrue(m.contains("'x'") && m.contains("line 3") && m.contains("column 3") && m.contains("legend"), m);
    assertTrue(invalid("config.map", "map", "###\n#A\n###").getMessage().contains("line 2"));
    invalid("config.map", "map", "#.#\n...");
    invalid("config.map_file", "map_file", "energy.map"); // no data directory in process by default
    invalid("config.map_file", "map", "A", "map_file", "x.map");
  }

  private static List<List<Double>> square(int n, double v) {
    List<List<Double>> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<Double> r = new ArrayList<>();
      for (int j = 0; j < n; j++) {
        r.add(v);
      }
      rows.add(r);
    }
    return rows;
  }

  @Test
  void kinshipMatrixOfTheWrongSizeOrNotFinite() {
    String m = invalid("config.kinship_matrix", "agents", 5, "kinship", "explicit",
        "kinship_matrix", square(4, 0.5)).getMessage();
    assertTrue(m.contains("5 x 5"), m);
    invalid("config.kinship_matrix", "agents", 2, "kinship", "explicit");
    List<List<Double>> nan = square(2, 0.5);
    nan.get(0).set(1, Double.NaN);
    invalid("config.kinship_matrix[0][1]", "agents", 2, "kinship", "explicit", "kinship_matrix", nan);
    List<List<Double>> inf = square(2, 0.5);
    inf.get(1).set(0, Double.POSITIVE_INFINITY);
    invalid("config.kinship_matrix[1][0]", "agents", 2, "kinship", "explicit", "kinship_matrix", inf);
    List<List<Double>> ragged = square(2, 0.5);
    ragged.get(1).remove(0);
    invalid("config.kinship_matrix", "agents", 2, "kinship", "explicit", "kinship_matrix", ragged);
    invalid("config.kinship_matrix", "agents", 2, "kinship_matrix", square(2, 0.5));
    invalid("config.groups", "agents", 2, "groups", 3);
    invalid("config.kinship", "kinship", "tribal");
  }

  @Test
  void agentOrderIsRandomOrIndex() {
    String m = invalid("config.agent_order", "agent_order", "reverse").getMessage();
    assertTrue(m.contains("'reverse'") && m.contains("random, index"), m);
    invalid("config.agent_order", "agent_order", 1);
    assertEquals("random", world(ROOM, cfg(), 1).spec().properties().get("agent_order"), "the default");
    assertEquals("index", world(ROOM, cfg("agent_order", "index"), 1).spec().properties().get("agent_order"));
  }

  @Test
  void invertedSamplingRanges() {
    String m = invalid("config.move_cost", "move_cost", new int[] {5, 2}).getMessage();
    assertTrue(m.contains("inverted") && m.contains("min <= max"), m);
    invalid("config.altar_cost", "altar_cost", new int[] {1, 2, 3});
    invalid("config.freeze_duration[0]", "freeze_duration", new int[] {-1, 2});
    invalid("config.kin_random_range", "kinship", "random", "kin_random_range", List.of(0.9, 0.1));
  }

  @Test
  void bodyProfiles() {
    invalid("config.body_profiles", "body_profiles", List.of(List.of(1.0, 2.0)));
    invalid("config.agent_bodies", "agents", 2, "agent_bodies", List.of(0));
    invalid("config.agent_bodies[1]", "agents", 2, "agent_bodies", List.of(0, 1));
  }

  @Test
  void initialEnergyPerAgent() {
    String m = invalid("config.agent_initial_energy", "agents", 3, "agent_initial_energy", List.of(10, 20))
        .getMessage();
    assertTrue(m.contains("2 entries") && m.contains("one per agent (3)"), m);
    invalid("config.agent_initial_energy[0]", "agents", 1, "agent_initial_energy", List.of(-1));
  }

  @Test
  void everyWorldIsRegisteredAndEveryKeyDocumented() {
    WorldRegistry r = WorldRegistry.builtIn();
    for (String id : List.of("energy.room", "energy.s1", "energy.s2", "energy.s3", "energy.alone", "energy.altar_only")) {
      var type = r.get(id);
      for (Parameter p : type.schema().parameters()) {
        assertTrue(p.description().length() > 10, id + "." + p.name());
        assertTrue(p.name().matches("[a-z][a-z0-9_]*"), p.name());
        if (p.type() == dev.kindred.env.ParameterType.INT || p.type() == dev.kindred.env.ParameterType.FLOAT) {
          assertTrue(p.min() != null && p.max() != null, "bounds of " + p.name());
        }
      }
      EnergyWorld w = world(type, cfg(), 1);
      assertEquals(id, w.spec().worldId());
    }
    assertEquals(20, world(r.get("energy.s1"), cfg(), 1).spec().numAgents());
    assertEquals(100, world(r.get("energy.s2"), cfg(), 1).spec().numAgents());
    assertEquals(1, world(r.get("energy.alone"), cfg(), 1).view(0).agents());
  }
}
