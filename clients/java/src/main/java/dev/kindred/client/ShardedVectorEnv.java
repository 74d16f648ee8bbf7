package dev.kindred.client;

import dev.kindred.env.EpisodeSummary;
import dev.kindred.env.KindredException;
import dev.kindred.env.SessionOptions;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.StepBatch;
import dev.kindred.env.VectorEnv;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A {@link VectorEnv} whose copies are spread over several Kindred servers: one session per
 * server (a <em>shard</em>), holding a contiguous range of the copies. Every step sends each
 * shard its slice of the actions on the shard's own StepStream before waiting for any answer, so
 * the servers step concurrently; the answers are merged, in copy order, into one
 * {@link StepBatch}.
 *
 * <h2>Determinism</h2>
 * Shard {@code s} is created with {@code first_copy} set to the global index of its first copy,
 * so that the server seeds its local copy {@code k} as global copy {@code first_copy + k}: copy
 * {@code c} of a sharded environment plays bit for bit the episodes copy {@code c} plays in the
 * same environment on one server (same world, config, seed and actions), whatever the number of
 * shards, over resets with or without a new seed and over autoresets. Episode statistics carry
 * global copy indices.
 *
 * <h2>Failures</h2>
 * When a server fails (gone, refusing, or silent past {@link ClientOptions#deadline()}), the call
 * throws a {@link KindredException} with the server's status code whose message names the server
 * and the copies its shard held; the other shards' answers are still collected first, so no
 * stream is left with a request in flight. The environment should then be closed.
 *
 * <p>Not thread-safe: one thread drives one environment. {@link #reset} is one unary call per
 * shard, made concurrently on a small pool of daemon threads owned by this environment.
 */
public final class ShardedVectorEnv implements VectorEnv {
  /** Where a shard lives and which global copies it holds: {@code [firstCopy, firstCopy + copies)}. */
  public record Shard(String target, int firstCopy, int copies) {
    /** Its copies as text, for messages: "copies 4-7" or "copy 4". */
    public String copyRange() {
      return copies == 1 ? "copy " + firstCopy : "copies " + firstCopy + "-" + (firstCopy + copies - 1);
    }
  }

  private final List<KindredClient> ownedClients;
  private final RemoteVectorEnv[] envs;
  private final Shard[] shards;
  private final SessionSpec spec;
  private final StepBatch batch;
  private final int agents;
  private final int actionValuesPerCopy;
  private final int[][] actionSlices;
  private final ExecutorService resetPool;
  private boolean closed;

  private ShardedVectorEnv(List<KindredClient> ownedClients, RemoteVectorEnv[] envs, Shard[] shards, int copies) {
    this.ownedClients = ownedClients;
    this.envs = envs;
    this.shards = shards;
    SessionSpec first = envs[0].spec();
    this.spec = new SessionSpec(first.world(), copies, first.autoreset(), first.config());
    this.batch = StepBatch.forSpec(spec);
    this.agents = spec.agents();
    this.actionValuesPerCopy = agents * spec.actionDimensions();
    this.actionSlices = new int[envs.length][];
    for (int s = 0; s < envs.length; s++) {
      actionSlices[s] = new int[shards[s].copies() * actionValuesPerCopy];
    }
    this.resetPool = Executors.newFixedThreadPool(envs.length, r -> {
      Thread t = new Thread(r, "kindred-shard-reset");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Connects to every target and creates the sharded environment; the clients are owned by the
   * environment and closed with it.
   *
   * @param targets one {@code host:port} per server (see {@link #resolveAll} for a DNS name that
   *                lists several, such as a Kubernetes headless Service)
   */
  public static ShardedVectorEnv connect(List<String> targets, ClientOptions clientOptions, String worldId,
      Map<String, ?> config, int copies, long seed, SessionOptions sessionOptions) {
    if (targets.isEmpty()) {
      throw new KindredException("INVALID_ARGUMENT", "targets: no server given; expected at least one host:port");
    }
    List<KindredClient> clients = new ArrayList<>();
    try {
      for (String t : targets) {
        clients.add(KindredClient.connect(t, clientOptions));
      }
      return create(clients, List.copyOf(clients), worldId, config, copies, seed, sessionOptions);
    } catch (RuntimeException e) {
      clients.forEach(KindredClient::close);
      throw e;
    }
  }

  /**
   * Creates the sharded environment over clients the caller owns (and closes). Copies are split
   * as evenly as possible, the first servers taking one more copy; with fewer copies than
   * clients, only the first {@code copies} clients are used.
   */
  public static ShardedVectorEnv make(List<KindredClient> clients, String worldId, Map<String, ?> config,
      int copies, long seed, SessionOptions sessionOptions) {
    return create(clients, List.of(), worldId, config, copies, seed, sessionOptions);
  }

  private static ShardedVectorEnv create(List<KindredClient> clients, List<KindredClient> owned, String worldId,
      Map<String, ?> config, int copies, long seed, SessionOptions options) {
    if (clients.isEmpty()) {
      throw new KindredException("INVALID_ARGUMENT", "clients: no server given; expected at least one");
    }
    if (copies < 0) {
      throw new KindredException("INVALID_ARGUMENT", "num_copies: got " + copies + "; expected at least 1 (0 means 1)");
    }
    if (options.recorded()) {
      throw new KindredException("INVALID_ARGUMENT", "record: recording is not supported on a sharded environment;"
          + " record on a single-server session (KindredClient.make)");
    }
    if (options.firstCopy() != 0) {
      throw new KindredException("INVALID_ARGUMENT", "firstCopy: a sharded environment sets each shard's first copy"
          + " itself; leave it 0");
    }
    int total = Math.max(1, copies);
    int n = Math.min(clients.size(), total);
    RemoteVectorEnv[] envs = new RemoteVectorEnv[n];
    Shard[] shards = new Shard[n];
    int next = 0;
    try {
      for (int s = 0; s < n; s++) {
        int size = total / n + (s < total % n ? 1 : 0);
        KindredClient client = clients.get(s);
        shards[s] = new Shard(client.target(), next, size);
        try {
          envs[s] = client.make(worldId, config, size, seed, options.toBuilder().firstCopy(next).build());
        } catch (KindredException e) {
          throw shardFailure(shards[s], "CreateSession", e);
        }
        next += size;
      }
      return new ShardedVectorEnv(owned, envs, shards, total);
    } catch (RuntimeException e) {
      for (RemoteVectorEnv env : envs) {
        closeQuietly(env);
      }
      throw e;
    }
  }

  /**
   * Every address a DNS name resolves to, as {@code address:port} targets: how a Kubernetes
   * headless Service publishes the pods behind it.
   *
   * @param hostPort {@code name:port}
   * @throws KindredException INVALID_ARGUMENT without a port; UNAVAILABLE when the name does not resolve
   */
  public static List<String> resolveAll(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0 || colon == hostPort.length() - 1) {
      throw new KindredException("INVALID_ARGUMENT", "target: '" + excerpt(hostPort)
          + "' has no port; expected name:port (e.g. kindred-headless:50051)");
    }
    String host = hostPort.substring(0, colon);
    String port = hostPort.substring(colon + 1);
    try {
      List<String> out = new ArrayList<>();
      for (InetAddress a : InetAddress.getAllByName(host)) {
        String ip = a.getHostAddress();
        out.add((ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + port);
      }
      return out;
    } catch (UnknownHostException e) {
      throw new KindredException("UNAVAILABLE", "target: '" + excerpt(host) + "' does not resolve to any address", e);
    }
  }

  private static String excerpt(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64) + "...";
  }

  @Override
  public SessionSpec spec() {
    return spec;
  }

  /** The shards, in copy order. */
  public List<Shard> shards() {
    return List.of(shards);
  }

  /** The merged result buffers (the object every call returns). */
  public StepBatch batch() {
    return batch;
  }

  /**
   * Resets all copies, or those listed (global indices). Only the shards holding a listed copy are
   * called. A new seed with a copy list must list at least one copy of every shard, since a shard
   * takes a new seed only with a Reset (INVALID_ARGUMENT otherwise).
   */
  @Override
  public StepBatch reset(Long seed, int[] copies) {
    checkOpen("reset");
    int n = envs.length;
    int[][] local = new int[n][];
    if (copies != null && copies.length > 0) {
      int[] count = new int[n];
      for (int c : copies) {
        if (c < 0 || c >= spec.copies()) {
          throw new KindredException("INVALID_ARGUMENT", "copies: copy index " + c
              + " is out of range; expected 0 <= copy < " + spec.copies());
        }
        count[shardOf(c)]++;
      }
      for (int s = 0; s < n; s++) {
        local[s] = new int[count[s]];
        count[s] = 0;
      }
      for (int c : copies) {
        int s = shardOf(c);
        local[s][count[s]++] = c - shards[s].firstCopy();
      }
      for (int s = 0; s < n; s++) {
        if (local[s].length == 0 && seed != null) {
          throw new KindredException("INVALID_ARGUMENT", "copies: a Reset with a new seed must list at least one copy"
              + " of every shard; none of " + shards[s].copyRange() + " (server " + shards[s].target()
              + ") is listed. Reset all copies with the new seed, or list one copy per shard");
        }
      }
    }
    List<Future<StepBatch>> answers = new ArrayList<>(n);
    for (int s = 0; s < n; s++) {
      if (local[s] != null && local[s].length == 0) {
        answers.add(null);
        continue;
      }
      RemoteVectorEnv env = envs[s];
      int[] list = local[s];
      answers.add(resetPool.submit(() -> env.reset(seed, list)));
    }
    KindredException failure = null;
    long step = batch.sessionStep();
    batch.episodes().clear();
    for (int s = 0; s < n; s++) {
      Future<StepBatch> f = answers.get(s);
      if (f == null) {
        clearFlags(s);
        continue;
      }
      try {
        StepBatch part = f.get();
        merge(s, part);
        step = part.sessionStep();
      } catch (ExecutionException e) {
        KindredException k = e.getCause() instanceof KindredException ke ? ke
            : new KindredException("INTERNAL", String.valueOf(e.getCause()), e.getCause());
        failure = first(failure, shardFailure(shards[s], "Reset", k));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failure = first(failure, new KindredException("CANCELLED", "interrupted while waiting for Reset of "
            + shards[s].copyRange() + " on " + shards[s].target(), e));
      }
    }
    if (failure != null) {
      throw failure;
    }
    batch.setSessionStep(step);
    return batch;
  }

  /**
   * Steps every copy: each shard's slice of {@code actions} goes out on its stream, then the
   * answers are collected and merged.
   */
  @Override
  public StepBatch step(int[] actions) {
    checkOpen("step");
    int expected = spec.copies() * actionValuesPerCopy;
    if (actions.length != expected) {
      throw new KindredException("INVALID_ARGUMENT", "actions: got " + actions.length + " values; expected "
          + expected + " = " + spec.copies() + " copies x " + agents + " agents x " + spec.actionDimensions()
          + " action dimensions");
    }
    int n = envs.length;
    boolean[] sent = new boolean[n];
    KindredException failure = null;
    for (int s = 0; s < n; s++) {
      int[] slice = actionSlices[s];
      System.arraycopy(actions, shards[s].firstCopy() * actionValuesPerCopy, slice, 0, slice.length);
      try {
        envs[s].send(slice);
        sent[s] = true;
      } catch (KindredException e) {
        failure = first(failure, shardFailure(shards[s], "Step", e));
      }
    }
    batch.episodes().clear();
    long step = batch.sessionStep();
    for (int s = 0; s < n; s++) {
      if (!sent[s]) {
        continue;
      }
      try {
        StepBatch part = envs[s].receive();
        merge(s, part);
        step = part.sessionStep();
      } catch (KindredException e) {
        failure = first(failure, shardFailure(shards[s], "Step", e));
      }
    }
    if (failure != null) {
      throw failure;
    }
    batch.setSessionStep(step);
    return batch;
  }

  private static KindredException first(KindredException earlier, KindredException now) {
    if (earlier == null) {
      return now;
    }
    earlier.addSuppressed(now);
    return earlier;
  }

  private static KindredException shardFailure(Shard shard, String call, KindredException e) {
    return new KindredException(e.code(), "shard on server " + shard.target() + " holding " + shard.copyRange()
        + " failed in " + call + ": " + e.detail(), e);
  }

  private int shardOf(int copy) {
    int s = 0;
    while (copy >= shards[s].firstCopy() + shards[s].copies()) {
      s++;
    }
    return s;
  }

  private void merge(int s, StepBatch part) {
    int first = shards[s].firstCopy();
    int count = shards[s].copies();
    for (int i = 0; i < batch.observationCount(); i++) {
      copyRows(part.observation(i), batch.observation(i), first, count);
      if (batch.hasFinalObservations()) {
        copyRows(part.finalObservation(i), batch.finalObservation(i), first, count);
      }
    }
    System.arraycopy(part.rewards(), 0, batch.rewards(), first * agents, count * agents);
    System.arraycopy(part.actionSuccess(), 0, batch.actionSuccess(), first * agents, count * agents);
    System.arraycopy(part.terminated(), 0, batch.terminated(), first, count);
    System.arraycopy(part.truncated(), 0, batch.truncated(), first, count);
    System.arraycopy(part.resetMask(), 0, batch.resetMask(), first, count);
    for (EpisodeSummary e : part.episodes()) {
      batch.episodes().add(new EpisodeSummary(e.copy() + first, e.episode(), e.length(), e.terminated(),
          e.truncated(), e.returns(), e.agentStats(), e.stats()));
    }
  }

  /** What a Reset leaves in the copies it does not reset: flags and final observations cleared. */
  private void clearFlags(int s) {
    int first = shards[s].firstCopy();
    int count = shards[s].copies();
    Arrays.fill(batch.terminated(), first, first + count, (byte) 0);
    Arrays.fill(batch.truncated(), first, first + count, (byte) 0);
    Arrays.fill(batch.resetMask(), first, first + count, (byte) 0);
    if (batch.hasFinalObservations()) {
      for (int i = 0; i < batch.observationCount(); i++) {
        ByteBuffer f = batch.finalObservation(i);
        int row = f.capacity() / spec.copies();
        Arrays.fill(f.array(), f.arrayOffset() + first * row, f.arrayOffset() + (first + count) * row, (byte) 0);
      }
    }
  }

  /** Copies a shard's rows (one per copy) into the merged buffer at {@code first}. */
  private void copyRows(ByteBuffer from, ByteBuffer to, int first, int count) {
    int row = to.capacity() / spec.copies();
    System.arraycopy(from.array(), from.arrayOffset(), to.array(), to.arrayOffset() + first * row, count * row);
  }

  private void checkOpen(String what) {
    if (closed) {
      throw new KindredException("NOT_FOUND", "this sharded environment has been closed; cannot " + what
          + " (make a new one)");
    }
  }

  /**
   * Closes every shard's session (best effort: a server that is gone does not stop the others
   * from closing), then the clients this environment connected itself.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    resetPool.shutdownNow();
    for (RemoteVectorEnv env : envs) {
      closeQuietly(env);
    }
    ownedClients.forEach(KindredClient::close);
  }

  private static void closeQuietly(RemoteVectorEnv env) {
    if (env == null) {
      return;
    }
    try {
      env.close();
    } catch (KindredException e) {
      // The server is gone or refused: its session ends there by itself (disconnect grace, idle timeout).
    }
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("ShardedVectorEnv{" + spec.worldId() + ", copies=" + spec.copies());
    for (Shard s : shards) {
      b.append(", ").append(s.target()).append(" [").append(s.copyRange()).append(']');
    }
    return b.append(closed ? ", closed}" : "}").toString();
  }
}
