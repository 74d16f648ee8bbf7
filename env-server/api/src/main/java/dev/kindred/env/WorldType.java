package dev.kindred.env;

/**
 * A kind of world the server can host: its id, description and configuration schema, and a
 * factory for instances. Registered in a {@link WorldRegistry}.
 */
public interface WorldType {

  /** Registry id, e.g. "spin.lattice". Lower case, dot-separated. */
  String id();

  /** One-line title. */
  String title();

  /** What the world is, what agents observe and do, and what rewards mean. */
  String description();

  /** The configuration schema, with defaults. */
  ConfigSchema schema();

  /**
   * Builds a world of {@code copies} independent copies in a host's {@link WorldContext}: the
   * form every host calls. A world reads files only through {@link WorldContext#dataFiles()},
   * polls {@link WorldContext#cancellation()} in long operations, and declares its cost to
   * {@link WorldContext#admit} before it allocates anything large.
   *
   * @param config  a configuration already resolved against {@link #schema()}
   * @param copies  number of copies, at least 1
   * @throws EnvException INVALID_ARGUMENT for a semantic problem of the configuration (e.g. a
   *                      checkerboard schedule on a non-bipartite graph, a file that cannot be
   *                      read), naming the field; RESOURCE_EXHAUSTED when the host's admission
   *                      check refuses the world's cost
   */
  World create(Config config, int copies, WorldContext context);

  /** In process, with no data directory (file keys are refused), no cancellation and no limits. */
  default World create(Config config, int copies) {
    return create(config, copies, WorldContext.standalone());
  }
}
