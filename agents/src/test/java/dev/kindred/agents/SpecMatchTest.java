package dev.kindred.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.kindred.env.ActionDimension;
import dev.kindred.env.ActionSpec;
import dev.kindred.env.DType;
import dev.kindred.env.FeatureSpec;
import dev.kindred.env.Scope;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.TensorSpec;
import dev.kindred.env.VectorEnv;
import dev.kindred.env.WorldRegistry;
import dev.kindred.env.WorldSpec;
import dev.kindred.local.LocalVectorEnv;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each kind of difference a per-agent policy cares about is found and named; the rest is not. */
class SpecMatchTest {
  static SessionSpec room;
  static SessionSpec alone;
  static SessionSpec altarOnly;
  static final List<String> READS = List.of("grid", "globals");

  @BeforeAll
  static void specs() {
    room = spec("energy.room", Map.of("agents", 2));
    alone = spec("energy.alone", Map.of());
    altarOnly = spec("energy.altar_only", Map.of());
  }

  static SessionSpec spec(String world, Map<String, Object> config) {
    try (VectorEnv env = LocalVectorEnv.create(WorldRegistry.builtIn(), world, config, 1, 1)) {
      return env.spec();
    }
  }

  /** {@code room} with its world spec changed by {@code change}. */
  static SessionSpec with(UnaryOperator<WorldSpec> change) {
    return new SessionSpec(change.apply(room.world()), room.copies(), room.autoreset(), room.config());
  }

  static WorldSpec observations(WorldSpec w, List<TensorSpec> obs) {
    return w.withObservations(obs);
  }

  static WorldSpec actions(WorldSpec w, ActionSpec a) {
    return new WorldSpec(w.worldId(), w.agentNames(), w.observations(), a, w.reward(), w.maxEpisodeSteps(),
        w.canTerminate(), w.episodeDescription(), w.episodeStats(), w.properties());
  }

  static TensorSpec replace(TensorSpec t, DType dtype, int[] shape, Scope scope, List<FeatureSpec> features) {
    return new TensorSpec(t.name(), t.description(), dtype, shape, scope, t.low(), t.high(), features);
  }

  static SessionSpec withTensor(String name, UnaryOperator<TensorSpec> change) {
    return with(w -> {
      List<TensorSpec> obs = new ArrayList<>();
      for (TensorSpec t : w.observations()) {
        obs.add(t.name().equals(name) ? change.apply(t) : t);
      }
      return observations(w, obs);
    });
  }

  @Test
  void theBehaviouralRoomsMatchTheRoomWhateverTheirAgentCount() {
    assertNull(SpecMatch.firstDifference(room, alone, READS));
    assertNull(SpecMatch.firstDifference(room, altarOnly, READS));
    assertEquals(1, alone.agents());
    assertEquals(4, altarOnly.agents());
  }

  @Test
  void namesTheFirstDifferenceOfAnObservation() {
    assertEquals("it has no observation 'globals' (the policy reads [grid, globals])", SpecMatch.firstDifference(room,
        with(w -> observations(w, w.observations().stream().filter(t -> !t.name().equals("globals")).toList())),
        READS));
    assertEquals("its observation 'globals' is FLOAT64; the policy was trained on FLOAT32",
        SpecMatch.firstDifference(room, withTensor("globals",
            t -> replace(t, DType.FLOAT64, t.shape(), t.scope(), t.features())), READS));
    assertEquals("its observation 'grid' has shape [17, 9, 9]; the policy was trained on [17, 11, 11]",
        SpecMatch.firstDifference(room, withTensor("grid",
            t -> replace(t, t.dtype(), new int[] {17, 9, 9}, t.scope(), t.features())), READS));
    assertEquals("its observation 'globals' is per copy; the policy was trained on it per agent",
        SpecMatch.firstDifference(room, withTensor("globals",
            t -> replace(t, t.dtype(), t.shape(), Scope.COPY, t.features())), READS));
    assertEquals("its observation 'globals' has feature 0 'wealth'; the policy was trained on 'energy'",
        SpecMatch.firstDifference(room, withTensor("globals", t -> {
          List<FeatureSpec> f = new ArrayList<>(t.features());
          f.set(0, new FeatureSpec("wealth", "", 0, 1));
          return replace(t, t.dtype(), t.shape(), t.scope(), f);
        }), READS));
    // An observation the policy does not read may differ.
    assertNull(SpecMatch.firstDifference(room, withTensor("globals",
        t -> replace(t, DType.FLOAT64, t.shape(), t.scope(), t.features())), List.of("grid")));
  }

  @Test
  void namesTheFirstDifferenceOfTheAction() {
    ActionSpec a = room.world().actions();
    ActionDimension action = a.dimensions().get(0);
    ActionDimension argument = a.dimensions().get(1);
    assertEquals("its action has 1 dimension(s); the policy was trained on 2", SpecMatch.firstDifference(room,
        with(w -> actions(w, new ActionSpec(List.of(action), "", List.of(), ""))), READS));
    List<String> renamed = new ArrayList<>(action.valueNames());
    renamed.set(4, "hug");
    ActionDimension hug = new ActionDimension(action.name(), action.description(), action.numValues(), renamed);
    assertEquals("value 4 of its action dimension 0 ('action') is 'hug'; the policy was trained on 'attack'",
        SpecMatch.firstDifference(room, with(w -> actions(w, new ActionSpec(List.of(hug, argument), "",
            a.validCombinations(), a.maskObservation()))), READS));
    ActionDimension wider = new ActionDimension(argument.name(), argument.description(), 10, List.of());
    assertEquals("its action dimension 1 ('argument') has 10 values; the policy was trained on 9",
        SpecMatch.firstDifference(room, with(w -> actions(w, new ActionSpec(List.of(action, wider), "",
            a.validCombinations(), a.maskObservation()))), READS));
    List<List<Integer>> fewer = a.validCombinations().subList(0, a.validCombinations().size() - 1);
    assertEquals("it lists 21 valid action combinations; the policy was trained on 22 valid action combinations",
        SpecMatch.firstDifference(room, with(w -> actions(w, new ActionSpec(a.dimensions(), "", fewer,
            a.maskObservation()))), READS));
    List<List<Integer>> other = new ArrayList<>(a.validCombinations());
    other.set(1, List.of(1, 8));
    assertEquals("its valid action combination 1 is [1, 8]; the policy was trained on " + a.validCombinations().get(1),
        SpecMatch.firstDifference(room, with(w -> actions(w, new ActionSpec(a.dimensions(), "", other,
            a.maskObservation()))), READS));
    assertEquals("it has no action-mask observation; the policy was trained with 'action_mask'",
        SpecMatch.firstDifference(room, with(w -> actions(w, new ActionSpec(a.dimensions(), "",
            a.validCombinations(), ""))), READS));
    assertEquals("its observation 'action_mask' has shape [70]; the policy was trained on [72]",
        SpecMatch.firstDifference(room, withTensor("action_mask",
            t -> replace(t, t.dtype(), new int[] {70}, t.scope(), t.features().subList(0, 70))), READS));
  }
}
