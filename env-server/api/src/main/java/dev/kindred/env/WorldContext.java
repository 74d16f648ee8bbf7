package dev.kindred.env;

import java.util.Objects;

/**
 * What the host gives a world when it builds one: the only files the world may read, the
 * cancellation its long operations poll, and the admission check its costs must pass. A world
 * keeps its context for its whole life (its resets and steps poll the same {@link #cancellation}).
 *
 * <ul>
 *   <li>{@link #dataFiles()}: a world reads a file its configuration names only through this
 *       object, never by opening a path itself; see {@link DataFiles}.
 *   <li>{@link #cancellation()}: polled between sweeps, rows or steps; see {@link Cancellation}.
 *   <li>{@link #admit}: a world calls it with its {@link WorldCost} as soon as it knows its size
 *       and before it allocates anything large; the host throws (RESOURCE_EXHAUSTED, naming its
 *       limit) when it cannot afford the world.
 * </ul>
 */
public final class WorldContext {

  /** The host's check of a world's cost against its limits. */
  @FunctionalInterface
  public interface Admission {
    /**
     * Returns when the host can afford the world.
     *
     * @throws EnvException RESOURCE_EXHAUSTED naming the limit and how to raise it
     */
    void admit(WorldCost cost);
  }

  private static final WorldContext STANDALONE = new WorldContext(DataFiles.none(), Cancellation.NEVER, c -> { });

  private final DataFiles dataFiles;
  private final Cancellation cancellation;
  private final Admission admission;

  public WorldContext(DataFiles dataFiles, Cancellation cancellation, Admission admission) {
    this.dataFiles = Objects.requireNonNull(dataFiles, "dataFiles");
    this.cancellation = Objects.requireNonNull(cancellation, "cancellation");
    this.admission = Objects.requireNonNull(admission, "admission");
  }

  /** No data directory, never cancelled, no limits: a world in process with nothing to read. */
  public static WorldContext standalone() {
    return STANDALONE;
  }

  /** As {@link #standalone()}, reading files from {@code dataFiles}. */
  public static WorldContext reading(DataFiles dataFiles) {
    return new WorldContext(dataFiles, Cancellation.NEVER, c -> { });
  }

  public DataFiles dataFiles() {
    return dataFiles;
  }

  public Cancellation cancellation() {
    return cancellation;
  }

  /** Asks the host whether it can afford a world of this cost; see {@link Admission#admit}. */
  public void admit(WorldCost cost) {
    admission.admit(cost);
  }
}
