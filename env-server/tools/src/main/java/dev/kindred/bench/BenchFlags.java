package dev.kindred.bench;

import dev.kindred.cli.support.Cli;
import dev.kindred.cli.support.SeedOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The flags every benchmark command shares (a picocli mixin): how long to measure, JSON or a
 * table, {@code --quick}, which rows, whether to measure the session rows ({@link SessionRows}),
 * the seed. A flag left out is null, so that its default can depend on {@code --quick}. (Each
 * command declares {@code --warmup}: their defaults differ.)
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

  @Option(names = "--no-grpc", description = "skip the session rows (local and gRPC)")
  boolean noGrpc;

  @Mixin
  SeedOption seed = new SeedOption();

  /** How the harness runs: the command's {@code --warmup}, or {@code warmupDefault} seconds (or --quick's). */
  BenchHarness.Options options(Double warmup, double warmupDefault) {
    return new BenchHarness.Options(Cli.positive("--runs", or(runs, 2, 5)),
        warmup != null ? warmup : quick ? 0.02 : warmupDefault,
        runSeconds != null ? runSeconds : quick ? 0.03 : 1.0, json);
  }

  /**
   * A bench command's settings: these flags with the defaults that depend on {@code --quick}
   * filled in, and the harness options they give. Each command's settings add its own.
   */
  static class Settings {
    final BenchFlags flags;
    final BenchHarness.Options options;
    final long seed;
    final boolean noGrpc;

    /** @param warmup the command's {@code --warmup}; {@code warmupDefault} seconds when left out */
    Settings(BenchFlags flags, Double warmup, double warmupDefault) {
      this.flags = flags;
      this.options = flags.options(warmup, warmupDefault);
      this.seed = flags.seed.value;
      this.noGrpc = flags.noGrpc;
    }

    boolean selected(String name) {
      return flags.selected(name);
    }
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
