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
}
