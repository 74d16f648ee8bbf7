package dev.kindred.agents.cli;

import dev.kindred.env.VectorEnv;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code --server HOST:PORT}: where a command steps its world (a picocli mixin). */
final class ServerOption {
  @Option(names = "--server", paramLabel = "HOST:PORT",
      description = "step the world on a Kindred server at HOST:PORT instead of in process; several "
          + "comma-separated (a:50051,b:50051), or dns:NAME:PORT for every address NAME resolves to "
          + "(a Kubernetes headless Service), shard the copies over those servers")
  String address;

  /** Opens the world on the server, or in process without {@code --server} ({@link Envs#open}). */
  VectorEnv open(String world, Map<String, ?> config, int copies, long seed) {
    return Envs.open(address, world, config, copies, seed);
  }
}
