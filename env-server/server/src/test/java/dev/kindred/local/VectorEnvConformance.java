package dev.kindred.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.Autoreset;
import dev.kindred.env.CounterWorld;
import dev.kindred.env.EpisodeSummary;
import dev.kindred.env.KindredException;
import dev.kindred.env.SessionOptions;
import dev.kindred.env.StepBatch;
import dev.kindred.env.VectorEnv;
import dev.kindred.env.WorldRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/**
 * The behaviour every {@link VectorEnv} must show, whichever path it takes. A subclass
 * supplies {@link #make}; every test compares against an in-process {@link LocalVectorEnv}
 * reference on {@code test.counter}, so the remote variants prove that both paths agree bit for
 * bit. Counter world: action 0 left, 1 stay, 2 right; reward = action - 1; observation
 * "position" (int32 per agent: position, step) and "total" (float64 per copy).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class VectorEnvConformance {
  static final String WORLD = CounterWorld.ID;

  static WorldRegistry registry() {
    return new WorldRegistry(List.of(new CounterWorld.Type()));
  }

  /** The environment under test. */
  protected abstract VectorEnv make(String worldId, Map<String, ?> config, int copies, long seed,
      SessionOptions options);

  private static VectorEnv local(Map<String, ?> config, int copies, long seed, SessionOptions options) {
    return LocalVectorEnv.create(registry(), WORLD, config, copies, seed, options);
  }

  /** The trajectory of {@link #run} on a fresh local environment. */
  static List<byte[]> localRun(Map<String, ?> config, int copies, long seed, Autoreset mode, int[][] actions) {
    try (VectorEnv ref = local(config, copies, seed, autoreset(mode))) {
      return run(ref, null, actions);
    }
  }

  static SessionOptions autoreset(Autoreset mode) {
    return SessionOptions.builder().autoreset(mode).build();
  }

  /** Records reset + every step of {@code actions} as exact byte snapshots. */
  static List<byte[]> run(VectorEnv env, Long seed, int[][] actions) {
    List<byte[]> out = new ArrayList<>();
    out.add(Trajectories.snapshot(seed == null ? env.reset() : env.reset(seed)));
    for (int[] a : actions) {
      out.add(Trajectories.snapshot(env.step(a)));
    }
    return out;
  }

  static void assertSameTrajectory(List<byte[]> expected, List<byte[]> actual) {
    assertEquals(expected.size(), actual.size());
    for (int i = 0; i < expected.size(); i++) {
      assertArrayEquals(expected.get(i), actual.get(i), "step " + i + " differs");
    }
  }

  static KindredException assertKindred(String code, Executable call) {
    KindredException e = assertThrows(KindredException.class, call);
    assertEquals(code, e.code(), e.getMessage());
    return e;
  }

  // ---- specs ------------------------------------------------------------------------------

  @Test
  void specEqualsLocalSpec() {
    Map<String, Object> config = Map.of("agents", 3, "max_steps", 4);
    for (SessionOptions o : List.of(SessionOptions.defaults(), autoreset(Autoreset.SAME_STEP),
        SessionOptions.builder().autoreset(Autoreset.DISABLED).observations("total").build())) {
      try (VectorEnv env = make(WORLD, config, 5, 11, o); VectorEnv ref = local(config, 5, 11, o)) {
        assertEquals(ref.spec(), env.spec(), "options " + o);
        assertEquals(5, env.copies());
        assertEquals(3, env.agents());
        assertEquals(1, env.actionDimensions());
        assertEquals(o.autoreset(), env.spec().autoreset());
      }
    }
  }

  @Test
  void specDescribesTheWorld() {
    try (VectorEnv env = make(WORLD, Map.of(), 0, 1, SessionOptions.defaults())) {
      assertEquals(WORLD, env.spec().worldId());
      assertEquals(1, env.copies(), "0 copies means 1");
      assertEquals(List.of("walker_0", "walker_1"), env.spec().world().agentNames());
      assertEquals(List.of("position", "total"),
          env.spec().observations().stream().map(t -> t.name()).toList());
      assertEquals(5.0, env.spec().config().get("max_steps"));
      assertEquals(Autoreset.NEXT_STEP, env.spec().autoreset());
    }
  }

  // ---- determinism ------------------------------------------------------------------------

  @Test
  void trajectoryMatchesLocalBitForBit() {
    Map<String, Object> config = Map.of("agents", 3, "max_steps", 7);
    int copies = 4;
    int[][] actions = Trajectories.actions(99, 40, copies * 3, 3);
    for (Autoreset mode : List.of(Autoreset.NEXT_STEP, Autoreset.SAME_STEP)) {
      List<byte[]> expected = localRun(config, copies, 1234, mode, actions);
      try (VectorEnv env = make(WORLD, config, copies, 1234, autoreset(mode))) {
        assertSameTrajectory(expected, run(env, null, actions));
      }
    }
  }

  @Test
  void resetWithSeedReproduces() {
    int[][] actions = Trajectories.actions(5, 12, 2 * 2, 3);
    try (VectorEnv env = make(WORLD, Map.of(), 2, 1, SessionOptions.defaults())) {
      List<byte[]> first = run(env, 77L, actions);
      // The same episodes again; only the session's counters (step, episode indices) run on.
      List<byte[]> again = new ArrayList<>();
      List<byte[]> firstData = new ArrayList<>();
      try (VectorEnv fresh = make(WORLD, Map.of(), 2, 1, SessionOptions.defaults())) {
        firstData.add(Trajectories.snapshot(fresh.reset(77L), false));
        for (int[] a : actions) {
          firstData.add(Trajectories.snapshot(fresh.step(a), false));
        }
      }
      again.add(Trajectories.snapshot(env.reset(77L), false));
      StepBatch last = null;
      for (int[] a : actions) {
        last = env.step(a);
        again.add(Trajectories.snapshot(last, false));
      }
      assertSameTrajectory(firstData, again);
      assertEquals(2L * actions.length, last.sessionStep());
      List<byte[]> other = run(env, 78L, actions);
      assertFalse(Arrays.equals(first.get(0), other.get(0)), "another seed, other starting positions");
      try (VectorEnv ref = local(Map.of(), 2, 5, SessionOptions.defaults())) {
        assertSameTrajectory(run(ref, 77L, actions), first);
      }
    }
  }

  @Test
  void resetWithoutSeedContinuesTheSeedStream() {
    try (VectorEnv env = make(WORLD, Map.of(), 3, 8, SessionOptions.defaults());
         VectorEnv ref = local(Map.of(), 3, 8, SessionOptions.defaults())) {
      byte[] a = Trajectories.snapshot(env.reset());
      byte[] b = Trajectories.snapshot(env.reset());
      assertNotEquals(Arrays.toString(a), Arrays.toString(b), "the second episode has new positions");
      assertArrayEquals(Trajectories.snapshot(ref.reset()), a);
      assertArrayEquals(Trajectories.snapshot(ref.reset()), b);
    }
  }

  // ---- autoreset --------------------------------------------------------------------------

  private static final Map<String, Object> SHORT = Map.of("agents", 2, "max_steps", 3);

  @Test
  void autoresetNextStep() {
    try (VectorEnv env = make(WORLD, SHORT, 2, 3, autoreset(Autoreset.NEXT_STEP))) {
      StepBatch b = env.reset();
      assertArrayEquals(new byte[] {1, 1}, b.resetMask());
      int[] right = {2, 2, 2, 2};
      for (int t = 1; t <= 2; t++) {
        b = env.step(right);
        assertArrayEquals(new byte[] {0, 0}, b.truncated());
        assertArrayEquals(new byte[] {0, 0}, b.resetMask());
        assertEquals(t, b.observation("position").getInt(4), "step feature");
      }
      b = env.step(right);
      assertArrayEquals(new byte[] {1, 1}, b.truncated());
      assertArrayEquals(new byte[] {0, 0}, b.terminated());
      assertArrayEquals(new byte[] {0, 0}, b.resetMask());
      assertEquals(3, b.observation("position").getInt(4), "the final observation of the episode");
      assertEquals(2, b.episodes().size());
      assertFalse(b.hasFinalObservations());
      b = env.step(new int[] {0, 0, 0, 0}); // ignored: this step resets
      assertArrayEquals(new byte[] {1, 1}, b.resetMask());
      assertArrayEquals(new byte[] {0, 0}, b.truncated());
      assertArrayEquals(new float[] {0, 0, 0, 0}, b.rewards());
      assertEquals(0, b.observation("position").getInt(4));
      assertTrue(b.episodes().isEmpty());
      b = env.step(right);
      assertArrayEquals(new byte[] {0, 0}, b.resetMask());
      assertArrayEquals(new float[] {1, 1, 1, 1}, b.rewards());
      assertEquals(1, b.observation("position").getInt(4));
    }
  }

  @Test
  void autoresetSameStepKeepsFinalObservations() {
    try (VectorEnv env = make(WORLD, SHORT, 2, 3, autoreset(Autoreset.SAME_STEP))) {
      StepBatch b = env.reset();
      assertTrue(b.hasFinalObservations());
      int pos = b.observation("position").getInt(0);
      int[] right = {2, 2, 2, 2};
      env.step(right);
      b = env.step(right);
      int fi = b.observationIndex("position");
      assertEquals(0, b.finalObservation(fi).getInt(0), "no episode ended: final observations are zero");
      b = env.step(right);
      assertArrayEquals(new byte[] {1, 1}, b.truncated());
      assertArrayEquals(new byte[] {1, 1}, b.resetMask(), "reset in the same step");
      assertArrayEquals(new float[] {1, 1, 1, 1}, b.rewards(), "the ending step's rewards are kept");
      assertEquals(0, b.observation("position").getInt(4), "new episode's first observation");
      assertEquals(pos + 3, b.finalObservation(fi).getInt(0), "final position of agent 0 in copy 0");
      assertEquals(3, b.finalObservation(fi).getInt(4), "final step feature");
      int ti = b.observationIndex("total");
      assertTrue(b.finalObservation(ti).getDouble(0) > 0);
      assertEquals(2, b.episodes().size());
      b = env.step(right);
      assertArrayEquals(new byte[] {0, 0}, b.resetMask());
      assertEquals(0, b.finalObservation(fi).getInt(0), "cleared after the ending step");
      assertEquals(1, b.observation("position").getInt(4));
    }
  }

  @Test
  void autoresetDisabledRefusesEndedCopies() {
    try (VectorEnv env = make(WORLD, SHORT, 2, 3, autoreset(Autoreset.DISABLED))) {
      env.reset();
      int[] stay = {1, 1, 1, 1};
      env.step(stay);
      env.step(stay);
      StepBatch b = env.step(stay);
      assertArrayEquals(new byte[] {1, 1}, b.truncated());
      assertEquals(3, b.sessionStep());
      KindredException e = assertKindred("FAILED_PRECONDITION", () -> env.step(stay));
      assertTrue(e.detail().contains("autoreset is disabled"), e.getMessage());
      b = env.reset();
      assertEquals(3, b.sessionStep(), "the refused step did not count");
      assertArrayEquals(new byte[] {1, 1}, b.resetMask());
      b = env.step(stay);
      assertEquals(4, b.sessionStep());
      assertEquals(1, b.observation("position").getInt(4));
    }
  }

  // ---- episodes ---------------------------------------------------------------------------

  @Test
  void episodeStatsMatchTheSteps() {
    try (VectorEnv env = make(WORLD, Map.of("agents", 2, "max_steps", 4), 3, 21,
        autoreset(Autoreset.SAME_STEP))) {
      env.reset();
      int[][] actions = Trajectories.actions(3, 12, 3 * 2, 3);
      double[] returns = new double[6];
      long[] nextEpisode = new long[3];
      int ended = 0;
      for (int[] a : actions) {
        StepBatch b = env.step(a);
        for (int i = 0; i < 6; i++) {
          returns[i] += b.rewards()[i];
        }
        for (EpisodeSummary e : b.episodes()) {
          ended++;
          int c = e.copy();
          assertEquals(nextEpisode[c]++, e.episode());
          assertEquals(4, e.length());
          assertTrue(e.truncated());
          assertFalse(e.terminated());
          assertArrayEquals(Arrays.copyOfRange(returns, 2 * c, 2 * c + 2), e.returns(), 0.0);
          Arrays.fill(returns, 2 * c, 2 * c + 2, 0);
          int fi = b.observationIndex("total");
          assertEquals(b.finalObservation(fi).getDouble(8 * c), e.stats().get("final_total"));
          assertEquals(2, e.agentStats().size());
          assertTrue(e.agentStats().get(0).containsKey("failures"));
        }
      }
      assertEquals(9, ended);
    }
  }

  @Test
  void terminationEndsEpisodesEarly() {
    // agent 0 walks left to position 0, which terminates the episode
    try (VectorEnv env = make(WORLD, Map.of("agents", 1, "max_steps", 1000, "terminate_at", 0), 1, 4,
        SessionOptions.defaults())) {
      StepBatch b = env.reset();
      int start = b.observation("position").getInt(0);
      int steps = 0;
      double ret = 0;
      do {
        b = env.step(new int[] {0});
        steps++;
        ret += b.rewards()[0];
      } while (!b.done(0));
      assertEquals(Math.max(start, 1), steps);
      assertArrayEquals(new byte[] {1}, b.terminated());
      assertArrayEquals(new byte[] {0}, b.truncated());
      EpisodeSummary e = b.episodes().get(0);
      assertTrue(e.terminated());
      assertEquals(steps, e.length());
      assertEquals(ret, e.returns()[0]);
      assertEquals(-steps, ret);
    }
  }

  // ---- errors -----------------------------------------------------------------------------

  @Test
  void stepBeforeResetIsFailedPrecondition() {
    try (VectorEnv env = make(WORLD, Map.of(), 1, 1, SessionOptions.defaults())) {
      assertKindred("FAILED_PRECONDITION", () -> env.step(new int[] {1, 1}));
    }
  }

  @Test
  void badActionsAreInvalidArgumentAndChangeNothing() {
    try (VectorEnv env = make(WORLD, Map.of(), 2, 1, SessionOptions.defaults());
         VectorEnv ref = local(Map.of(), 2, 1, SessionOptions.defaults())) {
      env.reset();
      ref.reset();
      KindredException e = assertKindred("INVALID_ARGUMENT", () -> env.step(new int[] {1, 1, 3, 1}));
      assertTrue(e.detail().contains("expected 0 <= value < 3"), e.getMessage());
      assertKindred("INVALID_ARGUMENT", () -> env.step(new int[] {1, -1, 1, 1}));
      assertKindred("INVALID_ARGUMENT", () -> env.step(new int[] {1, 1, 1}));
      int[] a = {2, 0, 1, 2};
      assertArrayEquals(Trajectories.snapshot(ref.step(a)), Trajectories.snapshot(env.step(a)));
    }
  }

  @Test
  void badSessionsAreRefused() {
    KindredException unknown = assertKindred("NOT_FOUND",
        () -> make("no.such.world", Map.of(), 1, 1, SessionOptions.defaults()));
    assertTrue(unknown.detail().contains("no.such.world"), unknown.getMessage());
    KindredException key = assertKindred("INVALID_ARGUMENT",
        () -> make(WORLD, Map.of("speed", 1), 1, 1, SessionOptions.defaults()));
    assertTrue(key.detail().contains("config.speed"), key.getMessage());
    assertKindred("INVALID_ARGUMENT", () -> make(WORLD, Map.of("agents", 1000), 1, 1, SessionOptions.defaults()));
    assertKindred("INVALID_ARGUMENT", () -> make(WORLD, Map.of("agents", "two"), 1, 1, SessionOptions.defaults()));
    assertKindred("INVALID_ARGUMENT", () -> make(WORLD, Map.of(), 1, 1,
        SessionOptions.builder().observations("velocity").build()));
  }

  @Test
  void observationSubsetMatchesLocal() {
    SessionOptions only = SessionOptions.builder().observations("total").build();
    int[][] actions = Trajectories.actions(8, 10, 3 * 2, 3);
    try (VectorEnv env = make(WORLD, Map.of(), 3, 2, only); VectorEnv ref = local(Map.of(), 3, 2, only)) {
      List<byte[]> got = run(env, null, actions);
      assertSameTrajectory(run(ref, null, actions), got);
      StepBatch b = env.step(actions[0]);
      assertEquals(1, b.observationCount());
      assertEquals(-1, b.observationIndex("position"));
      assertEquals(3, b.observationAsDoubles("total", null).length);
    }
  }

  @Test
  void closeThenStepIsNotFound() {
    VectorEnv env = make(WORLD, Map.of(), 1, 1, SessionOptions.defaults());
    env.reset();
    env.step(new int[] {1, 1});
    env.close();
    env.close();
    assertKindred("NOT_FOUND", () -> env.step(new int[] {1, 1}));
    assertKindred("NOT_FOUND", env::reset);
  }
}
