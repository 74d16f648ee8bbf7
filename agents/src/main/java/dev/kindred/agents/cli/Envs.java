package dev.kindred.agents.cli;

import dev.kindred.client.ClientOptions;
import dev.kindred.client.KindredClient;
import dev.kindred.client.ShardedVectorEnv;
import dev.kindred.env.KindredException;
import dev.kindred.env.SessionOptions;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.StepBatch;
import dev.kindred.env.VectorEnv;
import dev.kindred.env.WorldRegistry;
import dev.kindred.local.LocalVectorEnv;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Opens a world in process, or on a server when an address is given, with clear errors. */
public final class Envs {
  private Envs() {}

  /**
   * @param server "host:port"; several, comma-separated ("a:1,b:2"), or "dns:NAME:PORT" (every
   *               address NAME resolves to, e.g. a Kubernetes headless Service) for an environment
   *               sharded over those servers ({@link ShardedVectorEnv}); null for in-process
   * @throws IllegalArgumentException for an unreachable server or a bad world or configuration
   */
  public static VectorEnv open(String server, String world, Map<String, ?> config, int copies, long seed) {
    if (server == null) {
      try {
        return LocalVectorEnv.create(WorldRegistry.builtIn(), world, config, copies, seed);
      } catch (KindredException e) {
        throw new IllegalArgumentException("cannot create " + world + ": " + e.getMessage(), e);
      }
    }
    if (server.contains(",") || server.startsWith("dns:")) {
      return openSharded(server, world, config, copies, seed);
    }
    KindredClient client;
    try {
      client = KindredClient.connect(server);
    } catch (KindredException e) {
      throw new IllegalArgumentException("cannot reach a Kindred server at " + server + " (" + e.code()
          + "); start one with ./kindred serve --port PORT, or check --server", e);
    }
    try {
      VectorEnv env = client.make(world, config, copies, seed);
      return new Remote(client, env);
    } catch (KindredException e) {
      client.close();
      String hint = "UNAVAILABLE".equals(e.code())
          ? "; start one with ./kindred serve --port PORT, or check --server" : "";
      throw new IllegalArgumentException("the server at " + server + " refused to create " + world + ": "
          + e.getMessage() + hint, e);
    }
  }

  private static VectorEnv openSharded(String servers, String world, Map<String, ?> config, int copies, long seed) {
    List<String> targets;
    try {
      targets = servers.startsWith("dns:") ? ShardedVectorEnv.resolveAll(servers.substring(4))
          : Arrays.stream(servers.split(",")).map(String::strip).filter(t -> !t.isEmpty()).toList();
    } catch (KindredException e) {
      throw new IllegalArgumentException("--server " + servers + ": " + e.detail(), e);
    }
    try {
      return ShardedVectorEnv.connect(targets, ClientOptions.defaults(), world, config, copies, seed,
          SessionOptions.defaults());
    } catch (KindredException e) {
      throw new IllegalArgumentException("cannot open " + world + " sharded over " + targets + ": " + e.getMessage()
          + ("UNAVAILABLE".equals(e.code()) ? "; start each with ./kindred serve --port PORT, or check --server" : ""),
          e);
    }
  }

  /** A remote environment that also closes its client. */
  private record Remote(KindredClient client, VectorEnv env) implements VectorEnv {
    @Override
    public SessionSpec spec() {
      return env.spec();
    }

    @Override
    public StepBatch reset(Long seed, int[] copies) {
      return env.reset(seed, copies);
    }

    @Override
    public StepBatch step(int[] actions) {
      return env.step(actions);
    }

    @Override
    public void close() {
      try {
        env.close();
      } catch (KindredException e) {
        // The server may already be gone; closing the client is what matters.
      }
      client.close();
    }
  }
}
