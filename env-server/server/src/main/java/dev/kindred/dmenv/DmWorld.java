package dev.kindred.dmenv;

import dev.kindred.dmenv.proto.EnvironmentStateType;
import dev.kindred.dmenv.proto.StepRequest;
import dev.kindred.dmenv.proto.StepResponse;
import dev.kindred.dmenv.proto.Tensor;
import dev.kindred.env.Autoreset;
import dev.kindred.env.BatchedEnv;
import dev.kindred.env.Config;
import dev.kindred.env.EnvException;
import dev.kindred.env.StepBatch;
import dev.kindred.env.WorldType;
import dev.kindred.server.core.SessionCancellation;
import dev.kindred.server.core.WorldFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One dm_env_rpc world without seats: one copy of a Kindred world with the protocol's sequence state
 * (non-running after join, reset or the end of a sequence; the next Step then starts a new
 * episode and ignores its actions). Not thread-safe: several connections may address the same
 * world (join, reset-world, destroy), so every call holds the lock of the world's session
 * ({@link DmWorlds#use}), which also keeps calls off a world that is gone.
 */
final class DmWorld implements DmSession {
  /** One dm_env_rpc world is one copy: a smaller world is the only thing to ask for. */
  private static final WorldFactory.Advice ADVICE = new WorldFactory.Advice("settings",
      "use a smaller world (the sizes, sweeps or burn-in named above)");

  private final String name;
  private final WorldType type;
  private final WorldFactory factory;
  private final SessionCancellation cancellation;
  private Map<String, Object> raw;
  private BatchedEnv env;
  private DmSpecs specs;
  private int[] batchIndex;

  /** A rebuilt environment waiting for the joined agent's interrupted step (ResetWorld). */
  private BatchedEnv pendingEnv;
  private Map<String, Object> pendingRaw;
  /** Seed for the next sequence's start (Reset/ResetWorld), or null to continue the stream. */
  private Long pendingSeed;

  private Object joinedBy;
  private boolean needsReset = true;
  private boolean interruptPending;
  /** The creating connection has closed: destroy the world when its agent leaves. */
  private boolean orphaned;

  /**
   * @param factory      builds the world under the server's limits (the same as kindred.v1's)
   * @param cancellation the world's session's: what its long work polls
   */
  DmWorld(String name, WorldType type, Map<String, Object> raw, Config config, long seed, WorldFactory factory,
      SessionCancellation cancellation) {
    this.name = name;
    this.type = type;
    this.factory = factory;
    this.cancellation = cancellation;
    this.raw = Map.copyOf(raw);
    install(build(config, seed));
  }

  private BatchedEnv build(Config config, long seed) {
    return environment(type, config, seed, Autoreset.DISABLED, factory, cancellation);
  }

  /**
   * One copy of a world of {@code type}, built under the server's limits, returning every
   * observation.
   *
   * @throws EnvException naming the settings (not config keys) when the configuration is refused
   */
  static BatchedEnv environment(WorldType type, Config config, long seed, Autoreset autoreset, WorldFactory factory,
      SessionCancellation cancellation) {
    try {
      // A Step that starts a sequence resets, so steps are admitted with their resets.
      return new BatchedEnv(factory.create(type, config, 1, cancellation, true, ADVICE), autoreset, seed, List.of())
          .cancelOn(cancellation);
    } catch (EnvException e) {
      throw DmSettings.asSettings(e);
    }
  }

  private void install(BatchedEnv e) {
    this.env = e;
    this.specs = new DmSpecs(e.spec());
    int[] index = new int[e.spec().observations().size()];
    int[] returned = e.observationSpecIndices();
    for (int i = 0; i < returned.length; i++) {
      index[returned[i]] = i;
    }
    this.batchIndex = index;
  }

  @Override
  public BatchedEnv env() {
    return env;
  }

  int agents() {
    return env.spec().numAgents();
  }

  /** Joins {@code conn} as the world's agent connection (controlling all its agents). */
  DmSpecs join(Object conn) {
    if (joinedBy != null) {
      throw EnvException.precondition("world '" + name + "' already has its agent connection: one dm_env_rpc "
          + "connection controls all " + agents() + " agent(s) of a Kindred world; wait until it leaves, or "
          + "create another world");
    }
    if (pendingEnv != null) {
      swapPending();
    }
    joinedBy = conn;
    needsReset = true;
    interruptPending = false;
    return specs;
  }

  /**
   * Leaves if {@code conn} is joined (a no-op otherwise).
   *
   * @return whether the world should now be destroyed (its creator has gone)
   */
  boolean leave(Object conn) {
    if (joinedBy != conn) {
      return false;
    }
    joinedBy = null;
    needsReset = true;
    interruptPending = false;
    return orphaned;
  }

  /** Refuses DestroyWorld while an agent is joined. */
  void checkDestroyable(Object caller) {
    if (joinedBy == caller) {
      throw EnvException.precondition("world '" + name + "' cannot be destroyed while this connection is joined "
          + "to it; send LeaveWorld first");
    }
    if (joinedBy != null) {
      throw EnvException.precondition("world '" + name + "' cannot be destroyed while an agent (another "
          + "connection) is joined to it; it can be destroyed once that agent has left");
    }
  }

  /**
   * The creating connection closed.
   *
   * @return whether the world should be destroyed now (no agent is joined); else it is when
   *         its agent leaves
   */
  boolean creatorClosed() {
    if (joinedBy == null) {
      return true;
    }
    orphaned = true;
    return false;
  }

  /** Reset from the joined agent: the next Step starts a new sequence (optionally re-seeded). */
  DmSpecs reset(Object conn, Long seed) {
    requireJoined(conn);
    if (seed != null) {
      pendingSeed = seed;
    }
    needsReset = true;
    interruptPending = false;
    return specs;
  }

  /**
   * ResetWorld: {@code seed} restarts the episode seed stream; configuration keys rebuild the
   * world (refused when an agent is joined and the change would alter its specs). An agent
   * joined on another connection gets INTERRUPTED at its next Step; the caller's own next Step
   * (if it is the joined one) starts the new sequence directly.
   */
  void resetWorld(Object caller, Map<String, Tensor> settings, long maxValues) {
    if (settings.containsKey(DmSettings.WORLD)) {
      throw EnvException.invalid("settings." + DmSettings.WORLD, "the world type of '" + name + "' ("
          + type.id() + ") cannot change; destroy it and create another world");
    }
    Long seed = settings.containsKey(DmSettings.SEED) ? DmSettings.seed(settings.get(DmSettings.SEED)) : null;
    Map<String, Object> changes = DmSettings.configValues(type, settings, false, maxValues);
    BatchedEnv rebuilt = null;
    Map<String, Object> merged = null;
    if (!changes.isEmpty()) {
      merged = new LinkedHashMap<>(raw);
      merged.putAll(changes);
      Config config = DmSettings.resolve(type, merged);
      rebuilt = build(config, seed != null ? seed : env.sessionSeed());
      if (joinedBy != null && !new DmSpecs(rebuilt.spec()).sameAs(specs)) {
        throw EnvException.precondition("these settings change the world's action or observation specs, "
            + "which cannot change while an agent is joined; LeaveWorld first, or change only settings that keep "
            + "the specs (e.g. seed, beta)");
      }
    }
    boolean otherJoined = joinedBy != null && joinedBy != caller;
    if (rebuilt != null) {
      pendingEnv = rebuilt;
      pendingRaw = Map.copyOf(merged);
      pendingSeed = null; // the rebuilt environment carries the seed
      if (!otherJoined) {
        swapPending();
      }
    } else if (seed != null) {
      pendingSeed = seed;
    }
    if (otherJoined && !needsReset) {
      interruptPending = true;
    } else {
      needsReset = true;
    }
  }

  private void swapPending() {
    install(pendingEnv);
    raw = pendingRaw;
    pendingEnv = null;
    pendingRaw = null;
  }

  private void requireJoined(Object conn) {
    if (joinedBy != conn) {
      throw EnvException.precondition("this connection is not joined to world '" + name + "'; send JoinWorld first");
    }
  }

  /**
   * One Step of the joined agent.
   *
   * @param maxResponseBytes the server's message limit; a request whose response could exceed it
   *                         is refused before anything changes
   */
  StepResponse step(Object conn, StepRequest request, long maxResponseBytes) {
    requireJoined(conn);
    List<DmSpecs.Obs> requested = specs.requested(request.getRequestedObservationsList());
    DmSpecs.checkResponseBytes(requested, maxResponseBytes);
    EnvironmentStateType state;
    if (interruptPending) {
      // Another connection reset the world: this agent sees the end of its sequence once.
      interruptPending = false;
      needsReset = true;
      state = EnvironmentStateType.INTERRUPTED;
    } else if (needsReset) {
      // A new sequence: the actions are ignored, as dm_env_rpc specifies.
      if (pendingEnv != null) {
        swapPending();
        requested = specs.requested(request.getRequestedObservationsList());
      }
      env.reset(pendingSeed, null);
      pendingSeed = null;
      needsReset = false;
      state = EnvironmentStateType.RUNNING;
    } else {
      int[] actions = specs.decodeActions(request.getActionsMap());
      StepBatch b = env.step(actions);
      if (b.terminated()[0] != 0) {
        state = EnvironmentStateType.TERMINATED;
        needsReset = true;
      } else if (b.truncated()[0] != 0) {
        state = EnvironmentStateType.INTERRUPTED;
        needsReset = true;
      } else {
        state = EnvironmentStateType.RUNNING;
      }
    }
    float discount = state == EnvironmentStateType.TERMINATED ? 0f : 1f;
    return StepResponse.newBuilder()
        .setState(state)
        .putAllObservations(specs.pack(requested, env.batch(), batchIndex, discount))
        .build();
  }
}
