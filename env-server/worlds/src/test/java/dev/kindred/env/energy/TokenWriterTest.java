package dev.kindred.env.energy;

import static dev.kindred.env.energy.EnergyKit.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.Autoreset;
import dev.kindred.env.BatchedEnv;
import dev.kindred.env.DType;
import dev.kindred.env.EnvException;
import dev.kindred.env.EpisodeSummary;
import dev.kindred.env.StepBatch;
import dev.kindred.env.TensorSpec;
import dev.kindred.env.WorldType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The {@code tokens} observation against the grid writer it replaces ({@link TodaysGridWriter})
 * and against a readable version of its rules ({@link #referenceTokens}), byte for byte, over
 * long random trajectories: decoding the tokens gives the grid whenever a window fits the budget;
 * beyond it the farthest cells go first and {@code tokens_dropped} counts what went.
 */
class TokenWriterTest {

  /** Decodes one agent's tokens ({@code [budget, 3]}) into its grid window {@code [CHANNELS, view, view]}. */
  static byte[] decode(byte[] tokens, int view) {
    byte[] grid = new byte[Observer.CHANNELS * view * view];
    for (int k = 0; k + 2 < tokens.length; k += 3) {
      int loc = tokens[k] & 0xFF;
      if (loc == 0xFF) {
        continue;
      }
      grid[((tokens[k + 1] & 0xFF) * view + (loc >> 4)) * view + (loc & 15)] = tokens[k + 2];
    }
    return grid;
  }

  /** The cells of a window, nearest the centre first (Manhattan distance), ties in row-major order. */
  static List<Integer> byDistance(int view) {
    int r = view / 2;
    List<Integer> cells = new ArrayList<>();
    for (int d = 0; d <= 2 * r; d++) {
      for (int cell = 0; cell < view * view; cell++) {
        if (Math.abs(cell / view - r) + Math.abs(cell % view - r) == d) {
          cells.add(cell);
        }
      }
    }
    return cells;
  }

  /**
   * The readable version of the token rules, from one agent's grid window: every nonzero byte is
   * a token; keep the longest run of cells by distance whose tokens fit; write the kept cells'
   * tokens, walls first, then objects, then agents, each kind's cells in row-major order, features
   * ascending; 0xFF after. Returns the tokens and how many were left out.
   */
  static Object[] referenceTokens(byte[] grid, int view, int budget) {
    int plane = view * view;
    int[] count = new int[plane];
    for (int cell = 0; cell < plane; cell++) {
      for (int f = 0; f < Observer.CHANNELS; f++) {
        if (grid[f * plane + cell] != 0) {
          count[cell]++;
        }
      }
    }
    boolean[] kept = new boolean[plane];
    int used = 0;
    int total = 0;
    boolean full = false;
    for (int cell : byDistance(view)) {
      total += count[cell];
      if (!full && used + count[cell] <= budget) {
        used += count[cell];
        kept[cell] = true;
      } else if (count[cell] > 0) {
        full = true;
      }
    }
    byte[] out = new byte[3 * budget];
    Arrays.fill(out, (byte) 0xFF);
    int k = 0;
    for (String kind : List.of("wall", "object", "agent")) {
      for (int cell = 0; cell < plane; cell++) {
        String here = grid[Observer.AGENT * plane + cell] != 0 ? "agent"
            : grid[Observer.WALL * plane + cell] != 0 ? "wall" : "object";
        for (int f = 0; kept[cell] && here.equals(kind) && f < Observer.CHANNELS; f++) {
          byte v = grid[f * plane + cell];
          if (v != 0) {
            out[k++] = (byte) ((cell / view) << 4 | cell % view);
            out[k++] = (byte) f;
            out[k++] = v;
          }
        }
      }
    }
    return new Object[] {out, total - used};
  }

  /**
   * Steps a tokens world and its twin with the grid (same seed, same actions) and checks every
   * agent's tokens after every call: against the reference rules, and decoded against the twin's
   * grid when nothing was dropped; checks each ended episode's {@code tokens_dropped}. Returns
   * the tokens dropped in all.
   */
  static long follow(WorldType type, Map<String, Object> cfg, int copies, Autoreset mode, int steps, long seed) {
    Map<String, Object> tokenCfg = new java.util.LinkedHashMap<>(cfg);
    tokenCfg.put("observation", "tokens");
    EnergyWorld tw = world(type, tokenCfg, copies);
    EnergyWorld gw = world(type, cfg, copies);
    TensorSpec spec = tw.spec().observations().get(0);
    int budget = spec.shape()[0];
    int view = gw.spec().observations().get(0).shape()[1];
    int agents = tw.spec().numAgents();
    BatchedEnv tokens = new BatchedEnv(tw, mode, seed, List.of());
    BatchedEnv grid = new BatchedEnv(gw, mode, seed, List.of());
    StepBatch tb = tokens.reset(null, null);
    StepBatch gb = grid.reset(null, null);
    long[] dropped = new long[copies * agents];
    long droppedInAll = 0;
    SplittableRandom rng = new SplittableRandom(seed);
    int[] actions = new int[2 * copies * agents];
    for (int t = 0; t <= steps; t++) {
      if (t > 0) {
        GridWriterTest.randomActions(rng, actions);
        tb = tokens.step(actions);
        gb = grid.step(actions);
      }
      // The ended episodes' last observations: in the batch, or (same-step autoreset) the final ones.
      for (int c = 0; c < copies; c++) {
        boolean finalOnes = tb.hasFinalObservations() && tb.done(c);
        if (tb.resetMask()[c] == 0 || finalOnes) {
          for (int a = 0; a < agents; a++) {
            int i = c * agents + a;
            int lost = check(finalOnes ? tb.finalObservation(0) : tb.observation(0),
                finalOnes ? gb.finalObservation(0) : gb.observation(0), i, view, budget, "call " + t + ", agent " + i);
            dropped[i] += lost;
            droppedInAll += lost;
          }
        }
      }
      assertEquals(gb.episodes().size(), tb.episodes().size());
      for (EpisodeSummary e : tb.episodes()) {
        long sum = 0;
        for (int a = 0; a < agents; a++) {
          long d = dropped[e.copy() * agents + a];
          assertEquals((double) d, e.agentStats().get(a).get("tokens_dropped"), "copy " + e.copy() + ", agent " + a);
          sum += d;
        }
        assertEquals((double) sum, e.stats().get("total_tokens_dropped"));
      }
      // The first observations of new episodes.
      for (int c = 0; c < copies; c++) {
        if (tb.resetMask()[c] != 0) {
          for (int a = 0; a < agents; a++) {
            int i = c * agents + a;
            int lost = check(tb.observation(0), gb.observation(0), i, view, budget, "call " + t + ", agent " + i);
            dropped[i] = lost;
            droppedInAll += lost;
          }
        }
      }
    }
    return droppedInAll;
  }

  /**
   * Agent {@code i}'s tokens against the reference rules applied to its grid window, and decoded
   * against the grid when none was left out; returns how many were.
   */
  private static int check(java.nio.ByteBuffer tokens, java.nio.ByteBuffer grid, int i, int view, int budget,
      String where) {
    int tokenBytes = 3 * budget;
    int gridBytes = Observer.CHANNELS * view * view;
    byte[] mine = Arrays.copyOfRange(tokens.array(), i * tokenBytes, (i + 1) * tokenBytes);
    byte[] dense = Arrays.copyOfRange(grid.array(), i * gridBytes, (i + 1) * gridBytes);
    Object[] ref = referenceTokens(dense, view, budget);
    assertArrayEquals((byte[]) ref[0], mine, where);
    int lost = (int) ref[1];
    if (lost == 0) {
      assertArrayEquals(dense, decode(mine, view), where);
    }
    return lost;
  }

  @Test
  void decodedTokensAreTheGridOnS1WithRandomKinship() {
    long lost = follow(new EnergyWorldType.S1(), cfg("kinship", "random", "max_steps", 150,
        "freeze_duration", new int[] {1, 30}), 2, Autoreset.NEXT_STEP, 1200, 31L);
    assertEquals(0, lost, "S1's windows fit the default budget");
  }

  @Test
  void decodedTokensAreTheGridOnS3FamiliesWithSameStepResets() {
    long lost = follow(new EnergyWorldType.S3(), cfg("kinship", "families", "groups", 3, "agents", 7,
        "generator_cooldown", new int[] {0, 6}, "freeze_duration", new int[] {2, 300},
        "initial_energy", new int[] {30, 250}, "generator_stock", new int[] {0, 400}, "max_steps", 90), 3,
        Autoreset.SAME_STEP, 1200, 32L);
    assertEquals(0, lost);
  }

  @Test
  void overBudgetTheFarthestCellsGoFirstAndAreCounted() {
    long lost = follow(new EnergyWorldType.S1(), cfg("kinship", "random", "token_budget", 40, "max_steps", 100), 2,
        Autoreset.NEXT_STEP, 600, 33L);
    assertTrue(lost > 0, "a budget of 40 should overflow on S1");
    lost = follow(new EnergyWorldType.S3(), cfg("token_budget", 3, "view_size", 15, "max_steps", 60), 2,
        Autoreset.SAME_STEP, 300, 34L);
    assertTrue(lost > 0);
    // A budget of one: an agent's own cell never fits, walls and plain objects may.
    follow(new EnergyWorldType.S3(), cfg("token_budget", 1, "max_steps", 40), 1, Autoreset.NEXT_STEP, 100, 35L);
  }

  @Test
  void windowsAtTheEdgesOfSmallMaps() {
    String tiny = "AgA.\n.hyA\nA.cA";
    follow(ROOM, cfg("map", tiny, "view_size", 5, "max_steps", 30), 2, Autoreset.NEXT_STEP, 200, 36L);
    follow(ROOM, cfg("map", tiny, "view_size", 15, "kinship", "random", "max_steps", 30), 2, Autoreset.NEXT_STEP,
        200, 37L);
    follow(ROOM, cfg("map", "A", "view_size", 1, "max_steps", 5), 1, Autoreset.NEXT_STEP, 20, 38L);
    follow(ROOM, cfg("width", 150, "height", 12, "agents", 30, "walls", 100, "view_size", 15,
        "green_generators", 20, "max_steps", 60), 1, Autoreset.NEXT_STEP, 200, 39L);
  }

  @Test
  void batchesWrittenInTurnOrBehindTheWorldsBackGetWholeBlocks() {
    EnergyWorld w = world(new EnergyWorldType.S3(), cfg("observation", "tokens", "token_budget", 30,
        "kinship", "random"), 1);
    int view = 11;
    int agents = w.spec().numAgents();
    boolean[] all = {true, true, true};
    StepBatch first = new StepBatch(1, agents, w.spec().observations(), false);
    StepBatch second = new StepBatch(1, agents, w.spec().observations(), false);
    dev.kindred.env.WorldBuffers one = new dev.kindred.env.WorldBuffers(w.spec(), 1, all, first);
    dev.kindred.env.WorldBuffers two = new dev.kindred.env.WorldBuffers(w.spec(), 1, all, second);
    w.reset(0, 40L, one);
    SplittableRandom rng = new SplittableRandom(40L);
    int[] actions = new int[2 * agents];
    for (int t = 0; t < 400; t++) {
      StepBatch into = rng.nextInt(3) == 0 ? first : second;
      dev.kindred.env.WorldBuffers io = into == first ? one : two;
      if (rng.nextInt(10) == 0) {
        Arrays.fill(into.observation(0).array(), (byte) rng.nextInt(256));
        into.forgetObservationWriters();
      }
      GridWriterTest.randomActions(rng, actions);
      System.arraycopy(actions, 0, io.actions(), 0, actions.length);
      w.step(0, io);
      byte[] dense = TodaysGridWriter.grid(GridWriterTest.state(w, 0), view);
      for (int a = 0; a < agents; a++) {
        byte[] window = Arrays.copyOfRange(dense, a * Observer.CHANNELS * view * view,
            (a + 1) * Observer.CHANNELS * view * view);
        byte[] mine = Arrays.copyOfRange(into.observation(0).array(), a * 90, (a + 1) * 90);
        assertArrayEquals((byte[]) referenceTokens(window, view, 30)[0], mine, "step " + t + ", agent " + a);
      }
    }
  }

  /**
   * Globals and masks are written in part while a block holds the observer's last write (the
   * per-episode globals and the unchanged mask rows are left alone): every observation equals a
   * whole write, made by a twin world into a batch that forgets its writers before every step,
   * whichever batch the world writes into and after a caller scribbled in the buffers.
   */
  @Test
  void writesInPartEqualWholeWritesWhateverBatchAndScribbles() {
    for (String observation : List.of("tokens", "grid")) {
      Map<String, Object> config = cfg("observation", observation, "kinship", "random", "max_steps", 60,
          "move_cost", new int[] {0, 3}, "altar_cost", new int[] {50, 250}); // economies differ between episodes
      EnergyWorld w = world(new EnergyWorldType.S3(), config, 1);
      EnergyWorld twin = world(new EnergyWorldType.S3(), config, 1);
      int agents = w.spec().numAgents();
      boolean[] all = {true, true, true};
      StepBatch first = new StepBatch(1, agents, w.spec().observations(), false);
      StepBatch second = new StepBatch(1, agents, w.spec().observations(), false);
      StepBatch whole = new StepBatch(1, agents, twin.spec().observations(), false);
      dev.kindred.env.WorldBuffers one = new dev.kindred.env.WorldBuffers(w.spec(), 1, all, first);
      dev.kindred.env.WorldBuffers two = new dev.kindred.env.WorldBuffers(w.spec(), 1, all, second);
      dev.kindred.env.WorldBuffers fresh = new dev.kindred.env.WorldBuffers(twin.spec(), 1, all, whole);
      w.reset(0, 41L, one);
      twin.reset(0, 41L, fresh);
      SplittableRandom rng = new SplittableRandom(41L);
      int[] actions = new int[2 * agents];
      boolean ended = false;
      for (int t = 0; t < 400; t++) {
        StepBatch into = rng.nextInt(3) == 0 ? first : second;
        dev.kindred.env.WorldBuffers io = into == first ? one : two;
        if (rng.nextInt(10) == 0) {
          int o = rng.nextInt(3);
          Arrays.fill(into.observation(o).array(), (byte) rng.nextInt(256));
          into.forgetObservationWriters();
        }
        whole.forgetObservationWriters();
        Arrays.fill(whole.observation(1).array(), (byte) 0x5A);
        Arrays.fill(whole.observation(2).array(), (byte) 0x5A);
        GridWriterTest.randomActions(rng, actions);
        System.arraycopy(actions, 0, io.actions(), 0, actions.length);
        System.arraycopy(actions, 0, fresh.actions(), 0, actions.length);
        if (ended) {
          long seed = rng.nextLong();
          w.reset(0, seed, io);
          twin.reset(0, seed, fresh);
          ended = false;
        } else {
          w.step(0, io);
          twin.step(0, fresh);
          ended = io.terminated(0) || io.truncated(0);
        }
        for (int o = 0; o < 3; o++) {
          assertArrayEquals(whole.observation(o).array(), into.observation(o).array(),
              observation + ", step " + t + ", observation " + o);
        }
      }
    }
  }

  @Test
  void theSpecDescribesTheTokens() {
    EnergyWorld w = world(new EnergyWorldType.S3(), cfg("observation", "tokens", "token_budget", 64, "view_size", 9),
        1);
    TensorSpec t = w.spec().observations().get(0);
    assertEquals("tokens", t.name());
    assertEquals(DType.UINT8, t.dtype());
    assertArrayEquals(new int[] {64, 3}, t.shape());
    assertEquals(Observer.CHANNELS, t.features().size());
    assertEquals("agent_kinship", t.features().get(Observer.AGENT_KINSHIP).name());
    assertEquals(Observer.AGENT_KINSHIP, t.features().get(Observer.AGENT_KINSHIP).index());
    assertEquals(255.0, t.features().get(Observer.AGENT_ENERGY).scale());
    assertEquals(List.of("tokens", "globals", "action_mask"),
        w.spec().observations().stream().map(TensorSpec::name).toList());
    assertEquals("tokens", w.spec().properties().get("observation"));
    assertTrue(w.spec().agentStats().stream().anyMatch(s -> s.name().equals("tokens_dropped")));
    EnergyWorld g = world(new EnergyWorldType.S3(), cfg(), 1);
    assertTrue(g.spec().agentStats().stream().noneMatch(s -> s.name().equals("tokens_dropped")));
  }

  @Test
  void badTokenConfigurationsAreRefusedPrecisely() {
    EnvException e = invalid("config.view_size", "observation", "tokens", "view_size", 17);
    assertTrue(e.getMessage().contains("at most 15 with observation = tokens"), e.getMessage());
    assertThrows(EnvException.class, () -> world(ROOM, cfg("observation", "tokens", "token_budget", 0), 1));
    assertThrows(EnvException.class, () -> world(ROOM, cfg("observation", "dense"), 1));
  }
}
