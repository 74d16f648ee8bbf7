package dev.kindred.agents.tournament;

import dev.kindred.agents.BatchPolicy;
import dev.kindred.agents.Evaluation;
import dev.kindred.bench.LoopbackServer;
import dev.kindred.client.ClientOptions;
import dev.kindred.client.KindredClient;
import dev.kindred.client.MatchConfig;
import dev.kindred.client.RemoteMatch;
import dev.kindred.client.SeatEnv;
import dev.kindred.env.EpisodeSummary;
import dev.kindred.env.KindredException;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.StepBatch;
import dev.kindred.env.VectorEnv;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Games against a remote brain: a process the runner starts for each game, which joins its seat
 * of a match on a server in this JVM through the match protocol (any language: the Python
 * {@code examples/remote_brain.py}, the Go {@code cmd/remote-brain}, ...). The local brain plays
 * the other seat over a {@link SeatEnv} from the scenario's seed, exactly as it plays in process;
 * each side's hearts come from the episode statistics (the remote side's: the copy's total less
 * the local seats'). A remote brain that does not join within its join timeout, or whose agents
 * played the fallback (late or absent) in more than {@code max_fallback_fraction} of the steps,
 * forfeits the pairing.
 */
final class RemoteGames implements AutoCloseable {
  /** Placeholders of a remote brain's command. */
  static final List<String> PLACEHOLDERS = List.of("{target}", "{session}", "{seat}", "{token}");
  /** Where each game's remote process writes its output. */

  private final Path logs;
  private LoopbackServer server;

  RemoteGames(Path logs) {
    this.logs = logs;
  }

  /** How a remote brain is run: its command (with placeholders), deadline and patience. */
  record Remote(List<String> command, int maxActionMillis, int joinTimeoutSeconds, double maxFallbackFraction) {
    @SuppressWarnings("unchecked")
    static Remote of(String brain, Map<String, Object> options) {
      Object c = options.get("command");
      if (!(c instanceof List<?> list) || list.isEmpty()) {
        throw new IllegalArgumentException("brain '" + brain + "' (remote) needs command: the program and its "
            + "arguments, with " + String.join(", ", PLACEHOLDERS) + " replaced by the match's address, session, "
            + "seat and join token, e.g. [\"clients/python/.venv/bin/python\", "
            + "\"clients/python/examples/remote_brain.py\", \"--host\", \"{target}\", \"--session\", \"{session}\", "
            + "\"--seat\", \"{seat}\", \"--token\", \"{token}\", \"--steps\", \"1000000\"]");
      }
      List<String> cmd = ((List<Object>) list).stream().map(String::valueOf).toList();
      int maxAction = ((Number) options.getOrDefault("max_action_time_ms", 10_000.0)).intValue();
      int join = ((Number) options.getOrDefault("join_timeout_s", 60.0)).intValue();
      double fallback = ((Number) options.getOrDefault("max_fallback_fraction", 0.5)).doubleValue();
      if (maxAction < 1 || join < 1 || !(fallback >= 0 && fallback <= 1)) {
        throw new IllegalArgumentException("brain '" + brain + "' (remote): max_action_time_ms and join_timeout_s "
            + "must be positive, max_fallback_fraction in [0, 1]");
      }
      return new Remote(cmd, maxAction, join, fallback);
    }
  }

  /** One game's outcome: per (copy, ordinal) episode, {local hearts per agent, remote hearts per agent}. */
  record Outcome(Map<Long, double[]> episodes, String forfeit) {}

  /** A client of the server (started at the first remote game) whose calls may wait {@code deadline}. */
  private KindredClient client(Duration deadline) {
    if (server == null) {
      server = LoopbackServer.start(Duration.ofSeconds(2));
    }
    return KindredClient.connect(server.address(), ClientOptions.builder().deadline(deadline).build());
  }

  /**
   * One game: the local brain in {@code localSeats}, the remote one in the rest, from
   * {@code seed}, until at least {@code episodes} episodes have ended.
   */
  Outcome game(Scenario s, int copies, long seed, int agents, int[] localSeats,
      java.util.function.Function<SessionSpec, BatchPolicy> local, String remoteName, Remote remote, int episodes,
      String tag) throws IOException, InterruptedException {
    // The first step waits for the remote seat to join; every later one at most the match's deadline.
    try (KindredClient c = client(Duration.ofSeconds(Math.max(remote.joinTimeoutSeconds(),
        remote.maxActionMillis() / 1000 + 1) + 5))) {
      return game(c, s, copies, seed, agents, localSeats, local, remoteName, remote, episodes, tag);
    }
  }

