package dev.kindred.agents.ppo;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import com.google.gson.reflect.TypeToken;
import dev.kindred.agents.nn.ActorCritic;
import java.io.IOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Field;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Everything that defines a training run: the world, PPO's hyperparameters, the network and
 * self-play. Read from JSON ({@code "key": value}); an unknown key is an error that lists the
 * known ones. {@link #toMap} writes every value, defaults included, into checkpoints.
 *
 * <p>Each setting is one field with its {@link Key}: the JSON name, what it means and its
 * bounds. Reading ({@link #apply}), writing ({@link #toMap}), validation and the list of known
 * keys all follow from the fields, in declaration order; the field's type says how a JSON value
 * is read (an int is a whole number within int range, never truncated).
 */
public final class TrainConfig {

  /** A configuration key: its JSON name, what it means, and its bounds. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.FIELD)
  @interface Key {
    /** The JSON name. */
    String value();

    /** What it means (error messages name it). */
    String help();

    /** The smallest value a number may take. */
    double min() default Double.NEGATIVE_INFINITY;

    /** The values a string may take (empty: any). */
    String[] oneOf() default {};
  }

  @Key(value = "world", help = "world id, e.g. spin.lattice, energy.alone")
  public String world = "spin.lattice";

  @Key(value = "world_config", help = "the world's configuration (an object)")
  public Map<String, Object> worldConfig = new LinkedHashMap<>();

  @Key(value = "copies", help = "copies of the world stepped together", min = 1)
  public int copies = 16;

  @Key(value = "steps", help = "total environment steps (copies x steps per copy)", min = 1)
  public long steps = 100_000;

  @Key(value = "seed", help = "seed of the world and of the policy")
  public long seed = 1;

  @Key(value = "horizon", help = "steps per copy per rollout", min = 1)
  public int horizon = 64;

  @Key(value = "epochs", help = "passes over each rollout", min = 1)
  public int epochs = 4;

  @Key(value = "minibatches", help = "minibatches per epoch", min = 1)
  public int minibatches = 4;

  @Key(value = "learning_rate", help = "Adam's initial learning rate")
  public double learningRate = 3e-3;

  /** "linear" (to 0 at {@code steps}) or "constant". */
  @Key(value = "lr_schedule", help = "linear or constant", oneOf = {"linear", "constant"})
  public String lrSchedule = "linear";

  @Key(value = "gamma", help = "discount")
  public double gamma = 0.95;

  @Key(value = "lambda", help = "GAE lambda")
  public double lambda = 0.9;

  /**
   * How an episode cut off by the world's step limit is learned from: "bootstrap" from the value
   * of its last observation (right when the limit is not part of the task: the agent cannot see
   * it coming), or "end" it as a terminal state (right when the limit is the task's horizon and
   * the agent observes the time, as the energy world's {@code progress} feature shows it; with
   * potential shaping only "end" keeps the optimal policies unchanged).
   */
  @Key(value = "truncation", help = "bootstrap (the value of the last observation) or end (the step limit is the "
      + "task's horizon)", oneOf = {"bootstrap", "end"})
  public String truncation = "bootstrap";

  @Key(value = "clip", help = "PPO ratio clip")
  public double clip = 0.2;

  @Key(value = "value_coef", help = "weight of the value loss")
  public double valueCoef = 0.5;

  @Key(value = "entropy_coef", help = "weight of the entropy bonus")
  public double entropyCoef = 0.01;

  @Key(value = "max_grad_norm", help = "global gradient-norm clip")
  public double maxGradNorm = 0.5;

  @Key(value = "adam_epsilon", help = "Adam's epsilon (CleanRL's 1e-5; PyTorch's default is 1e-8)", min = 0)
  public double adamEpsilon = 1e-5;

  @Key(value = "value_clip", help = "clip of the value loss around the rollout's values, in normalised returns "
      + "(0: off)", min = 0)
  public double valueClip = 0.0;

  @Key(value = "hidden", help = "width of the hidden layers", min = 1)
  public int hidden = 64;

  @Key(value = "conv_channels", help = "channels of the convolutions (image observations)", min = 1)
  public int convChannels = 16;

  @Key(value = "image_encoder", help = "conv (3x3, then 3x3 stride 2) or strided (3x3 stride 2, then 3x3)",
      oneOf = {"conv", "strided"})
  public String imageEncoder = ActorCritic.NetShape.DEFAULT_ENCODER;

  /**
   * Also feed the network the image's channels at the cell in front of the agent (the cell its
   * use, swap and give act on), picked from the egocentric window by the agent's orientation
   * (the image's {@code agent_orientation} channel at the centre): what "use" would touch is then
   * a direct input, the same whichever way the agent faces.
   */
  @Key(value = "front_cell", help = "also feed the image's channels at the cell the agent faces (energy worlds: "
      + "needs the grid's agent_orientation channel)")
  public boolean frontCell = false;

  /**
   * Features fed to the network one-hot instead of as a number ({@code "observation.feature"},
   * e.g. {@code "globals.orientation"}): whole-numbered features with finite bounds in the spec,
   * one input per value from low to high. A direction as a number asks the network to learn four
   * thresholds before it can compare it with where it wants to go; one-hot it is a lookup.
   */
  @Key(value = "one_hot", help = "features also fed one-hot, e.g. [\"globals.orientation\"] (whole numbers with "
      + "finite bounds in the spec, at most 64 values)")
  public List<String> oneHot = new ArrayList<>();

  @Key(value = "init", help = "orthogonal (CleanRL's) or default (DJL's) parameter initialisation",
      oneOf = {"orthogonal", "default"})
  public String init = ActorCritic.NetShape.DEFAULT_INIT;

  /** Observations fed to the network (empty: every per-agent observation). */
  @Key(value = "inputs", help = "observation names fed to the network (empty: all per-agent ones)")
  public List<String> inputs = new ArrayList<>();

  /** Fraction of episodes in which a frozen snapshot plays every seat but the learner's (drawn per episode). */
  @Key(value = "selfplay_fraction", help = "fraction of episodes whose seats but one (drawn per episode) are "
      + "played by a frozen snapshot")
  public double selfplayFraction = 0.0;

  /** A snapshot joins the pool every this many updates. */
  @Key(value = "snapshot_every", help = "updates between snapshots added to the self-play pool", min = 1)
  public int snapshotEvery = 10;

  /** Snapshots kept (the oldest leaves). */
  @Key(value = "pool_size", help = "snapshots kept in the pool", min = 1)
  public int poolSize = 5;

  /** How a copy's snapshot is drawn: uniformly, or prioritised by how often it beats the learner. */
  @Key(value = "opponent_sampling", help = "uniform, or pfsp (prioritised fictitious self-play: snapshots that "
      + "beat the learner more often are drawn more)", oneOf = {"uniform", "pfsp"})
  public String opponentSampling = "uniform";

  /**
   * Potential-based reward shaping: {@code "observation.feature": weight} terms of the potential
   * Φ; the learner is trained on {@code r + γΦ(s') − Φ(s)} (see PotentialShaping). Empty: off.
   */
  @Key(value = "potential", help = "potential-based reward shaping: {\"observation.feature\": weight, ...} "
      + "(empty: off); leaves the optimal policies unchanged")
  public Map<String, Object> potential = new LinkedHashMap<>();

  /**
   * Exploration bonus for progress ({@code "observation.feature": weight} paid per unit gained),
   * annealed linearly to 0 at {@code bonus_anneal} of the run (see ProgressBonus). Empty: off.
   */
  @Key(value = "bonus", help = "exploration bonus per unit gained of {\"observation.feature\": weight, ...}, "
      + "annealed to 0 (empty: off)")
  public Map<String, Object> bonus = new LinkedHashMap<>();

  @Key(value = "bonus_anneal", help = "fraction of the run's steps over which the bonus falls to 0", min = 0)
  public double bonusAnneal = 0.5;

  /**
   * Kickstarting (Schmitt et al. 2018): a teacher labels every learner step with the action it
   * would take there, and the loss gains {@code teacher_weight x} the cross-entropy of the policy
   * against that action (steps whose teacher action the mask rules out are not labelled), falling
   * linearly to 0 at {@code teacher_anneal} of the run; from then on the run is plain PPO. The
   * learner acts with its own policy throughout, so the labels come from the states it visits.
   */
  @Key(value = "teacher", help = "kickstarting teacher whose actions the policy is also trained to imitate, "
      + "annealed to 0: none or forager (the scripted forager)", oneOf = {"none", "forager"})
  public String teacher = "none";

  @Key(value = "teacher_weight", help = "weight of the teacher's cross-entropy at the start of the run", min = 0)
  public double teacherWeight = 1.0;

  @Key(value = "teacher_anneal", help = "fraction of the run's steps over which the teacher's weight falls to 0",
      min = 0)
  public double teacherAnneal = 0.5;

  /** The teacher's weight at {@code progress} (a fraction of the run's steps): 0 without a teacher. */
  public double teacherWeightAt(double progress) {
    if (teacher.equals("none") || teacherAnneal <= 0) {
      return 0;
    }
    return teacherWeight * Math.max(0, 1 - progress / teacherAnneal);
  }

  /**
   * PyTorch's intra-op threads while training (a process-wide setting); 0: one per core. Default 1:
   * on a machine whose cores are also busy with other work (a server, another run) OpenMP's
   * threads wait on each other and a run can slow down a hundredfold; raise it on an idle machine.
   */
  @Key(value = "torch_threads", help = "PyTorch intra-op threads while training (0: one per core; default 1)",
      min = 0)
  public int torchThreads = 1;

  /**
   * Overlap each rollout with the previous rollout's update, on two threads: the rollout acts
   * with the parameters from one update before (a policy lag of one update, which PPO's ratio to
   * the acting policy accounts for), so the environment and inference run while the update
   * trains. Deterministic as without it (each thread has its own generator); checkpoints wait for
   * the update in flight.
   */
  @Key(value = "overlap", help = "overlap each rollout with the previous rollout's update on a second thread "
      + "(the rollout acts with parameters one update old)")
  public boolean overlap = false;

  /**
   * Provenance, set by {@code train --init}: the run directory and parameters (SHA-256) this run
   * started from. Empty for a run trained from scratch.
   */
  @Key(value = "init_from", help = "set by train --init: the checkpoint this run started from (directory and "
      + "parameters SHA-256); empty for a run from scratch")
  public String initFrom = "";

  /** Checkpoint every this many updates (and at the end). */
  @Key(value = "checkpoint_every", help = "updates between checkpoints", min = 1)
  public int checkpointEvery = 20;

  /**
   * Weight of the surprise-minimisation intrinsic reward: {@code -weight x} the squared error of a
   * next-observation predictor trained alongside (0: off).
   */
  @Key(value = "aux_surprise_weight", help = "weight of the surprise-minimisation intrinsic reward (0: off)", min = 0)
  public double auxSurpriseWeight = 0.0;

  /** Width of the next-observation predictor's hidden layer. */
  @Key(value = "aux_hidden", help = "hidden width of the next-observation predictor", min = 1)
  public int auxHidden = 64;

  /** Adam's learning rate for the next-observation predictor. */
  @Key(value = "aux_learning_rate", help = "learning rate of the next-observation predictor")
  public double auxLearningRate = 1e-3;

  /** The network these settings describe. */
  public ActorCritic.NetShape netShape() {
    return new ActorCritic.NetShape(hidden, convChannels, imageEncoder, init, frontCell, List.copyOf(oneHot));
  }

  /** A new policy for a world's spec, as these settings describe it, initialised from {@code seed}. */
  public ActorCritic newPolicy(dev.kindred.env.SessionSpec spec, long seed) {
    return new ActorCritic(spec, inputs, netShape(), seed);
  }

  /** The settings by JSON name, in declaration order. */
  private static final Map<String, Field> KEYS = new LinkedHashMap<>();

  static {
    for (Field f : TrainConfig.class.getDeclaredFields()) {
      Key k = f.getAnnotation(Key.class);
      if (k != null) {
        KEYS.put(k.value(), f);
      }
    }
  }

  /** Every key, in declaration order (the order of {@link #toMap}). */
  public static List<String> keys() {
    return List.copyOf(KEYS.keySet());
  }

  /** Applies the entries of a JSON object; unknown keys, wrong types and values out of bounds are errors. */
  public TrainConfig apply(Map<String, ?> values) {
    for (Map.Entry<String, ?> e : values.entrySet()) {
      String k = e.getKey();
      Field f = KEYS.get(k);
      if (f == null) {
        throw new IllegalArgumentException("unknown config key '" + k + "'; known keys: "
            + String.join(", ", new TreeSet<>(KEYS.keySet())));
      }
      Key key = f.getAnnotation(Key.class);
      Object v = e.getValue();
      try {
        f.set(this, read(key, f.getType(), v));
      } catch (ClassCastException | NullPointerException ex) {
        throw new IllegalArgumentException("config key '" + k + "' (" + key.help() + ") has a value of the wrong type: "
            + v);
      } catch (IllegalAccessException ex) {
        throw new AssertionError(ex);
      }
    }
    return this;
  }

  /** A JSON value as the field's type, checked against the key's bounds. */
  private static Object read(Key key, Class<?> type, Object v) {
    if (type == String.class) {
      String s = (String) Objects.requireNonNull(v);
      if (key.oneOf().length > 0 && !List.of(key.oneOf()).contains(s)) {
        throw new IllegalArgumentException(key.value() + " must be " + String.join(" or ", key.oneOf()) + ", got " + s);
      }
      return s;
    }
    if (type == int.class || type == long.class) {
      long n = integer(v);
      long max = type == int.class ? Integer.MAX_VALUE : Long.MAX_VALUE;
      long min = type == int.class ? Integer.MIN_VALUE : Long.MIN_VALUE;
      if (n < Math.max(min, key.min()) || n > max) {
        throw new IllegalArgumentException("config key '" + key.value() + "' must be "
            + (key.min() == 1 ? "a positive integer" : "an integer") + (type == int.class ? " (at most " + max + ")" : "")
            + ", got " + plainNumber(v));
      }
      return type == int.class ? (Object) (int) n : (Object) n;
    }
    if (type == boolean.class) {
      return (Boolean) Objects.requireNonNull(v);
    }
    if (type == double.class) {
      double d = ((Number) v).doubleValue();
      if (d < key.min()) {
        throw new IllegalArgumentException(key.value() + " must be >= " + plainNumber(key.min()) + ", got " + v);
      }
      return d;
    }
    if (type == List.class) {
      List<String> out = new ArrayList<>();
      for (Object o : (List<?>) v) {
        out.add((String) Objects.requireNonNull(o));
      }
      return out;
    }
    if (type == Map.class) {
      return plain(v);
    }
    throw new AssertionError("no reader for " + type);
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

  /** Every setting, defaults included, as plain JSON values, in declaration order. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    KEYS.forEach((name, f) -> {
      try {
        m.put(name, f.get(this));
      } catch (IllegalAccessException e) {
        throw new AssertionError(e);
      }
    });
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

  /** A number as written, without a trailing ".0" or an exponent: 4294967297, not 4.294967297E9. */
  private static String plainNumber(Object v) {
    return v instanceof Double || v instanceof Float
        ? BigDecimal.valueOf(((Number) v).doubleValue()).stripTrailingZeros().toPlainString() : String.valueOf(v);
  }

  /** A whole JSON number (Gson reads numbers as doubles); a fraction is the wrong type. */
  private static long integer(Object v) {
    double d = ((Number) v).doubleValue();
    if (d != Math.rint(d)) {
      throw new ClassCastException();
    }
    return (long) d;
  }
}
