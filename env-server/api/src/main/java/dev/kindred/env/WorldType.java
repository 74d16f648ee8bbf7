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
   * Builds a world of {@code copies} independent copies.
   *
   * @param config a configuration already resolved against {@link #schema()}; semantic
   *               problems (e.g. a checkerboard schedule on a non-bipartite graph) are
   *               reported as INVALID_ARGUMENT {@link EnvException}s naming the field
   * @param copies number of copies, at least 1
   */
  World create(Config config, int copies);

  /**
   * Builds a world of {@code copies} independent copies in a host's {@link WorldContext}: the
   * form every host calls. A world that reads files (only through
   * {@link WorldContext#dataFiles()}), runs long operations (polling
   * {@link WorldContext#cancellation()}) or can grow large (declaring its cost to
   * {@link WorldContext#admit} before allocating) overrides this method, and its two-argument
   * {@link #create(Config, int)} becomes {@code create(config, copies, WorldContext.standalone())}:
   * no files, no cancellation, no limits. The default is for worlds that need none of these.
   *
   * @throws EnvException INVALID_ARGUMENT for a semantic problem of the configuration (e.g. a
   *                      file that cannot be read); RESOURCE_EXHAUSTED when the host's admission
   *                      check refuses the world's cost
   */
  default World create(Config config, int copies, WorldContext context) {
    return create(config, copies);
  }
}
