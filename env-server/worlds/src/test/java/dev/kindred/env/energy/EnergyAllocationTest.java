package dev.kindred.env.energy;

import static dev.kindred.env.energy.EnergyKit.*;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.StepBatch;
import dev.kindred.env.WorldBuffers;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** World.step allocates nothing: measured with the thread's allocated-bytes counter. */
class EnergyAllocationTest {

  @Test
  void steppingAllocatesNothing() {
    java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    Assumptions.assumeTrue(mx instanceof com.sun.management.ThreadMXBean, "allocation counter unavailable");
    com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) mx;
    EnergyWorld w = world(new EnergyWorldType.S1(), Map.of("max_steps", 1_000_000.0), 1);
    int agents = w.spec().numAgents();
    // Every observation (grid, globals, action_mask), agents in a random order each step.
    StepBatch batch = new StepBatch(1, agents, w.spec().observations(), false);
    boolean[] all = new boolean[w.spec().observations().size()];
    java.util.Arrays.fill(all, true);
    WorldBuffers io = new WorldBuffers(w.spec(), 1, all, batch);
    w.reset(0, 3L, io);
    SplittableRandom rng = new SplittableRandom(4);
    int[] actions = io.actions();
    for (int i = 0; i < actions.length; i += 2) {
      actions[i] = rng.nextInt(ActionTable.COUNT);
      actions[i + 1] = rng.nextInt(ActionTable.ARGUMENTS);
    }
    for (int t = 0; t < 20_000; t++) {
      w.step(0, io);
    }
    long tid = Thread.currentThread().getId();
    long before = bean.getThreadAllocatedBytes(tid);
    for (int t = 0; t < 20_000; t++) {
      actions[(t * 2) % actions.length] = t % ActionTable.COUNT;
      w.step(0, io);
    }
    long allocated = bean.getThreadAllocatedBytes(tid) - before;
    assertTrue(allocated < 20_000, "20,000 steps allocated " + allocated + " bytes");
  }
}
