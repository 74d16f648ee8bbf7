package dev.kindred.agents;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kindred.env.SessionSpec;
import dev.kindred.env.StepBatch;
import dev.kindred.env.TensorSpec;
import dev.kindred.env.VectorEnv;
import dev.kindred.env.WorldRegistry;
import dev.kindred.local.LocalVectorEnv;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The seat router gives each seat's rows to its policy, and each policy only its own rows. */
class SeatPolicyTest {

  /** Writes one constant into every action value, and keeps what it was shown. */
  static final class Constant implements BatchPolicy {
    final int value;
    final int dims;
    StepBatch seen;
    int calls;

    Constant(int value) {
      this(value, 2);
    }

    Constant(int value, int dims) {
      this.value = value;
      this.dims = dims;
    }

    @Override
    public void act(StepBatch observation, int[] actions) {
      seen = observation;
      calls++;
      assertEquals(observation.copies() * observation.agents() * dims, actions.length);
      Arrays.fill(actions, value);
    }
  }

  static byte[] block(ByteBuffer b, int index, int bytes) {
    byte[] out = new byte[bytes];
    b.get(index * bytes, out, 0, bytes);
    return out;
  }

  @Test
  void eachSeatsRowsGoToItsPolicy() {
    try (VectorEnv env = LocalVectorEnv.create(WorldRegistry.builtIn(), "energy.altar_only", Map.of(), 3, 7)) {
      SessionSpec spec = env.spec();
      int[] owner = {1, 0, 1, 2};
      Constant zero = new Constant(11);
      Constant one = new Constant(22);
      Constant two = new Constant(33);
      Constant idle = new Constant(44);
      SeatPolicy router = new SeatPolicy(spec, owner, List.of(zero, one, two, idle));
      // A step with varied actions, so rewards and successes differ between agents.
      int[] actions = new int[3 * 4 * 2];
      StepBatch batch = env.reset(5);
      new RandomPolicy(spec, 3).act(batch, actions);
      batch = env.step(actions);
      router.act(batch, actions);
      for (int c = 0; c < 3; c++) {
        for (int a = 0; a < 4; a++) {
          int expected = new int[] {11, 22, 33}[owner[a]];
          assertEquals(expected, actions[(c * 4 + a) * 2], "copy " + c + " seat " + a);
          assertEquals(expected, actions[(c * 4 + a) * 2 + 1], "copy " + c + " seat " + a);
        }
      }
      assertEquals(0, idle.calls, "a policy without seats is never called");
      // Each policy saw its own seats only, in seat order, per copy.
      int[][] seats = {{1}, {0, 2}, {3}};
      Constant[] policies = {zero, one, two};
      for (int p = 0; p < 3; p++) {
        StepBatch seen = policies[p].seen;
        assertEquals(1, policies[p].calls);
        assertEquals(3, seen.copies());
        assertEquals(seats[p].length, seen.agents());
        for (int i = 0; i < spec.observations().size(); i++) {
          TensorSpec t = spec.observations().get(i);
          for (int c = 0; c < 3; c++) {
            for (int j = 0; j < seats[p].length; j++) {
              assertArrayEquals(block(batch.observation(i), c * 4 + seats[p][j], t.blockBytes()),
                  block(seen.observation(i), c * seats[p].length + j, t.blockBytes()),
                  t.name() + ", policy " + p + ", copy " + c + ", its agent " + j);
              assertEquals(batch.rewards()[c * 4 + seats[p][j]], seen.rewards()[c * seats[p].length + j]);
              assertEquals(batch.actionSuccess()[c * 4 + seats[p][j]],
                  seen.actionSuccess()[c * seats[p].length + j]);
            }
          }
        }
      }
      assertEquals(List.of("agent_0", "agent_2"), SeatPolicy.seatSpec(spec, seats[1]).world().agentNames());
      assertEquals(2, SeatPolicy.seatSpec(spec, seats[1]).agents());
    }
  }

  @Test
  void perCopyObservationsArePassedWhole() {
    Map<String, Object> world = Map.of("width", 4, "height", 4, "controlled", List.of(0, 5, 9));
    try (VectorEnv env = LocalVectorEnv.create(WorldRegistry.builtIn(), "spin.lattice", world, 2, 1)) {
      SessionSpec spec = env.spec();
      Constant a = new Constant(0, 1);
      Constant b = new Constant(1, 1);
      SeatPolicy router = new SeatPolicy(spec, new int[] {0, 1, 1}, List.of(a, b));
      StepBatch batch = env.reset(3);
      int[] actions = new int[2 * 3];
      router.act(batch, actions);
      assertArrayEquals(new int[] {0, 1, 1, 0, 1, 1}, actions);
      int spins = batch.observationIndex("spins");
      assertArrayEquals(block(batch.observation(spins), 0, 2 * 16), block(b.seen.observation(spins), 0, 2 * 16));
      int own = batch.observationIndex("own_spin");
      assertArrayEquals(new byte[] {batch.observation(own).get(1), batch.observation(own).get(2),
          batch.observation(own).get(4), batch.observation(own).get(5)}, block(b.seen.observation(own), 0, 4));
    }
  }

  @Test
  void refusesOwnersThatDoNotFit() {
    try (VectorEnv env = LocalVectorEnv.create(WorldRegistry.builtIn(), "energy.altar_only", Map.of(), 1, 7)) {
      assertThrows(IllegalArgumentException.class,
          () -> new SeatPolicy(env.spec(), new int[] {0, 1}, List.of(new Constant(1), new Constant(2))));
      assertThrows(IllegalArgumentException.class,
          () -> new SeatPolicy(env.spec(), new int[] {0, 1, 2, 0}, List.of(new Constant(1), new Constant(2))));
      assertThrows(IllegalArgumentException.class, () -> SeatPolicy.seatSpec(env.spec(), new int[] {4}));
    }
  }
}
