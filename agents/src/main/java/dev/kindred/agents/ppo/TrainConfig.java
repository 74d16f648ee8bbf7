package dev.kindred.agents.ppo;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import com.google.gson.reflect.TypeToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything that defines a training run: the world, PPO's hyperparameters, the network and
 * self-play. Read from JSON ({@code "key": value}); an unknown key is an error that lists the
 * known ones. {@link #toMap} writes every value, defaults included, into checkpoints.
 */
public final class TrainConfig {
  public String world = "spin.lattice";
  public Map<String, Object> worldConfig = new LinkedHashMap<>();
  public int copies = 16;
  public long steps = 100_000;
  public long seed = 1;
  /** Steps per copy per rollout. */
  public int horizon = 64;
  public int epochs = 4;
  public int minibatches = 4;
  public double learningRate = 3e-3;
  /** "linear" (to 0 at {@code steps}) or "constant". */
  public String lrSchedule = "linear";
  public double gamma = 0.95;
  public double lambda = 0.9;
  public double clip = 0.2;
  public double valueCoef = 0.5;
  public double entropyCoef = 0.01;
  public double maxGradNorm = 0.5;
  public int hidden = 64;
  public int convChannels = 16;
  /** Observations fed to the network (empty: every per-agent observation). */
  public List<String> inputs = new ArrayList<>();
  /** Fraction of copies whose other agents (all but agent 0) are played by a frozen snapshot. */
  public double selfplayFraction = 0.0;
  /** A snapshot joins the pool every this many updates. */
  public int snapshotEvery = 10;
  /** Snapshots kept (the oldest leaves); sampled uniformly. */
  public int poolSize = 5;
  /** Checkpoint every this many updates (and at the end). */
  public int checkpointEvery = 20;
  /**
   * Weight of the surprise-minimisation intrinsic reward: {@code -weight x} the squared error of a
   * next-observation predictor trained alongside (0: off).
   */
  public double auxSurpriseWeight = 0.0;
  /** Width of the next-observation predictor's hidden layer. */
  public int auxHidden = 64;
  /** Adam's learning rate for the next-observation predictor. */
  public double auxLearningRate = 1e-3;

  private static final Map<String, String> KEYS = new TreeMap<>(Map.ofEntries(
      Map.entry("world", "world id, e.g. spin.lattice, energy.alone"),
      Map.entry("world_config", "the world's configuration (an object)"),
      Map.entry("copies", "copies of the world stepped together"),
      Map.entry("steps", "total environment steps (copies x steps per copy)"),
      Map.entry("seed", "seed of the world and of the policy"),
      Map.entry("horizon", "steps per copy per rollout"),
      Map.entry("epochs", "passes over each rollout"),
      Map.entry("minibatches", "minibatches per epoch"),
      Map.entry("learning_rate", "Adam's initial learning rate"),
      Map.entry("lr_schedule", "linear or constant"),
      Map.entry("gamma", "discount"),
      Map.entry("lambda", "GAE lambda"),
      Map.entry("clip", "PPO ratio clip"),
      Map.entry("value_coef", "weight of the value loss"),
      Map.entry("entropy_coef", "weight of the entropy bonus"),
      Map.entry("max_grad_norm", "global gradient-norm clip"),
      Map.entry("hidden", "width of the hidden layers"),
      Map.entry("conv_channels", "channels of the convolutions (image observations)"),
      Map.entry("inputs", "observation names fed to the network (empty: all per-agent ones)"),
      Map.entry("selfplay_fraction", "fraction of copies whose agents 1.. are frozen snapshots"),
      Map.entry("snapshot_every", "updates between snapshots added to the self-play pool"),
      Map.entry("pool_size", "snapshots kept in the pool"),
      Map.entry("checkpoint_every", "updates between checkpoints"),
      Map.entry("aux_surprise_weight", "weight of the surprise-minimisation intrinsic reward (0: off)"),
      Map.entry("aux_hidden", "hidden width of the next-observation predictor"),
      Map.entry("aux_learning_rate", "learning rate of the next-observation predictor")));

  /** Applies the entries of a JSON object; unknown keys and wrong types are errors. */
  public TrainConfig apply(Map<String, Object> values) {
    for (Map.Entry<String, Object> e : values.entrySet()) {
      String k = e.getKey();
      Object v = e.getValue();
      try {
        switch (k) {
          case "world" -> world = (String) v;
          case "world_config" -> worldConfig = plain(v);
          case "copies" -> copies = positive(k, integer(v));
          case "steps" -> steps = Math.max(1, integer(v));
          case "seed" -> seed = integer(v);
          case "horizon" -> horizon = positive(k, integer(v));
          case "epochs" -> epochs = positive(k, integer(v));
          case "minibatches" -> minibatches = positive(k, integer(v));
          case "learning_rate" -> learningRate = number(v);
          case "lr_schedule" -> {
            lrSchedule = (String) v;
            if (!lrSchedule.equals("linear") && !lrSchedule.equals("constant")) {
              throw new IllegalArgumentException("lr_schedule must be linear or constant, got " + v);
            }
          }
          case "gamma" -> gamma = number(v);
          case "lambda" -> lambda = number(v);
          case "clip" -> clip = number(v);
          case "value_coef" -> valueCoef = number(v);
          case "entropy_coef" -> entropyCoef = number(v);
          case "max_grad_norm" -> maxGradNorm = number(v);
          case "hidden" -> hidden = positive(k, integer(v));
          case "conv_channels" -> convChannels = positive(k, integer(v));
          case "inputs" -> {
            inputs = new ArrayList<>();
            for (Object o : (List<?>) v) {
              inputs.add((String) o);
            }
          }
          case "selfplay_fraction" -> selfplayFraction = number(v);
          case "snapshot_every" -> snapshotEvery = positive(k, integer(v));
          case "pool_size" -> poolSize = positive(k, integer(v));
          case "checkpoint_every" -> checkpointEvery = positive(k, integer(v));
          case "aux_surprise_weight" -> {
            auxSurpriseWeight = number(v);
            if (auxSurpriseWeight < 0) {
              throw new IllegalArgumentException("aux_surprise_weight must be >= 0, got " + v);
            }
          }
          case "aux_hidden" -> auxHidden = positive(k, integer(v));
          case "aux_learning_rate" -> auxLearningRate = number(v);
          default -> throw new IllegalArgumentException("unknown config key '" + k + "'; known keys: "
              + String.join(", ", KEYS.keySet()));
        }
      } catch (ClassCastException | NullPointerException ex) {
        throw new IllegalArgumentException("config key '" + k + "' (" + KEYS.get(k) + ") has a value of the wrong type: " + v);
      }
    }
    return this;
  }

  /** Reads a JSON object from a file, or from the text itself when it starts with '{'. */
  public static Map<String, Object> readJson(String fileOrJson) {
    String text;
    if (fileOrJson.strip().startsWith("{")) {
      text = fileOrJson;
    } else {
      try {
        text = Files.readString(Path.of(fileOrJson));
      } catch (NoSuchFileException e) {
        throw new IllegalArgumentException("config file " + fileOrJson + " does not exist");
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read config file " + fileOrJson + ": " + e.getMessage());
      }
    }
    try {
      Map<String, Object> m = new Gson().fromJson(text, new TypeToken<LinkedHashMap<String, Object>>() {}.getType());
      if (m == null) {
        throw new IllegalArgumentException("config " + fileOrJson + " is empty; expected a JSON object");
      }
      return m;
    } catch (JsonParseException e) {
      throw new IllegalArgumentException("config " + fileOrJson + " is not a JSON object: " + e.getMessage());
    }
  }

  /** Every setting, defaults included, as plain JSON values. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("world", world);
    m.put("world_config", worldConfig);
    m.put("copies", copies);
    m.put("steps", steps);
    m.put("seed", seed);
    m.put("horizon", horizon);
    m.put("epochs", epochs);
    m.put("minibatches", minibatches);
    m.put("learning_rate", learningRate);
    m.put("lr_schedule", lrSchedule);
    m.put("gamma", gamma);
    m.put("lambda", lambda);
    m.put("clip", clip);
    m.put("value_coef", valueCoef);
    m.put("entropy_coef", entropyCoef);
    m.put("max_grad_norm", maxGradNorm);
    m.put("hidden", hidden);
    m.put("conv_channels", convChannels);
    m.put("inputs", inputs);
    m.put("selfplay_fraction", selfplayFraction);
    m.put("snapshot_every", snapshotEvery);
    m.put("pool_size", poolSize);
    m.put("checkpoint_every", checkpointEvery);
    m.put("aux_surprise_weight", auxSurpriseWeight);
    m.put("aux_hidden", auxHidden);
    m.put("aux_learning_rate", auxLearningRate);
    return m;
  }

  /** JSON numbers arrive as doubles; integral values become longs (worlds check ints). */
  @SuppressWarnings("unchecked")
  static Map<String, Object> plain(Object v) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : ((Map<String, Object>) v).entrySet()) {
      out.put(e.getKey(), plainValue(e.getValue()));
    }
    return out;
  }

  private static Object plainValue(Object v) {
    if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) {
      return d.longValue();
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      for (Object o : l) {
        out.add(plainValue(o));
      }
      return out;
    }
    if (v instanceof Map<?, ?>) {
      return plain(v);
    }
    return v;
  }

  private static long integer(Object v) {
    double d = ((Number) v).doubleValue();
    if (d != Math.rint(d)) {
      throw new ClassCastException();
    }
    return (long) d;
  }

  private static double number(Object v) {
    return ((Number) v).doubleValue();
  }

  private static int positive(String key, long v) {
    if (v < 1 || v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("config key '" + key + "' must be a positive integer, got " + v);
    }
    return (int) v;
  }
}
