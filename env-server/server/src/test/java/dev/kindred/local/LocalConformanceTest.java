package dev.kindred.local;

import dev.kindred.env.SessionOptions;
import dev.kindred.env.VectorEnv;
import java.util.Map;

/** The conformance suite on the in-process path. */
class LocalConformanceTest extends VectorEnvConformance {
  @Override
  protected VectorEnv make(String worldId, Map<String, ?> config, int copies, long seed, SessionOptions options) {
    return LocalVectorEnv.create(registry(), worldId, config, copies, seed, options);
  }
}
