package dev.kindred.env.spin;

import static dev.kindred.env.spin.SpinConfigTest.assertInvalid;
import static dev.kindred.env.spin.SpinTestSupport.REGISTRY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.Autoreset;
import dev.kindred.env.BatchedEnv;
import dev.kindred.env.Cancellation;
import dev.kindred.env.DataFiles;
import dev.kindred.env.EnvException;
import dev.kindred.env.KindredException;
import dev.kindred.env.SessionOptions;
import dev.kindred.env.WorldContext;
import dev.kindred.env.WorldCost;
import dev.kindred.env.WorldType;
import dev.kindred.local.LocalVectorEnv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a spin world owes its host: it reads files only from the data directory and never quotes
 * them, declares its cost before allocating, and stops long work when cancelled.
 */
class SpinHostingTest {
  private static final Duration PROMPTLY = Duration.ofSeconds(5);

  private static Map<String, Object> cfg(Object... kv) {
    Map<String, Object> m = new HashMap<>();
    for (int k = 0; k < kv.length; k += 2) {
      m.put((String) kv[k], kv[k + 1]);
    }
    return m;
  }

  /** A host that records every cost it is asked to admit, and refuses with {@code refuse}. */
  private static final class Host {
    final List<WorldCost> costs = new ArrayList<>();
    boolean refuse;

    WorldContext context(Cancellation cancellation) {
      return new WorldContext(DataFiles.none(), cancellation, cost -> {
        costs.add(cost);
        if (refuse) {
          throw EnvException.exhausted("refused: " + cost.size());
        }
      });
    }
  }

  private static void create(String id, Map<String, Object> config, int copies, WorldContext context) {
    WorldType t = REGISTRY.get(id);
    t.create(t.schema().resolve(config), copies, context);
  }

  // ---- files --------------------------------------------------------------------------------

  @Test
  void couplingsFilesNeedADataDirectory() {
    assertInvalid("spin.boltzmann", cfg("couplings_file", "/etc/passwd"), WorldContext.standalone(),
        "config.couplings_file", "no data directory", "inline with 'couplings'");
  }

  @Test
  void couplingsFilesOutsideTheDataDirectoryAreRefused(@TempDir Path dir) throws Exception {
    Path data = Files.createDirectories(dir.resolve("data"));
    Files.writeString(dir.resolve("secret.txt"), "1 2\n3 4\n");
    WorldContext context = WorldContext.reading(DataFiles.in(data));
    assertInvalid("spin.boltzmann", cfg("couplings_file", "/etc/passwd"), context, "config.couplings_file",
        "absolute path");
    assertInvalid("spin.boltzmann", cfg("couplings_file", "../secret.txt"), context, "config.couplings_file",
        "leaves the data directory");
  }

