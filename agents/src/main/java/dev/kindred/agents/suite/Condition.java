package dev.kindred.agents.suite;

/**
 * Something that happens to a focal agent in one step, watched by the per-step metrics
 * ({@link Measure.FirstStep}, {@link Measure.FractionOfSteps}). Written in a test file as an
 * object with one of:
 * <ul>
 *   <li>{@code {"reward_above": 0}}: the agent's reward in the step exceeds the number (under
 *       selfish kinship a positive reward in the energy world is one of its own hearts; under
 *       shared kinship it may be a share of a relative's);</li>
 *   <li>{@code {"action": "use"}}: the agent's action of that kind (a value name of the first
 *       action dimension) succeeded in the step;</li>
 *   <li>{@code {"feature": "globals.energy", "below": 1}} or {@code "above"}: after the step,
 *       the named per-agent observation feature is below (above) the number, or below (above)
 *       another feature of the same agent when the bound is a name, e.g.
 *       {@code "below": "globals.economy.move_cost"}. Feature conditions are also checked on the
 *       episode's first observation, step 0.</li>
 * </ul>
 */
public sealed interface Condition {

  /** The agent's reward in the step exceeds {@code threshold}. */
  record RewardAbove(double threshold) implements Condition {}

  /** The agent's action whose first dimension is the value named {@code action} succeeded. */
  record ActionSucceeded(String action) implements Condition {}

  /**
   * The feature ({@code observation.feature}) is below, or above, a number or another feature:
   * exactly one of {@code threshold} and {@code thresholdFeature} is set.
   */
  record Feature(String feature, boolean below, Double threshold, String thresholdFeature) implements Condition {}
}
