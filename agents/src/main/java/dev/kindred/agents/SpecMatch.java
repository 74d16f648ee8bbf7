package dev.kindred.agents;

import dev.kindred.env.ActionDimension;
import dev.kindred.env.ActionSpec;
import dev.kindred.env.FeatureSpec;
import dev.kindred.env.Scope;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.TensorSpec;
import java.util.Arrays;
import java.util.List;

/**
 * Whether a per-agent policy trained on one session's spec can act in another's: the
 * observations it reads (name, element type, shape, scope, feature names) and the action (its
 * dimensions, their values, the valid combinations and the mask observation) must be the same.
 * The world id and the number of agents per copy may differ: the policy acts for one agent at a
 * time.
 */
public final class SpecMatch {
  private SpecMatch() {}

  /**
   * The first difference between {@code trained} and {@code world} that matters to a policy
   * reading {@code inputs}, in words ("its observation 'grid' has shape [15, 7, 7]; the policy
   * was trained on [15, 11, 11]"), or null when there is none. Observations are compared in the
   * order of {@code inputs}, then the action's dimensions, its valid combinations and its mask.
   */
  public static String firstDifference(SessionSpec trained, SessionSpec world, List<String> inputs) {
    for (String name : inputs) {
      String d = tensorDifference(trained, world, name, inputs);
      if (d != null) {
        return d;
      }
    }
    ActionSpec a = trained.world().actions();
    ActionSpec b = world.world().actions();
    if (a.size() != b.size()) {
      return "its action has " + b.size() + " dimension(s); the policy was trained on " + a.size();
    }
    for (int d = 0; d < a.size(); d++) {
      ActionDimension x = a.dimensions().get(d);
      ActionDimension y = b.dimensions().get(d);
      String which = "its action dimension " + d + " ('" + y.name() + "')";
      if (!x.name().equals(y.name())) {
        return "its action dimension " + d + " is named '" + y.name() + "'; the policy was trained on '" + x.name() + "'";
      }
      if (x.numValues() != y.numValues()) {
        return which + " has " + y.numValues() + " values; the policy was trained on " + x.numValues();
      }
      for (int v = 0; v < Math.min(x.valueNames().size(), y.valueNames().size()); v++) {
        if (!x.valueNames().get(v).equals(y.valueNames().get(v))) {
          return "value " + v + " of " + which + " is '" + y.valueNames().get(v)
              + "'; the policy was trained on '" + x.valueNames().get(v) + "'";
        }
      }
      if (x.valueNames().size() != y.valueNames().size()) {
        return which + " names " + y.valueNames().size() + " values; the policy was trained on "
            + x.valueNames().size();
      }
    }
    List<List<Integer>> ca = a.validCombinations();
    List<List<Integer>> cb = b.validCombinations();
    for (int k = 0; k < Math.min(ca.size(), cb.size()); k++) {
      if (!ca.get(k).equals(cb.get(k))) {
        return "its valid action combination " + k + " is " + cb.get(k) + "; the policy was trained on " + ca.get(k);
      }
    }
    if (ca.size() != cb.size()) {
      return "it lists " + combinations(cb.size()) + "; the policy was trained on " + combinations(ca.size());
    }
    if (!a.maskObservation().equals(b.maskObservation())) {
      if (b.maskObservation().isEmpty()) {
        return "it has no action-mask observation; the policy was trained with '" + a.maskObservation() + "'";
      }
      return "its action-mask observation is '" + b.maskObservation() + "'; the policy was trained "
          + (a.maskObservation().isEmpty() ? "without one" : "with '" + a.maskObservation() + "'");
    }
    if (!a.maskObservation().isEmpty()) {
      return tensorDifference(trained, world, a.maskObservation(), List.of(a.maskObservation()));
    }
    return null;
  }

  private static String combinations(int n) {
    return n == 0 ? "no valid action combinations (all are valid)" : n + " valid action combinations";
  }

  private static String tensorDifference(SessionSpec trained, SessionSpec world, String name, List<String> reads) {
    if (!trained.hasObservation(name)) {
      throw new IllegalArgumentException("the policy reads '" + name + "', which its own world spec lacks");
    }
    TensorSpec x = trained.observation(name);
    if (!world.hasObservation(name)) {
      return "it has no observation '" + name + "' (the policy reads " + reads + ")";
    }
    TensorSpec y = world.observation(name);
    String its = "its observation '" + name + "'";
    if (x.dtype() != y.dtype()) {
      return its + " is " + y.dtype() + "; the policy was trained on " + x.dtype();
    }
    if (!Arrays.equals(x.shape(), y.shape())) {
      return its + " has shape " + Arrays.toString(y.shape()) + "; the policy was trained on "
          + Arrays.toString(x.shape());
    }
    if (x.scope() != y.scope()) {
      return its + " is " + scope(y.scope()) + "; the policy was trained on it " + scope(x.scope());
    }
    List<String> fx = x.features().stream().map(FeatureSpec::name).toList();
    List<String> fy = y.features().stream().map(FeatureSpec::name).toList();
    for (int k = 0; k < Math.min(fx.size(), fy.size()); k++) {
      if (!fx.get(k).equals(fy.get(k))) {
        return its + " has feature " + k + " '" + fy.get(k) + "'; the policy was trained on '" + fx.get(k) + "'";
      }
    }
    if (fx.size() != fy.size()) {
      return its + " names " + fy.size() + " features; the policy was trained on " + fx.size();
    }
    return null;
  }

  private static String scope(Scope s) {
    return s == Scope.AGENT ? "per agent" : "per copy";
  }
}
