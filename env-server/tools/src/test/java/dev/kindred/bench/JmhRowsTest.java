package dev.kindred.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.TimeValue;

/** The JMH rows: the harness's options map onto JMH's, and a run becomes a row. No timing assertions. */
class JmhRowsTest {

  private static JmhRows.Case sk(int n) {
    return new JmhRows.Case("spin.sk" + n + ".async", SpinBench.UNIT, Map.of("world", "spin.sk"),
        SpinKernelBenchmark.class, "sk", Map.of("n", n, "sweepsPerStep", 1), "updates",
        it -> Map.of("ns_per_update", 1e9 / it.rate(), "steps_per_s", it.opsPerSecond()));
  }

  @Test
  void harnessOptionsMapOntoJmhOptions() {
    Options o = JmhRows.options(sk(64), new BenchHarness.Options(3, 2.0, 0.5, false, 2));
    assertEquals(List.of("^\\Q" + SpinKernelBenchmark.class.getName() + ".sk\\E$"), o.getIncludes());
    assertEquals(3, o.getMeasurementIterations().get());
    assertEquals(TimeValue.milliseconds(500), o.getMeasurementTime().get());
    assertEquals(4, o.getWarmupIterations().get());
    assertEquals(TimeValue.milliseconds(500), o.getWarmupTime().get());
    assertEquals(2, o.getForkCount().get());
    assertEquals(TimeUnit.SECONDS, o.getTimeUnit().get());
    assertEquals(List.of("64"), List.copyOf(o.getParameter("n").get()));
    assertEquals(List.of("1"), List.copyOf(o.getParameter("sweepsPerStep").get()));

    Options cold = JmhRows.options(sk(64), new BenchHarness.Options(1, 0, 1.0, false));
    assertEquals(0, cold.getWarmupIterations().get());
    assertEquals(1, cold.getForkCount().get(), "one fork unless asked otherwise");
  }

  @Test
  void inThisJvmTheIterationsBecomeTheRowsRuns() throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    BenchHarness.Row row = JmhRows.measure(sk(16), new BenchHarness.Options(3, 0.01, 0.02, false, 0),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    String log = err.toString(StandardCharsets.UTF_8);
    assertEquals("spin.sk16.async", row.name());
    assertEquals(3, row.runs());
    assertEquals(3, row.values().length);
    assertTrue(row.min() <= row.median() && row.median() <= row.max(), log);
    assertTrue(row.min() > 0, log);
    assertTrue(row.iterationsPerRun() > 0, log);
    assertEquals("JMH", row.config().get("harness"));
    assertEquals(List.of("ns_per_update", "steps_per_s"), List.copyOf(row.extra().keySet()));
    assertEquals(1e9 / row.median(), (Double) row.extra().get("ns_per_update"), 1e-6 * (1e9 / row.median()));
    assertTrue(log.contains("spin.sk16.async: JMH") && log.contains("in this JVM"), log);
    assertTrue(log.contains("spin.sk16.async: run 3/3: "), log);
  }

  @Test
  void aFailingBenchmarkSaysWhyAndShowsJmhsReport() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    RunnerException e = assertThrows(RunnerException.class, () -> JmhRows.measure(sk(1),
        new BenchHarness.Options(1, 0, 0.01, false, 0), new PrintStream(err, true, StandardCharsets.UTF_8)));
    assertTrue(e.getMessage().contains("config.n: value 1 is out of range"), e.getMessage());
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("spin.sk1.async: JMH's report:"));
  }

  @Test
  void rowOfSummarisesTheRuns() {
    BenchHarness.Row r = BenchHarness.Row.of("x", "u", new double[] {3, 1, 2, 10}, 7, Map.of("a", 1), Map.of("b", 2.0));
    assertEquals(2.5, r.median(), 0.0);
    assertEquals(1, r.min(), 0.0);
    assertEquals(10, r.max(), 0.0);
    assertEquals(4, r.runs());
    assertEquals(7, r.iterationsPerRun());
    assertEquals(Map.of("b", 2.0), r.extra());
  }
}