  private Outcome game(KindredClient c, Scenario s, int copies, long seed, int agents, int[] localSeats,
      java.util.function.Function<SessionSpec, BatchPolicy> local, String remoteName, Remote remote, int episodes,
      String tag) throws IOException, InterruptedException {
    int[] remoteSeats = Tournament.complement(agents, localSeats);
    RemoteMatch match = c.createMatch(s.world(), s.worldConfig(), copies, seed, MatchConfig.builder()
        .seat("local", localSeats).seat("remote", remoteSeats)
        .maxActionTime(Duration.ofMillis(remote.maxActionMillis())).build());
    Process process = null;
    Path log = logs.resolve("remote-" + remoteName + "-" + tag + ".log");
    try {
      RemoteMatch.Seat seat = match.seat("remote");
      List<String> cmd = new ArrayList<>();
      for (String a : remote.command()) {
        cmd.add(a.replace("{target}", server.address()).replace("{session}", match.sessionId())
            .replace("{seat}", seat.name()).replace("{token}", seat.token()));
      }
      Files.createDirectories(logs);
      try {
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      } catch (IOException e) {
        return new Outcome(Map.of(), remoteName + " could not be started (" + e.getMessage() + ")");
      }
      try (SeatEnv env = c.joinSeat(match.seat("local"))) {
        Map<Long, double[]> out = new HashMap<>();
        int[] ordinal = new int[copies];
        BatchPolicy policy = local.apply(env.spec());
        MatchSeat seatEnv = new MatchSeat(env);
        Process p = process;
        // A process that ends before the first step (it never joined) ends the match at once: no waiting out
        // the join timeout.
        p.onExit().thenRun(() -> {
          if (seatEnv.steps == 0) {
            match.close();
          }
        });
        long joinBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(remote.joinTimeoutSeconds());
        try {
          Evaluation.episodes(policy, seatEnv, episodes, seed, (EpisodeSummary e, Evaluation.EpisodeActions a) -> {
            double localSum = 0;
            for (Map<String, Double> st : e.agentStats()) {
              localSum += st.getOrDefault("hearts", 0.0);
            }
            double total = e.stats().getOrDefault("total_hearts", 0.0);
            out.put(((long) e.copy() << 32) | ordinal[e.copy()]++, new double[] {localSum / localSeats.length,
                (total - localSum) / remoteSeats.length});
          });
        } catch (KindredException e) {
          if (System.nanoTime() >= joinBy || !p.isAlive()) {
            return new Outcome(Map.of(), remoteName + " did not play (" + e.code() + "; its process "
                + (p.isAlive() ? "is running" : "exited " + p.exitValue()) + "; see " + log + ")");
          }
          throw e;
        }
        long fallbacks = seatEnv.fallbacks;
        long steps = seatEnv.steps;
        if (steps > 0 && (double) fallbacks / steps > remote.maxFallbackFraction()) {
          return new Outcome(Map.of(), remoteName + " was late or absent in " + fallbacks + " of " + steps
              + " steps (more than " + remote.maxFallbackFraction() + "; see " + log + ")");
        }
        return new Outcome(out, null);
      }
    } finally {
      match.close();
      if (process != null) {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      }
    }
  }

  /**
   * A seat as the {@link VectorEnv} the evaluation loop drives: its reset returns the seat's
   * current observations (the match's world was reset from the seed when it was created), and it
   * counts the steps in which the other seat's agents played the fallback.
   */
  private static final class MatchSeat implements VectorEnv {
    private final SeatEnv seat;
    private long fallbacks;
    /** Read by the process watcher's thread. */
    private volatile long steps;

    MatchSeat(SeatEnv seat) {
      this.seat = seat;
    }

    @Override
    public SessionSpec spec() {
      return seat.spec();
    }

    @Override
    public StepBatch reset(Long seed, int[] copies) {
      return seat.reset();
    }

    @Override
    public StepBatch step(int[] actions) {
      StepBatch b = seat.step(actions);
      steps++;
      if (!"SUBMITTED".equals(seat.lastOutcomes().get("remote"))) {
        fallbacks++;
      }
      return b;
    }

    @Override
    public void close() {}
  }

  @Override
  public void close() {
    if (server != null) {
      server.close();
    }
  }
}