  @Test
  void parseErrorsNeverQuoteTheFile(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("passwd"), "root:x:0:0:root:/root:/bin/bash\n");
    Files.writeString(dir.resolve("diag.txt"), "7 1\n1 0\n");
    WorldContext context = WorldContext.reading(DataFiles.in(dir));
    WorldType t = REGISTRY.get("spin.boltzmann");
    for (String name : List.of("passwd", "diag.txt")) {
      EnvException e = assertThrows(EnvException.class,
          () -> t.create(t.schema().resolve(cfg("couplings_file", name)), 1, context));
      assertFalse(e.getMessage().contains("root") || e.getMessage().contains("7"), e.getMessage());
    }
  }

  @Test
  void inProcessTheCallerChoosesTheDataDirectory(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("m.txt"), "0 1\n1 0\n");
    Map<String, Object> config = cfg("couplings_file", "m.txt", "controlled", List.of(0));
    try (LocalVectorEnv env = LocalVectorEnv.create(REGISTRY, "spin.boltzmann", config, 2, 1,
        SessionOptions.defaults(), DataFiles.in(dir))) {
      assertEquals(1, env.spec().agents());
    }
    KindredException e = assertThrows(KindredException.class,
        () -> LocalVectorEnv.create(REGISTRY, "spin.boltzmann", config, 2, 1));
    assertEquals("INVALID_ARGUMENT", e.code());
    assertTrue(e.detail().contains("no data directory"), e.detail());
  }

  // ---- costs --------------------------------------------------------------------------------

  @Test
  void costsAreDeclaredBeforeAnythingLargeIsAllocated() {
    Host host = new Host();
    host.refuse = true;
    WorldContext context = host.context(Cancellation.NEVER);
    // Each of these would take gigabytes or minutes to build; refused, they take nothing.
    assertTimeoutPreemptively(PROMPTLY, () -> {
      assertThrows(EnvException.class, () -> create("spin.sk", cfg("n", 16384), 1, context));
      assertThrows(EnvException.class, () -> create("spin.lattice", cfg("width", 8192, "height", 8192), 65536,
          context));
      assertThrows(EnvException.class, () -> create("spin.random_regular", cfg("n", 1 << 24, "degree", 4), 1,
          context));
    });
    WorldCost sk = host.costs.get(0);
    assertTrue(sk.sharedBytes() >= 12L * 16384 * 16384, sk.toString());
    assertTrue(sk.size().contains("16384 spins"), sk.size());
    assertEquals(8192L * 8192, host.costs.get(1).bytesPerCopy() / 2, 1024.0);
  }

  @Test
  void burnInAndSweepsCountInTheirCalls() {
    Host host = new Host();
    create("spin.lattice", cfg("width", 4, "height", 4, "burn_in_sweeps", 1L << 40, "sweeps_per_step", 1000), 2,
        host.context(Cancellation.NEVER));
    WorldCost c = host.costs.get(0);
    assertTrue(c.resetWork() >= (1L << 40) * 16, c.toString());
    assertTrue(c.stepWork() >= 1000L * 16, c.toString());
    assertTrue(c.size().contains("burn_in_sweeps 1099511627776") && c.size().contains("sweeps_per_step 1000"),
        c.size());
  }

  @Test
  void aCouplingsFileIsAdmittedOnItsFirstRow(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("m.txt"), "0 1 0\n1 0 1\n0 1 0\n");
    Host host = new Host();
    WorldContext context = new WorldContext(DataFiles.in(dir), Cancellation.NEVER, cost -> host.costs.add(cost));
    create("spin.boltzmann", cfg("couplings_file", "m.txt"), 1, context);
    assertEquals(1, host.costs.size());
    assertTrue(host.costs.get(0).size().startsWith("3 spins"), host.costs.get(0).size());
  }

  // ---- cancellation -------------------------------------------------------------------------

  /** Cancels every check after {@code after} from the first check. */
  private static Cancellation cancelAfter(Duration after) {
    long[] start = {0};
    return () -> {
      long now = System.nanoTime();
      if (start[0] == 0) {
        start[0] = now;
      } else if (now - start[0] > after.toNanos()) {
        throw new KindredException("CANCELLED", "test cancellation");
      }
    };
  }

  @Test
  void aRunawayBurnInStopsWhenCancelled() {
    WorldType t = REGISTRY.get("spin.lattice");
    var world = t.create(t.schema().resolve(cfg("width", 4, "height", 4, "burn_in_sweeps", 1L << 40)), 1,
        new WorldContext(DataFiles.none(), cancelAfter(Duration.ofMillis(100)), c -> { }));
    BatchedEnv env = new BatchedEnv(world, Autoreset.NEXT_STEP, 1, List.of());
    KindredException e = assertTimeoutPreemptively(PROMPTLY,
        () -> assertThrows(KindredException.class, () -> env.reset(null, null)));
    assertEquals("CANCELLED", e.code());
  }

  @Test
  void aLongMultiSweepStepStopsWhenCancelled() {
    WorldType t = REGISTRY.get("spin.lattice");
    var world = t.create(t.schema().resolve(cfg("width", 256, "height", 256, "sweeps_per_step", 1_000_000)), 1,
        new WorldContext(DataFiles.none(), cancelAfter(Duration.ofMillis(200)), c -> { }));
    BatchedEnv env = new BatchedEnv(world, Autoreset.NEXT_STEP, 1, List.of());
    env.reset(null, null);
    assertTimeoutPreemptively(PROMPTLY, () -> assertThrows(KindredException.class, () -> env.step(new int[0])));
  }

  @Test
  void buildingADenseWorldPollsOncePerRow() {
    AtomicInteger checks = new AtomicInteger();
    Cancellation tenthCheck = () -> {
      if (checks.incrementAndGet() == 10) {
        throw new KindredException("CANCELLED", "test cancellation");
      }
    };
    assertThrows(KindredException.class,
        () -> create("spin.sk", cfg("n", 2000), 1, new WorldContext(DataFiles.none(), tenthCheck, c -> { })));
    assertEquals(10, checks.get());
  }
}
