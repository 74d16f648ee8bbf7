package dev.kindred.agents.suite;

import java.util.List;

/**
 * A named number a test reports for every brain: its {@link Measure} of each focal agent in an
 * episode, averaged over the focal agents (one sample per episode); the scorecard shows the
 * mean over episodes with its 95% interval.
 *
 * @param better {@code higher}, {@code lower} or {@code none}: which way the scorecard's colours
 *               call better (none: no colour, e.g. where either way can be right)
 */
public record Metric(String name, String description, String better, Measure measure) {

  public static final List<String> BETTER = List.of("higher", "lower", "none");

  /** Whether the metric counts steps to a first event, and so reports the fraction of agent-episodes in which it occurred. */
  public boolean reportsOccurrence() {
    return measure instanceof Measure.FirstStep;
  }
}
