package dev.kindred.local;

import dev.kindred.env.Autoreset;
import dev.kindred.env.BatchedEnv;
import dev.kindred.env.Config;
import dev.kindred.env.DataFiles;
import dev.kindred.env.EnvException;
import dev.kindred.env.KindredException;
import dev.kindred.env.PlainValues;
import dev.kindred.env.SessionOptions;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.StepBatch;
import dev.kindred.env.VectorEnv;
import dev.kindred.env.World;
import dev.kindred.env.WorldRegistry;
import dev.kindred.env.WorldContext;
import dev.kindred.env.WorldType;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A {@link VectorEnv} over a world in this process: no server, no copies of the data. It
 * drives the world through the same {@link BatchedEnv} and builds its spec with the same
 * {@link SessionSpec#of} as the server's sessions, and its configuration takes the same path as
 * one sent over the wire ({@link PlainValues#normalize}), so for the same world,
 * configuration, seed and actions it produces the same spec and the same trajectory, bit for bit,
 * as a {@code RemoteVectorEnv}, and fails with the same {@link KindredException} codes
 * ({@code INVALID_ARGUMENT}, {@code NOT_FOUND}, {@code FAILED_PRECONDITION}, ...).
 *
 * <p>The returned {@link StepBatch} is the environment's own result buffer, overwritten by every
 * call. Not thread-safe: one thread drives one environment.
 */
public final class LocalVectorEnv implements VectorEnv {
  private final BatchedEnv env;
  private final SessionSpec spec;
  private final Config config;
  private boolean closed;

  private LocalVectorEnv(BatchedEnv env, Config config) {
    this.env = env;
    this.spec = SessionSpec.of(env, config);
    this.config = config;
  }

  /** An environment with default session options (autoreset NEXT_STEP, every observation). */
  public static LocalVectorEnv create(WorldRegistry registry, String worldId, Map<String, ?> config,
      int copies, long seed) {
    return create(registry, worldId, config, copies, seed, SessionOptions.defaults());
  }

  /**
   * @param observations names of the observations to compute and return; empty: all
   */
  public static LocalVectorEnv create(WorldRegistry registry, String worldId, Map<String, ?> config,
      int copies, long seed, Autoreset autoreset, List<String> observations) {
    return create(registry, worldId, config, copies, seed,
        SessionOptions.builder().autoreset(autoreset).observations(observations).build());
  }

  /**
   * Creates {@code copies} copies of a world, as {@code KindredClient.make} would on a server.
   * The environment must be reset before its first step.
   *
   * @param config  plain Java values, as for {@code KindredClient.make}; null: all defaults
   * @param copies  number of copies (0 means 1)
   * @param options autoreset mode and observations ({@code streaming} and {@code clientName}
   *                do not apply in process)
   * @throws KindredException NOT_FOUND for an unknown world, INVALID_ARGUMENT for a bad
   *                          configuration, copy count or observation name
   */
  public static LocalVectorEnv create(WorldRegistry registry, String worldId, Map<String, ?> config,
      int copies, long seed, SessionOptions options) {
    return create(registry, worldId, config, copies, seed, options, DataFiles.none());
  }

  /**
   * As {@link #create(WorldRegistry, String, Map, int, long, SessionOptions)}, with the files the
   * world may read: in process, the caller is the operator and chooses the data directory
   * explicitly (e.g. {@code DataFiles.in(Path.of("data"))}), and configuration keys such as
   * {@code couplings_file} or {@code map_file} name files relative to it. Without one
   * ({@link DataFiles#none()}, the other overloads) such keys are INVALID_ARGUMENT.
   */
  public static LocalVectorEnv create(WorldRegistry registry, String worldId, Map<String, ?> config,
      int copies, long seed, SessionOptions options, DataFiles dataFiles) {
    return create(registry, worldId, config, copies, seed, options, dataFiles, (world, resolved) -> world);
  }

  /**
   * Wraps the world a {@link LocalVectorEnv} creates before the environment drives it, e.g. to
   * record replays: the decorator sees every reset and step of every copy.
   */
  @FunctionalInterface
  public interface WorldDecorator {
    /**
     * @param world    the world just created
     * @param resolved its resolved configuration (every default filled in)
     * @return the world the environment will drive (usually one that delegates to {@code world})
     */
    World decorate(World world, Config resolved);
  }

  /**
   * As {@link #create(WorldRegistry, String, Map, int, long, SessionOptions, DataFiles)}, driving
   * the world through {@code decorator}.
   */
  public static LocalVectorEnv create(WorldRegistry registry, String worldId, Map<String, ?> config,
      int copies, long seed, SessionOptions options, DataFiles dataFiles, WorldDecorator decorator) {
    return translate(() -> {
      if (copies < 0) {
        throw EnvException.invalid("num_copies", "got " + copies + "; expected at least 1 (0 means 1)");
      }
      int n = Math.max(1, copies);
      WorldType type = registry.get(worldId == null ? "" : worldId);
      // The same normalisation as a request on the wire (numbers as doubles, arrays as lists).
      Config resolved = type.schema().resolve(PlainValues.normalize(config));
      World world = decorator.decorate(type.create(resolved, n, WorldContext.reading(dataFiles)), resolved);
      BatchedEnv env = new BatchedEnv(world, options.autoreset(), seed, options.observations())
          .seedCopiesFrom(options.firstCopy());
      return new LocalVectorEnv(env, resolved);
    });
  }

  @Override
  public SessionSpec spec() {
    return spec;
  }

  /** The resolved configuration (every default filled in). */
  public Config config() {
    return config;
  }

  /** The result buffers (the object every call returns). */
  public StepBatch batch() {
    return env.batch();
  }

  public boolean isClosed() {
    return closed;
  }

  /** Number of steps taken so far. */
  public long sessionStep() {
    return env.sessionStep();
  }

  /** Number of episodes that have ended so far. */
  public long episodesEnded() {
    return env.episodesEnded();
  }

  @Override
  public StepBatch reset(Long seed, int[] copies) {
    checkOpen("reset");
    return translate(() -> env.reset(seed, copies));
  }

  @Override
  public StepBatch step(int[] actions) {
    checkOpen("step");
    return translate(() -> env.step(actions));
  }

  /** Idempotent; afterwards every call is NOT_FOUND, as for a closed server session. */
  @Override
  public void close() {
    closed = true;
  }

  @Override
  public String toString() {
    return "LocalVectorEnv{" + spec.worldId() + ", copies=" + spec.copies()
        + (closed ? ", closed" : "") + "}";
  }

  private void checkOpen(String what) {
    if (closed) {
      throw new KindredException("NOT_FOUND", "this environment has been closed; cannot " + what
          + " (make a new environment)");
    }
  }

  private static <T> T translate(Supplier<T> call) {
    try {
      return call.get();
    } catch (EnvException e) {
      throw new KindredException(e.kind().name(), e.getMessage(), e);
    } catch (KindredException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new KindredException("INTERNAL", "the world failed: " + e, e);
    }
  }
}
