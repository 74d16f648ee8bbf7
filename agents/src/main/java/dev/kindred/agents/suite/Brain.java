package dev.kindred.agents.suite;

import dev.kindred.agents.BatchPolicy;
import dev.kindred.agents.RandomPolicy;
import dev.kindred.agents.ScriptedForager;
import dev.kindred.agents.ppo.Checkpoint;
import dev.kindred.env.SessionSpec;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * A brain under test, one column of a scorecard: a built-in baseline ({@link #BUILT_IN}) or a
 * checkpoint. It plays the focal seats of each test, built for a batch of those seats only
 * ({@link dev.kindred.agents.SeatPolicy#seatSpec}).
 */
public final class Brain {

  /**
   * The built-in brains: {@code random} (uniform over every action), {@code scripted_forager}
   * (gather, convert, altar: {@link ScriptedForager}) and {@code noop} (stands still and does
   * nothing, at no cost).
   */
  public static final List<String> BUILT_IN = List.of("random", "scripted_forager", "noop");

  private final String name;
  private final BiFunction<SessionSpec, Long, BatchPolicy> factory;
  private final Checkpoint checkpoint;
  private final Path dir;
  private final boolean greedy;
  private final String parametersSha256;

  private Brain(String name, Checkpoint checkpoint, Path dir, boolean greedy) {
    this(name, null, checkpoint, dir, greedy);
  }

  private Brain(String name, BiFunction<SessionSpec, Long, BatchPolicy> factory, Checkpoint checkpoint, Path dir,
      boolean greedy) {
    this.name = name;
    this.factory = factory;
    this.checkpoint = checkpoint;
    this.dir = dir;
    this.greedy = greedy;
    this.parametersSha256 = checkpoint == null ? null : Checkpoint.sha256(checkpoint.parameters());
  }

  /**
   * A built-in brain by name.
   *
   * @throws IllegalArgumentException for an unknown name, listing the known ones
   */
  public static Brain builtIn(String name) {
    if (!BUILT_IN.contains(name)) {
      throw new IllegalArgumentException("--brain " + name + ": unknown brain; expected one of "
          + String.join(", ", BUILT_IN) + " (or a run directory with --checkpoint)");
    }
    return new Brain(name, null, null, false);
  }

  /**
   * A brain given by how to build its policy for a batch of its seats, from a seed (programs
   * and tests: a scripted walker whose metrics are known by hand).
   */
  public static Brain of(String name, BiFunction<SessionSpec, Long, BatchPolicy> policy) {
    return new Brain(name, policy, null, null, false);
  }

  /** The checkpoint in a run directory ({@link Checkpoint#read}'s errors), named by its path. */
  public static Brain checkpoint(Path dir, boolean greedy) {
    return new Brain(dir.toString(), Checkpoint.read(dir), dir, greedy);
  }

  public String name() {
    return name;
  }

  /**
   * Why this brain cannot play seats of this spec (a checkpoint's observations or actions differ:
   * {@link Checkpoint#checkCompatible}'s words; a built-in brain lacks what it reads, e.g. the
   * forager on a world without the energy world's grid), or null when it can.
   */
  public String unfit(SessionSpec seats) {
    try {
      if (checkpoint != null) {
        checkpoint.checkCompatible(seats);
      } else if (factory == null) {
        builtIn(name, seats, 0); // the baselines check the spec when they are built, and hold nothing
      }
      return null;
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  /** Its policy for a batch of its seats; {@code seed} seeds the policy's own draws only. */
  public BatchPolicy policy(SessionSpec seats, long seed) {
    if (checkpoint != null) {
      return checkpoint.policy(seats, seed).greedy(greedy);
    }
    return factory != null ? factory.apply(seats, seed) : builtIn(name, seats, seed);
  }

  /** A built-in brain's policy (the roles of a test use the same ones). */
  static BatchPolicy builtIn(String name, SessionSpec seats, long seed) {
    return switch (name) {
      case "random" -> new RandomPolicy(seats, seed);
      case "scripted_forager" -> new ScriptedForager(seats, seed);
      case "noop" -> new ScriptPolicy(seats, List.of("noop"));
      default -> throw new IllegalArgumentException("unknown brain '" + name + "'; expected one of "
          + String.join(", ", BUILT_IN));
    };
  }

  /** What identifies the brain in a record: the checkpoint's path, parameters' SHA-256, steps, code version. */
  public Map<String, Object> provenance() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("brain", name);
    if (checkpoint != null) {
      m.put("checkpoint", dir.toString());
      m.put("parameters_sha256", parametersSha256);
      m.put("checkpoint_steps", checkpoint.steps());
      m.put("code_version", checkpoint.codeVersion());
      m.put("greedy", greedy);
    }
    return m;
  }
}
