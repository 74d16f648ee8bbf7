package dev.kindred.env.energy;

import static dev.kindred.env.energy.EnergyKit.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.Autoreset;
import dev.kindred.env.BatchedEnv;
import dev.kindred.env.NonzeroList;
import dev.kindred.env.StepBatch;
import dev.kindred.env.WorldBuffers;
import dev.kindred.env.WorldType;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.Test;

/**
 * The grid writer, which zeroes and writes only the cells it wrote before and the cells occupied
 * now, against the writer it replaced ({@link TodaysGridWriter}: zero the block, test every
 * cell): byte for byte, over long random trajectories, through resets of every kind, and when
 * the block it writes into is not the one it wrote last.
 */
class GridWriterTest {

  /**
   * Random actions that keep the world changing: every action and argument, with moves and uses
   * weighted up; attacks freeze agents, shields go up and down, gifts and swaps happen.
   */
  static void randomActions(SplittableRandom rng, int[] actions) {
    for (int i = 0; i < actions.length; i += 2) {
      int a = rng.nextInt(ActionTable.COUNT + 4);
      if (a >= ActionTable.COUNT) {
        a = a % 2 == 0 ? MOVE : USE;
      }
      actions[i] = a;
      actions[i + 1] = switch (a) {
        case MOVE -> rng.nextInt(2);
        case ROTATE -> rng.nextInt(4);
        case ATTACK -> rng.nextInt(9);
        case GIVE -> rng.nextInt(3);
        default -> 0;
      };
    }
  }

  static EnergyState state(EnergyWorld w, int copy) {
    return (EnergyState) w.view(copy);
  }

  static int viewOf(EnergyWorld w) {
    return w.spec().observations().get(0).shape()[1];
  }

  /** Copy {@code copy}'s grid block in {@code batch}. */
  static byte[] block(StepBatch batch, EnergyWorld w, int copy) {
    int bytes = w.spec().observations().get(0).copyBytes(w.spec().numAgents());
    byte[] all = batch.observation("grid").array();
    return Arrays.copyOfRange(all, copy * bytes, (copy + 1) * bytes);
  }

  /**
   * Steps {@code copies} copies {@code steps} times with random actions (and, with
   * {@code partialResets}, resets a random copy now and then) and compares every copy's grid
   * with today's writer after every call; returns which channels were ever nonzero.
   */
  static boolean[] followTodaysWriter(WorldType type, Map<String, Object> cfg, int copies, Autoreset mode,
      int steps, long seed, boolean partialResets, ForkJoinPool pool) {
    EnergyWorld w = world(type, cfg, copies);
    int view = viewOf(w);
    int agents = w.spec().numAgents();
    BatchedEnv env = new BatchedEnv(w, mode, seed, List.of());
    if (pool != null) {
      env.stepCopiesOn(pool, 0); // every step split over the pool
    }
    StepBatch b = env.reset(null, null);
    SplittableRandom rng = new SplittableRandom(seed);
    int[] actions = new int[2 * copies * agents];
    boolean[] seen = new boolean[Observer.CHANNELS];
    int plane = view * view;
    int episodes = 0;
    for (int t = 1; t <= steps; t++) {
      randomActions(rng, actions);
      boolean stepped = false;
      if (mode == Autoreset.DISABLED) {
        int[] ended = java.util.stream.IntStream.range(0, copies).filter(b::done).toArray();
        if (ended.length > 0) {
          b = env.reset(null, ended);
        } else {
          stepped = true;
        }
      } else if (partialResets && rng.nextInt(40) == 0) {
        b = env.reset(null, new int[] {rng.nextInt(copies)});
      } else {
        stepped = true;
      }
      if (stepped) {
        b = env.step(actions);
        episodes += b.episodes().size();
      }
      assertTrue(nonzerosAsScanned(env, b, "call " + t), "call " + t + ": the world lists the grid's nonzero bytes");
      for (int c = 0; c < copies; c++) {
        byte[] expected = TodaysGridWriter.grid(state(w, c), view);
        assertArrayEquals(expected, block(b, w, c), "call " + t + ", copy " + c);
        for (int k = 0; k < expected.length; k++) {
          if (expected[k] != 0) {
            seen[(k / plane) % Observer.CHANNELS] = true;
          }
        }
      }
    }
    if (mode != Autoreset.DISABLED) {
      assertTrue(episodes > 0, "episodes should end (and copies reset) within the trajectory");
    }
    return seen;
  }

