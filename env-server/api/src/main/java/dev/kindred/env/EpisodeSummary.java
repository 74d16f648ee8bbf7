package dev.kindred.env;

import java.util.List;
import java.util.Map;

/**
 * Statistics of one episode that ended during a step.
 *
 * @param copy       index of the copy whose episode ended
 * @param episode    index of the episode within that copy, from 0
 * @param length     number of steps the episode lasted
 * @param terminated whether the world ended it (as opposed to truncation)
 * @param truncated  whether it was cut at the maximum length
 * @param returns    sum of rewards per agent, index-aligned with the agent axis
 * @param agentStats named per-agent statistics, index-aligned with the agent axis
 * @param stats      named statistics of the whole copy
 */
public record EpisodeSummary(
    int copy,
    long episode,
    long length,
    boolean terminated,
    boolean truncated,
    double[] returns,
    List<Map<String, Double>> agentStats,
    Map<String, Double> stats) {}
