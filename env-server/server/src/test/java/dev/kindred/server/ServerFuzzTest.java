package dev.kindred.server;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The server under coverage-guided fuzzing (Jazzer): every RPC of kindred.v1 and dm_env_rpc, plus
 * health and reflection, with structured and raw-bytes requests; see {@link FuzzHarness} for what
 * is checked. Three ways to run it:
 * <ul>
 *   <li>{@code mvn verify}: regression mode, every input under
 *       {@code src/test/resources/dev/kindred/server/ServerFuzzTestInputs/fuzzEveryRpc} (seeds and
 *       past findings) once; then the {@code fuzz-short} execution fuzzes for 25 s from them (its
 *       corpus in {@code target/fuzz-short});</li>
 *   <li>{@code ./kindred fuzz --minutes N}: fuzzing for N minutes, with the corpus kept in
 *       {@code env-server/server/.cifuzz-corpus} between runs;</li>
 *   <li>{@code JAZZER_FUZZ=1 mvn test -pl env-server/server -am -Dtest=ServerFuzzTest
 *       -Djazzer.max_duration=2m -Dsurefire.failIfNoSpecifiedTests=false}: the same, by hand.</li>
 * </ul>
 * A finding is written to the inputs directory above, where it becomes a regression test.
 */
class ServerFuzzTest {
  private static FuzzHarness harness;
  private static ScheduledExecutorService reporter;

  @BeforeAll
  static void start() {
    harness = new FuzzHarness();
    // While fuzzing, a line of figures every 30 s (heap after a full GC should stay flat).
    reporter = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "fuzz-figures");
      t.setDaemon(true);
      return t;
    });
    reporter.scheduleAtFixedRate(() -> System.err.println(harness.figures()), 30, 30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    reporter.shutdownNow();
    System.err.println(harness.figures());
    System.err.println("fuzz: heap after GC over time: " + harness.heapHistory());
    harness.close();
  }

  @FuzzTest(maxDuration = "5m")
  void fuzzEveryRpc(FuzzedDataProvider data) {
    harness.run(data);
  }
}