  /**
   * When the environment lists the grid's nonzero bytes without a scan ({@link BatchedEnv#nonzeros},
   * {@link GridWriter#nonzeros}), the list is the readable scan's of the whole tensor: every
   * nonzero byte, in increasing offset order, with its value. Returns whether it listed them.
   */
  static boolean nonzerosAsScanned(BatchedEnv env, StepBatch b, String where) {
    int gi = b.observationIndex("grid");
    NonzeroList got = new NonzeroList();
    got.add(-1, (byte) 7); // a list that already holds entries is appended to
    if (!env.nonzeros(gi, got)) {
      return false;
    }
    java.nio.ByteBuffer grid = b.observation(gi);
    byte[] all = grid.array();
    java.util.List<Integer> offsets = new java.util.ArrayList<>();
    java.io.ByteArrayOutputStream values = new java.io.ByteArrayOutputStream();
    offsets.add(-1);
    values.write(7);
    for (int k = 0; k < grid.capacity(); k++) {
      byte v = all[grid.arrayOffset() + k];
      if (v != 0) {
        offsets.add(k);
        values.write(v);
      }
    }
    java.util.List<Integer> listed = new java.util.ArrayList<>();
    for (int k = 0; k < got.count(); k++) {
      listed.add(got.offset(k));
    }
    assertEquals(offsets, listed, where + ": offsets");
    assertArrayEquals(values.toByteArray(), java.util.Arrays.copyOf(got.values(), got.count()), where + ": values");
    return true;
  }

  static void assertEveryChannel(boolean[] seen) {
    for (int c = 0; c < Observer.CHANNELS; c++) {
      assertTrue(seen[c], "channel " + Observer.CHANNEL_DOCS[c][0] + " never nonzero: the trajectory does not test it");
    }
  }

  @Test
  void s1WithRandomKinshipOverLongTrajectoriesAndBothAutoresets() {
    Map<String, Object> c = cfg("kinship", "random", "max_steps", 150, "freeze_duration", new int[] {1, 30},
        "shield_upkeep", new int[] {0, 1});
    assertEveryChannel(followTodaysWriter(new EnergyWorldType.S1(), c, 2, Autoreset.NEXT_STEP, 1500, 11L, true, null));
    assertEveryChannel(followTodaysWriter(new EnergyWorldType.S1(), c, 2, Autoreset.SAME_STEP, 700, 12L, false, null));
  }

  @Test
  void s3FamiliesWithLongFreezesAndManualResets() {
    Map<String, Object> c = cfg("kinship", "families", "groups", 3, "agents", 7, "generator_cooldown",
        new int[] {0, 6}, "freeze_duration", new int[] {2, 300}, "initial_energy", new int[] {30, 250},
        "generator_stock", new int[] {0, 400}, "max_steps", 90);
    assertEveryChannel(followTodaysWriter(new EnergyWorldType.S3(), c, 3, Autoreset.DISABLED, 1200, 13L, false, null));
    assertEveryChannel(followTodaysWriter(new EnergyWorldType.S3(), c, 3, Autoreset.NEXT_STEP, 1200, 14L, true, null));
  }

