package dev.kindred.env;

import java.util.List;
import java.util.Map;

/**
 * What a world instance looks like from outside: its agents, observations, actions, reward and
 * episode conventions. The session layer adds the number of copies and the autoreset mode.
 *
 * @param agentNames       names of the controlled agents, index-aligned with the agent axis
 * @param observations     every tensor the world can write, in a fixed order
 * @param maxEpisodeSteps  episodes are truncated after this many steps (0: never)
 * @param canTerminate     whether the world ends episodes by itself
 * @param episodeStats     statistics reported when an episode ends, in the order the world
 *                         writes them (per-agent ones and per-copy ones each in their own order)
 * @param properties       facts about this instance (e.g. "regime")
 */
public record WorldSpec(
    String worldId,
    List<String> agentNames,
    List<TensorSpec> observations,
    ActionSpec actions,
    RewardSpec reward,
    long maxEpisodeSteps,
    boolean canTerminate,
    String episodeDescription,
    List<StatSpec> episodeStats,
    Map<String, String> properties) {

  public WorldSpec {
    agentNames = List.copyOf(agentNames);
    observations = List.copyOf(observations);
    episodeStats = List.copyOf(episodeStats);
    properties = Map.copyOf(properties);
  }

  public int numAgents() {
    return agentNames.size();
  }

  /** Per-agent episode statistics, in the order worlds write them. */
  public List<StatSpec> agentStats() {
    return episodeStats.stream().filter(s -> s.scope() == Scope.AGENT).toList();
  }

  /** Per-copy episode statistics, in the order worlds write them. */
  public List<StatSpec> copyStats() {
    return episodeStats.stream().filter(s -> s.scope() == Scope.COPY).toList();
  }

  /** This spec with {@code observations} in place of the world's own (a session's subset). */
  public WorldSpec withObservations(List<TensorSpec> observations) {
    return new WorldSpec(worldId, agentNames, observations, actions, reward, maxEpisodeSteps, canTerminate,
        episodeDescription, episodeStats, properties);
  }
}
