package dev.kindred.cli.support;

import picocli.CommandLine.Option;

/** {@code --seed S}: the seed of the sessions a command opens (a picocli mixin). */
public final class SeedOption {
  @Option(names = "--seed", paramLabel = "S", description = "session seed (default ${DEFAULT-VALUE})")
  public long value = 1;
}