  @Test
  void copiesSteppedOnSeveralThreads() {
    ForkJoinPool pool = new ForkJoinPool(3);
    try {
      followTodaysWriter(new EnergyWorldType.S3(), cfg("kinship", "teams", "groups", 2, "max_steps", 40), 5,
          Autoreset.NEXT_STEP, 400, 15L, true, pool);
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void windowsAtTheEdgesOfMapsAndAcrossWordsOfTheOccupancyBits() {
    String tiny = "AgA.\n.hyA\nA.cA";
    followTodaysWriter(ROOM, cfg("map", tiny, "view_size", 5, "max_steps", 30), 2, Autoreset.NEXT_STEP, 300, 16L,
        true, null);
    followTodaysWriter(ROOM, cfg("map", tiny, "view_size", 13, "kinship", "random", "max_steps", 30), 2,
        Autoreset.SAME_STEP, 300, 17L, false, null);
    followTodaysWriter(ROOM, cfg("map", "A", "view_size", 1, "max_steps", 5), 1, Autoreset.NEXT_STEP, 20, 18L,
        false, null);
    // 150 columns: rows of three 64-bit words, windows that straddle two of them.
    followTodaysWriter(ROOM, cfg("width", 150, "height", 12, "agents", 30, "walls", 100, "view_size", 21,
        "green_generators", 20, "max_steps", 60), 2, Autoreset.NEXT_STEP, 400, 19L, true, null);
    followTodaysWriter(ROOM, cfg("width", 70, "height", 70, "agents", 12, "rooms", new int[] {3, 2},
        "view_size", 63, "max_steps", 50), 1, Autoreset.NEXT_STEP, 120, 20L, false, null);
  }

  /** Steps copy 0 of {@code w} into {@code io} with random actions. */
  private static void step(EnergyWorld w, WorldBuffers io, SplittableRandom rng) {
    int[] actions = new int[2 * w.spec().numAgents()];
    randomActions(rng, actions);
    System.arraycopy(actions, 0, io.actions(), 0, actions.length);
    w.step(0, io);
  }

  private static WorldBuffers buffers(EnergyWorld w, StepBatch batch) {
    boolean[] all = new boolean[w.spec().observations().size()];
    Arrays.fill(all, true);
    return new WorldBuffers(w.spec(), 1, all, batch);
  }

  private static StepBatch batch(EnergyWorld w) {
    return new StepBatch(1, w.spec().numAgents(), w.spec().observations(), false);
  }

  @Test
  void aWorldWrittenIntoBatchesInTurnWritesEachInFull() {
    EnergyWorld w = world(new EnergyWorldType.S3(), cfg("kinship", "random"), 1);
    StepBatch first = batch(w);
    StepBatch second = batch(w);
    WorldBuffers one = buffers(w, first);
    WorldBuffers two = buffers(w, second);
    w.reset(0, 21L, one);
    SplittableRandom rng = new SplittableRandom(21L);
    for (int t = 0; t < 300; t++) {
      StepBatch into = rng.nextInt(3) == 0 ? first : second;
      step(w, into == first ? one : two, rng);
      assertArrayEquals(TodaysGridWriter.grid(state(w, 0), viewOf(w)), block(into, w, 0), "step " + t);
    }
  }

  @Test
  void twoWorldsWritingOneBatchInTurnEachWriteInFull() {
    EnergyWorld a = world(new EnergyWorldType.S3(), cfg(), 1);
    EnergyWorld b = world(new EnergyWorldType.S3(), cfg(), 1);
    StepBatch shared = batch(a);
    WorldBuffers ia = buffers(a, shared);
    WorldBuffers ib = buffers(b, shared);
    a.reset(0, 22L, ia);
    b.reset(0, 23L, ib);
    SplittableRandom rng = new SplittableRandom(22L);
    for (int t = 0; t < 300; t++) {
      EnergyWorld w = rng.nextBoolean() ? a : b;
      step(w, w == a ? ia : ib, rng);
      assertArrayEquals(TodaysGridWriter.grid(state(w, 0), viewOf(w)), block(shared, w, 0), "step " + t);
    }
  }

  @Test
  void bytesWrittenBehindTheWorldsBackNeedTheBatchToForgetItsWriters() {
    EnergyWorld w = world(new EnergyWorldType.S3(), cfg(), 1);
    StepBatch batch = batch(w);
    WorldBuffers io = buffers(w, batch);
    w.reset(0, 24L, io);
    SplittableRandom rng = new SplittableRandom(24L);
    byte[] grid = batch.observation("grid").array();
    // The writer is incremental: a byte it never wrote is not zeroed by the next step ...
    int stray = grid.length - 1;
    step(w, io, rng);
    assertEquals(0, grid[stray], "an agent's last cell of the last channel is empty in S3 at this seed");
    grid[stray] = 42;
    step(w, io, rng);
    assertEquals(42, grid[stray]);
    // ... so whoever scribbles in the buffers says so, and the next step writes the whole block.
    Arrays.fill(grid, (byte) 7);
    batch.forgetObservationWriters();
    step(w, io, rng);
    assertArrayEquals(TodaysGridWriter.grid(state(w, 0), viewOf(w)), block(batch, w, 0));
    for (int t = 0; t < 50; t++) {
      step(w, io, rng);
      assertArrayEquals(TodaysGridWriter.grid(state(w, 0), viewOf(w)), block(batch, w, 0), "step " + t);
    }
  }

  @Test
  void theSameWorldAndActionsGiveTheSameBytesWhateverWasInTheBufferBefore() {
    // A fresh environment (full writes) and a long-running one (incremental writes) reset to the same seed.
    EnergyWorld w = world(new EnergyWorldType.S1(), cfg("max_steps", 50), 1);
    BatchedEnv used = new BatchedEnv(w, Autoreset.NEXT_STEP, 25L, List.of());
    used.reset(null, null);
    SplittableRandom rng = new SplittableRandom(25L);
    int[] actions = new int[2 * w.spec().numAgents()];
    for (int t = 0; t < 77; t++) {
      randomActions(rng, actions);
      used.step(actions);
    }
    EnergyWorld fresh = world(new EnergyWorldType.S1(), cfg("max_steps", 50), 1);
    BatchedEnv clean = new BatchedEnv(fresh, Autoreset.NEXT_STEP, 26L, List.of());
    StepBatch x = used.reset(26L, null);
    StepBatch y = clean.reset(null, null);
    assertArrayEquals(y.observation("grid").array(), x.observation("grid").array());
    SplittableRandom r = new SplittableRandom(27L);
    for (int t = 0; t < 200; t++) {
      randomActions(r, actions);
      x = used.step(actions);
      y = clean.step(actions);
      assertArrayEquals(y.observation("grid").array(), x.observation("grid").array(), "step " + t);
    }
    assertFalse(Arrays.equals(new byte[x.observation("grid").capacity()], x.observation("grid").array()));
  }
}
