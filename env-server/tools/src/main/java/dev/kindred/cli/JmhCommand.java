package dev.kindred.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code kindred bench jmh}: JMH's own command line over the benchmarks in this jar (the ones
 * behind the in-process rows of {@code bench spin} and {@code bench energy}). Every argument goes
 * to JMH unchanged, {@code -h} included; JMH exits the JVM itself with 1 on errors.
 */
@Command(name = "jmh", mixinStandardHelpOptions = false,
    description = {"JMH's own command line over the benchmarks in the jar: -l lists them, -h lists JMH's options,",
        "e.g. kindred bench jmh EnergyStepBenchmark -p scenario=S1 -prof gc"})
final class JmhCommand implements java.util.concurrent.Callable<Integer> {
  @Unmatched
  List<String> args = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    org.openjdk.jmh.Main.main(args.toArray(String[]::new));
    return 0;
  }
}
