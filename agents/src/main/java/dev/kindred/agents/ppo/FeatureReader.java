package dev.kindred.agents.ppo;

import dev.kindred.env.DType;
import dev.kindred.env.FeatureSpec;
import dev.kindred.env.Scope;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.StepBatch;
import dev.kindred.env.TensorSpec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Weighted, named per-agent observation features ({@code "globals.energy": 0.006}: the
 * {@code energy} feature of the {@code globals} tensor), read for every row of a batch: the
 * terms of {@link PotentialShaping} and {@link ProgressBonus}, and the features behavioural tests
 * watch ({@code dev.kindred.agents.suite}).
 */
public final class FeatureReader {
  private final List<String> tensors = new ArrayList<>();
  private final List<Integer> offsets = new ArrayList<>();
  private final List<Integer> sizes = new ArrayList<>();
  private final List<DType> types = new ArrayList<>();
  private final List<Double> weights = new ArrayList<>();

  /**
   * @param what the config key, for messages
   * @throws IllegalArgumentException naming a term whose tensor or feature does not exist, or
   *                                  that is not a per-agent feature vector
   */
  public FeatureReader(SessionSpec spec, Map<String, Object> terms, String what) {
    for (Map.Entry<String, Object> e : terms.entrySet()) {
      add(spec, e.getKey(), e.getValue(), what);
    }
  }

  /** Features of unit weight, in the order given (a name may repeat). */
  public FeatureReader(SessionSpec spec, List<String> names, String what) {
    for (String name : names) {
      add(spec, name, 1.0, what);
    }
  }

  private void add(SessionSpec spec, String key, Object weight, String what) {
    int dot = key.indexOf('.');
    if (dot <= 0 || !(weight instanceof Number w)) {
      throw new IllegalArgumentException(what + " term '" + key + "' must be \"observation.feature\": weight "
          + "(e.g. \"globals.energy\": 0.01)");
    }
    String tensor = key.substring(0, dot);
    String feature = key.substring(dot + 1);
    if (!spec.hasObservation(tensor)) {
      throw new IllegalArgumentException(what + " term '" + key + "': " + spec.worldId() + " has no observation '"
          + tensor + "'");
    }
    TensorSpec t = spec.observation(tensor);
    if (t.scope() != Scope.AGENT || t.shape().length != 1) {
      throw new IllegalArgumentException(what + " term '" + key + "': '" + tensor + "' is not a per-agent "
          + "feature vector");
    }
    FeatureSpec f = t.features().stream().filter(x -> x.name().equals(feature)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException(what + " term '" + key + "': '" + tensor
            + "' has no feature '" + feature + "'; it has " + t.features().stream().map(FeatureSpec::name).toList()));
    tensors.add(tensor);
    offsets.add(f.index());
    sizes.add(t.shape()[0]);
    types.add(t.dtype());
    weights.add(w.doubleValue());
  }

  public int size() {
    return tensors.size();
  }

  public double weight(int term) {
    return weights.get(term);
  }

  /** The terms' raw feature values of every row: {@code out[r * size() + term]}. */
  public void read(StepBatch batch, float[] out) {
    int k = tensors.size();
    int rows = k == 0 ? 0 : out.length / k;
    for (int j = 0; j < k; j++) {
      ByteBuffer b = batch.observation(tensors.get(j));
      int size = sizes.get(j);
      int off = offsets.get(j);
      DType type = types.get(j);
      for (int r = 0; r < rows; r++) {
        int i = r * size + off;
        out[r * k + j] = switch (type) {
          case FLOAT32 -> b.getFloat(4 * i);
          case FLOAT64 -> (float) b.getDouble(8 * i);
          case INT32 -> b.getInt(4 * i);
          case UINT8 -> b.get(i) & 0xFF;
          default -> throw new IllegalStateException(type + " features are not read");
        };
      }
    }
  }
}
