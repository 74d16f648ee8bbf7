package dev.kindred.agents.ppo;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kindred.agents.SpecMatch;
import dev.kindred.agents.WindowImage;
import dev.kindred.agents.nn.ObservationEncoder;
import dev.kindred.build.BuildInfo;
import dev.kindred.env.FeatureSpec;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.TensorSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A training checkpoint in a run directory: {@code policy-<updates>.params} (DJL's block
 * parameters), {@code trainer-<updates>.state} (what a resumed run continues: the trainer's
 * generator, Adam's moments, the snapshot pool; see {@link PpoTrainer#saveState}) and
 * {@code checkpoint.json} (format, configuration, seed, steps, updates, code version, the
 * world's spec, the return normalisation and both files' SHA-256).
 *
 * <p>Written atomically: the parameters go to a new file (temp file + rename), then the JSON
 * that names them replaces the old one by rename, then older parameter files are removed. A
 * crash at any point leaves the previous or the new checkpoint, never a mix.
 */
public record Checkpoint(Map<String, Object> config, long seed, long steps, int updates, String codeVersion,
    SessionSpec worldSpec, double[] returnStatistics, byte[] parameters, byte[] trainerState) {

  /** Format 2: one joint action head over the valid combinations (format 1 had a head per dimension). */
  public static final String FORMAT = "kindred-checkpoint/2";
  public static final String METADATA = "checkpoint.json";

  /** A checkpoint of a policy alone (no trainer state: resuming it starts a new optimiser and pool). */
  public Checkpoint(Map<String, Object> config, long seed, long steps, int updates, String codeVersion,
      SessionSpec worldSpec, double[] returnStatistics, byte[] parameters) {
    this(config, seed, steps, updates, codeVersion, worldSpec, returnStatistics, parameters, null);
  }

  /** Writes this checkpoint into {@code dir} (created if needed). */
  public void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    String paramsName = String.format("policy-%06d.params", updates);
    atomicWrite(dir.resolve(paramsName), parameters);
    String stateName = String.format("trainer-%06d.state", updates);
    if (trainerState != null) {
      atomicWrite(dir.resolve(stateName), trainerState);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format", FORMAT);
    m.put("parameters", paramsName);
    m.put("parameters_sha256", sha256(parameters));
    if (trainerState != null) {
      m.put("trainer_state", stateName);
      m.put("trainer_state_sha256", sha256(trainerState));
    }
    m.put("seed", seed);
    m.put("steps", steps);
    m.put("updates", updates);
    m.put("code_version", codeVersion);
    m.put("return_statistics", returnStatistics);
    m.put("config", config);
    Gson gson = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();
    JsonObject json = gson.toJsonTree(m).getAsJsonObject();
    json.add("world_spec", gson.toJsonTree(worldSpec));
    atomicWrite(dir.resolve(METADATA), gson.toJson(json).getBytes(StandardCharsets.UTF_8));
    try (DirectoryStream<Path> old = Files.newDirectoryStream(dir, "{policy-*.params,trainer-*.state}")) {
      for (Path p : old) {
        String name = p.getFileName().toString();
        if (!name.equals(paramsName) && !name.equals(stateName)) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /**
   * Reads the checkpoint of a run directory.
   *
   * @throws IllegalArgumentException naming the problem and what to do: no checkpoint there, an
   *                                  unreadable or corrupt one
   */
  @SuppressWarnings("unchecked")
  public static Checkpoint read(Path dir) {
    Path meta = dir.resolve(METADATA);
    if (!Files.isRegularFile(meta)) {
      throw new IllegalArgumentException("no checkpoint in " + dir + " (expected " + meta
          + "); train one with ./kindred train --out " + dir + ", or check the path");
    }
    try {
      JsonObject json = JsonParser.parseString(Files.readString(meta)).getAsJsonObject();
      if (json.has("format") && json.get("format").getAsString().equals("kindred-checkpoint/1")) {
        throw new IllegalArgumentException("it was written by an older Kindred whose policies had one action head per "
            + "dimension (format kindred-checkpoint/1; this version reads " + FORMAT + ")");
      }
      if (!json.has("format") || !FORMAT.equals(json.get("format").getAsString())) {
        throw new IllegalArgumentException("format is not " + FORMAT);
      }
      Path params = dir.resolve(json.get("parameters").getAsString());
      if (!Files.isRegularFile(params)) {
        throw new IllegalArgumentException("its parameters file " + params + " is missing");
      }
      byte[] data = Files.readAllBytes(params);
      if (!sha256(data).equals(json.get("parameters_sha256").getAsString())) {
        throw new IllegalArgumentException("the parameters in " + params + " do not match their recorded SHA-256");
      }
      byte[] state = null;
      if (json.has("trainer_state")) {
        Path statePath = dir.resolve(json.get("trainer_state").getAsString());
        if (!Files.isRegularFile(statePath)) {
          throw new IllegalArgumentException("its trainer state file " + statePath + " is missing");
        }
        state = Files.readAllBytes(statePath);
        if (!sha256(state).equals(json.get("trainer_state_sha256").getAsString())) {
          throw new IllegalArgumentException("the trainer state in " + statePath + " does not match its recorded SHA-256");
        }
      }
      Gson gson = new Gson();
      SessionSpec spec = gson.fromJson(json.get("world_spec"), SessionSpec.class);
      Map<String, Object> config = gson.fromJson(json.get("config"), LinkedHashMap.class);
      double[] stats = gson.fromJson(json.get("return_statistics"), double[].class);
      return new Checkpoint(config, json.get("seed").getAsLong(), json.get("steps").getAsLong(),
          json.get("updates").getAsInt(), json.get("code_version").getAsString(), spec, stats, data, state);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("the checkpoint in " + dir + " is corrupt (" + e.getMessage()
          + "); delete the directory and train again, or resume from another run", e);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the checkpoint in " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * The checkpoint's policy for a world: the network its configuration describes, checked
   * against the world's spec, with the checkpoint's parameters loaded (so that what is evaluated
   * or resumed is exactly what was saved). {@code seed} seeds only the action sampling.
   */
  public dev.kindred.agents.nn.ActorCritic policy(SessionSpec world, long seed) {
    checkCompatible(world);
    TrainConfig cfg = new TrainConfig().apply(config);
    dev.kindred.agents.nn.ActorCritic p = cfg.newPolicy(world, seed);
    try {
      p.loadParameters(parameters);
    } catch (IllegalArgumentException e) {
      p.close();
      throw new IllegalArgumentException("the checkpoint's parameters do not fit the network its configuration "
          + "describes (" + e.getMessage() + "); the checkpoint is corrupt or from another code version: train again", e);
    }
    return p;
  }

  /**
   * Checks that a world offers what this checkpoint's policy was trained on, so that the
   * policy can act there for each agent: the observations it reads (its configured
   * {@code inputs}, by default every per-agent one but the action mask) with the same name,
   * element type, shape, scope and feature names, the same action (dimensions, their values,
   * valid combinations and mask observation, with the mask's tensor the same too), and no other
   * observation it would read there. The world id and the number of agents per copy may differ
   * (e.g. {@code energy.alone} or {@code energy.altar_only} for a policy trained on
   * {@code energy.room}). The window image may come in the other form: a policy trained on the
   * energy world's {@code grid} reads its {@code tokens} as the same image, and the other way
   * round ({@link WindowImage}), when the image has the same shape and channels.
   *
   * @throws IllegalArgumentException naming the first difference and what to do
   */
  public void checkCompatible(SessionSpec world) {
    SessionSpec trained = worldSpec;
    String where = "the checkpoint was trained on " + trained.worldId() + " but "
        + (trained.worldId().equals(world.worldId()) ? "this " + world.worldId() + " differs: "
            : "the world is " + world.worldId() + ": ");
    String hint = "; use --world " + trained.worldId() + " (with the checkpoint's world config), or a world whose "
        + "observations and actions match";
    if (world.agents() == 0) {
      throw new IllegalArgumentException(where + "it has no agents for the policy to control" + hint);
    }
    List<String> cfgInputs = new TrainConfig().apply(config).inputs;
    String trainedMask = trained.world().actions().maskObservation();
    ObservationEncoder trainedInputs = new ObservationEncoder(trained, cfgInputs,
        trainedMask.isEmpty() ? null : trainedMask);
    List<String> reads = trainedInputs.inputNames();
    // The window the policy was trained on, and the world's other form of it (grid for tokens, or
    // tokens for grid) when the world observes it that way instead.
    String window = trainedInputs.hasGrid() ? reads.get(0) : null;
    TensorSpec other = window == null || world.hasObservation(window) ? null : WindowImage.find(world);
    String otherForm = other == null ? null : other.name();
    List<String> compared = reads;
    if (other != null) {
      String d = windowDifference(trained, trained.observation(window), world, other);
      if (d != null) {
        throw new IllegalArgumentException(where + d + hint);
      }
      compared = reads.subList(1, reads.size());
    }
    String difference = SpecMatch.firstDifference(trained, world, compared);
    if (difference != null) {
      throw new IllegalArgumentException(where + difference + hint);
    }
    // With no inputs configured the policy reads every per-agent observation: one the trained
    // world lacked would be read here too.
    String mask = world.world().actions().maskObservation();
    List<String> here = new ArrayList<>(new ObservationEncoder(world, cfgInputs, mask.isEmpty() ? null : mask)
        .inputNames());
    if (otherForm != null && !here.isEmpty() && here.get(0).equals(otherForm)) {
      here.set(0, window); // the same image in its other form
    }
    if (!here.equals(reads)) {
      List<String> extra = here.stream().filter(n -> !reads.contains(n)).toList();
      throw new IllegalArgumentException(where + (extra.isEmpty()
          ? "it lists the policy's inputs in the order " + here + "; the policy was trained on " + reads
          : "the policy would also read its per-agent observation(s) " + extra + ", which it was not trained on "
              + "(it reads " + reads + ")") + hint);
    }
  }


  /**
   * How window {@code here} (one form) differs, as an image, from the window {@code trained} the
   * policy was trained on (the other form): in shape or channel names; null when it does not.
   */
  private static String windowDifference(SessionSpec trainedSpec, TensorSpec trained, SessionSpec world,
      TensorSpec here) {
    String as = "its observation '" + here.name() + "' (the window in another form than the '" + trained.name()
        + "' the policy was trained on)";
    if (WindowImage.isTokens(here) == WindowImage.isTokens(trained)) {
      return "it has no observation '" + trained.name() + "'; its window is '" + here.name() + "' instead";
    }
    int[] a = WindowImage.of(trainedSpec, trained).shape();
    int[] b;
    try {
      b = WindowImage.of(world, here).shape();
    } catch (IllegalArgumentException e) {
      return as + " cannot be read as an image: " + e.getMessage();
    }
    if (!java.util.Arrays.equals(a, b)) {
      return as + " is an image of " + java.util.Arrays.toString(b) + " (channel, row, column); the policy was "
          + "trained on " + java.util.Arrays.toString(a);
    }
    List<String> ca = trained.features().stream().map(FeatureSpec::name).toList();
    List<String> cb = here.features().stream().map(FeatureSpec::name).toList();
    if (!ca.equals(cb)) {
      return as + " has the channels " + cb + "; the policy was trained on " + ca;
    }
    return null;
  }

  private static void atomicWrite(Path target, byte[] data) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    Files.write(tmp, data);
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  public static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The code version recorded in new checkpoints: the build's version and commit ({@link BuildInfo}). */
  public static String currentCodeVersion() {
    return BuildInfo.current().codeVersion();
  }
}
