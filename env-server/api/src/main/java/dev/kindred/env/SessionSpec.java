package dev.kindred.env;

import java.util.List;
import java.util.Map;

/**
 * What a session is: its world's spec (observations narrowed to those the session returns, in
 * the order its batches hold them), the number of copies, the autoreset mode and the resolved
 * configuration (every default filled in, as plain values). The same for a session in this
 * process and one behind a server: the remote client rebuilds it from the wire's {@code EnvSpec}.
 *
 * @param world     the world's spec, with only the session's observations
 * @param copies    number of copies stepped together
 * @param autoreset what happens after an episode ends
 * @param config    the resolved configuration as plain values (Boolean, Double, String, List, Map)
 */
public record SessionSpec(WorldSpec world, int copies, Autoreset autoreset, Map<String, Object> config) {

  public SessionSpec {
    config = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(config));
  }

  /** The spec of a session over {@code env} with the resolved configuration {@code config}. */
  public static SessionSpec of(BatchedEnv env, Config config) {
    return new SessionSpec(env.spec().withObservations(env.observations()), env.copies(),
        env.autoreset(), config.toPlain());
  }

  public String worldId() {
    return world.worldId();
  }

  /** Number of agents per copy. */
  public int agents() {
    return world.numAgents();
  }

  /** Number of action dimensions per agent. */
  public int actionDimensions() {
    return world.actions().size();
  }

  /** The observations a batch of this session holds, in order. */
  public List<TensorSpec> observations() {
    return world.observations();
  }

  /** Whether the session returns the named observation. */
  public boolean hasObservation(String name) {
    return world.observations().stream().anyMatch(t -> t.name().equals(name));
  }

  /** The named observation's spec. */
  public TensorSpec observation(String name) {
    return world.observations().stream().filter(t -> t.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no observation named '" + name + "'; this session has "
            + world.observations().stream().map(TensorSpec::name).toList()));
  }
}
