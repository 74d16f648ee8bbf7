package dev.kindred.bench;

import dev.kindred.cli.support.Cli;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * The flags every benchmark command shares (a picocli mixin): how long to measure, JSON or a
 * table, {@code --quick}, which rows, the seed. A flag left out is null, so that its default
 * can depend on {@code --quick}. (Each command declares {@code --warmup}: their defaults differ.)
 */
final class BenchFlags {
  @Option(names = "--runs", paramLabel = "N",
      description = "timed runs per row; the table shows median, min, max (default 5)")
  Integer runs;

  @Option(names = "--run-seconds", paramLabel = "S", description = "target length of one timed run (default 1.0)")
  Double runSeconds;

  @Option(names = "--json", description = "one JSON object per row on stdout; the table goes to stderr")
  boolean json;

  @Option(names = "--quick", description = "small sizes, few copies, short runs: a smoke test, not a measurement")
  boolean quick;

  @Option(names = "--only", paramLabel = "A,B", split = ",", hideParamSyntax = true,
      description = "only rows whose name contains one of these, in any case (e.g. grpc,local)")
  List<String> only = new ArrayList<>();

  @Option(names = "--seed", paramLabel = "S", description = "session seed (default ${DEFAULT-VALUE})")
  long seed = 1;

  /** How the harness runs: the command's {@code --warmup}, or {@code warmupDefault} seconds (or --quick's). */
  BenchHarness.Options options(Double warmup, double warmupDefault) {
    return new BenchHarness.Options(Cli.positive("--runs", or(runs, 2, 5)),
        warmup != null ? warmup : quick ? 0.02 : warmupDefault,
        runSeconds != null ? runSeconds : quick ? 0.03 : 1.0, json);
  }

  /** The flag's value if given, else its default: {@code quick} with --quick, {@code normal} without. */
  int or(Integer flag, int quick, int normal) {
    return flag != null ? flag : this.quick ? quick : normal;
  }

  /** Whether a row is measured: no --only, or its name contains one of the words (any case). */
  boolean selected(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    List<String> words = words(only);
    return words.isEmpty() || words.stream().anyMatch(n::contains);
  }

  /** A list flag's words, trimmed and lower-case, blanks dropped. */
  static List<String> words(List<String> values) {
    List<String> out = new ArrayList<>();
    for (String v : values) {
      if (!v.isBlank()) {
        out.add(v.trim().toLowerCase(Locale.ROOT));
      }
    }
    return out;
  }
}
