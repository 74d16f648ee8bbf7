package dev.kindred.agents.tournament;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.reflect.TypeToken;
import dev.kindred.agents.BatchPolicy;
import dev.kindred.agents.HeadToHead;
import dev.kindred.agents.RandomPolicy;
import dev.kindred.agents.Replays;
import dev.kindred.agents.ScriptedForager;
import dev.kindred.agents.SeatPolicy;
import dev.kindred.agents.ppo.Checkpoint;
import dev.kindred.env.Seeds;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.VectorEnv;
import dev.kindred.env.WorldRegistry;
import dev.kindred.local.LocalVectorEnv;
import dev.kindred.replay.Seat;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Plays a tournament: every pair of brains in every scenario, on common random numbers (every
 * pairing of a scenario plays from the same seed, so the same maps; each pair of episodes has
 * the two brains in swapped seats on the same episode seed). Each finished pairing is appended to
 * {@code games.jsonl} in the output directory, so that a run can be resumed; {@link
 * TournamentReport} turns the pairings into ratings and reports.
 */
public final class Tournament {
  /** The results format; readers refuse another. */
  public static final String FORMAT = "kindred-tournament/1";
  static final String GAMES = "games.jsonl";
  static final String CONFIG = "tournament-config.json";
  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

  /**
   * One episode of a pairing: brain {@code a} in {@code seatsA}, brain {@code b} in the rest.
   *
   * @param seating {@code A} (a in the scenario's first seats) or {@code B} (swapped)
   * @param copy    with {@code episode}: the episode seed is {@code Seeds.episodeSeed(scenario seed, copy, episode)}
   * @param heartsA hearts per agent of a's seats in the episode; {@code heartsB} b's
   */
  public record Game(int pair, String seating, int copy, int episode, int[] seatsA, double heartsA, double heartsB,
      String replay) {
    /** A game without a replay file. */
    public Game(int pair, String seating, int copy, int episode, int[] seatsA, double heartsA, double heartsB) {
      this(pair, seating, copy, episode, seatsA, heartsA, heartsB, null);
    }

    /** a's score: 1 when it gathered more hearts per agent, 0.5 when as many, 0 when fewer. */
    public double score() {
      return heartsA > heartsB ? 1 : heartsA == heartsB ? 0.5 : 0;
    }
  }

  /**
   * Every game of two brains in one scenario, in pair order, each pair's seating A then B; or,
   * when a remote brain forfeited, no games and why.
   */
  public record Pairing(String scenario, String a, String b, List<Game> games, String forfeitedBy, String forfeit,
      Map<String, Double> background) {
    Pairing(String scenario, String a, String b, List<Game> games) {
      this(scenario, a, b, games, null, null, null);
    }

    Pairing(String scenario, String a, String b, List<Game> games, String forfeitedBy, String forfeit) {
      this(scenario, a, b, games, forfeitedBy, forfeit, null);
    }

    String key() {
      return scenario + "\u0000" + a + "\u0000" + b;
    }
  }

  /** A brain ready to play: how to build its policy for a seat spec, and where it comes from. */
  public record Brain(String name, String kind, Function<Long, Function<SessionSpec, BatchPolicy>> policy,
      Map<String, Object> provenance, Checkpoint checkpoint, RemoteGames.Remote remote) {
    Brain(String name, String kind, Function<Long, Function<SessionSpec, BatchPolicy>> policy,
        Map<String, Object> provenance, Checkpoint checkpoint) {
      this(name, kind, policy, provenance, checkpoint, null);
    }
  }

  private Tournament() {}

  /**
   * {@code --replays DIR --replay-sample K}: the first K pairs of episodes of every in-process
   * pairing recorded, both seatings, into {@code dir}; each game's {@code replay} is its file's
   * path relative to the results directory.
   */
  public record ReplayOptions(Path dir, int sample) {}

  /**
   * The configured brains; checkpoints are read from their paths (which must exist: train them
   * first) and their parameters' SHA-256 recorded.
   */
  public static List<Brain> brains(TournamentConfig cfg) {
    List<Brain> out = new ArrayList<>();
    for (TournamentConfig.BrainSpec b : cfg.brains()) {
      Map<String, Object> prov = new LinkedHashMap<>();
      prov.put("brain", b.kind());
      switch (b.kind()) {
        case "random" -> out.add(new Brain(b.name(), b.kind(), seed -> s -> new RandomPolicy(s, seed), prov, null));
        case "scripted_forager" -> out.add(new Brain(b.name(), b.kind(), seed -> s -> new ScriptedForager(s, seed),
            prov, null));
        case "lazy_forager" -> {
          Object p = b.options().get("p");
          if (!(p instanceof Number n)) {
            throw new IllegalArgumentException("brain '" + b.name() + "' (lazy_forager) needs p, the probability of "
                + "doing nothing each step, e.g. \"p\": 0.5");
          }
          prov.put("p", n.doubleValue());
          out.add(new Brain(b.name(), b.kind(), seed -> s -> new LazyForager(s, n.doubleValue(), seed), prov, null));
        }
        case "checkpoint" -> {
          Object path = b.options().get("path");
          if (!(path instanceof String ps)) {
            throw new IllegalArgumentException("brain '" + b.name() + "' (checkpoint) needs path, the run directory "
                + "kindred train wrote");
          }
          Path dir = Path.of(ps);
          if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("brain '" + b.name() + "': no run directory " + dir + " (give train: "
                + "{config, steps} to train it first, or run kindred train --out " + dir + ")");
          }
          Checkpoint ck = Checkpoint.read(dir);
          prov.put("path", ps);
          prov.put("parameters_sha256", Checkpoint.sha256(ck.parameters()));
          prov.put("code_version", ck.codeVersion());
          prov.put("trained_steps", ck.steps());
          prov.put("trained_on", ck.worldSpec().worldId());
          boolean greedy = cfg.greedy();
          out.add(new Brain(b.name(), b.kind(), seed -> s -> ck.policy(s, seed).greedy(greedy), prov, ck));
        }
        case "active_inference_spin" -> out.add(new Brain(b.name(), b.kind(), seed -> s ->
            new dev.kindred.agents.ActiveInferenceSpinPolicy(s.observation("neighbour_spins").shape()[0], true, seed),
            prov, null));
        case "remote" -> {
          RemoteGames.Remote r = RemoteGames.Remote.of(b.name(), b.options());
          prov.put("command", r.command());
          prov.put("max_action_time_ms", r.maxActionMillis());
          prov.put("join_timeout_s", r.joinTimeoutSeconds());
          out.add(new Brain(b.name(), b.kind(), seed -> s -> {
            throw new IllegalStateException("a remote brain plays in its own process");
          }, prov, null, r));
        }
        default -> throw new IllegalArgumentException("unknown brain '" + b.kind() + "'; known brains: "
            + String.join(", ", TournamentConfig.BRAIN_KINDS));
      }
    }
    return out;
  }

  /** The scenario's seed: every pairing of the scenario plays from it. */
  static long scenarioSeed(TournamentConfig cfg, int scenario) {
    return Seeds.mix(cfg.seed() * 0x9E3779B97F4A7C15L + scenario + 1);
  }

  /** A brain's policy seed in a scenario (distinct per brain, so two copies of one kind differ). */
  static long brainSeed(TournamentConfig cfg, int brain, int scenario) {
    return Seeds.mix(Seeds.mix(cfg.seed() + 0x632BE59BD9B4E019L * (brain + 1)) + scenario);
  }

  /**
   * Checks that every brain can play every scenario (a checkpoint's world must match: an error
   * names both), before anything is played.
   */
  static void checkFits(TournamentConfig cfg, List<Brain> brains) {
    List<String> remote = brains.stream().filter(b -> b.remote() != null).map(Brain::name).toList();
    if (!remote.isEmpty() && cfg.scenarios().stream().anyMatch(Scenario::hasBackground)) {
      throw new IllegalArgumentException("remote brains " + remote + " cannot play scenarios with a background "
          + "population yet; play those scenarios without remote brains");
    }
    if (remote.size() > 1) {
      throw new IllegalArgumentException("brains " + remote + " are all remote: a game of two remote brains has no "
          + "seat in this process to read its outcome from; keep one remote brain per tournament (or play the others "
          + "in process)");
    }
    for (Scenario s : cfg.scenarios()) {
      try (VectorEnv env = LocalVectorEnv.create(WorldRegistry.builtIn(), s.world(), s.worldConfig(), 1, 0)) {
        SessionSpec spec = env.spec();
        int[] first = s.firstSeats(spec.agents());
        if (s.metric().equals("hearts")
            && spec.world().agentStats().stream().noneMatch(st -> st.name().equals("hearts"))) {
          throw new IllegalArgumentException("scenario " + s.name() + ": world " + s.world() + " reports no hearts per "
              + "agent; score it by \"metric\": \"return\" (the episode return) or use an energy world");
        }
        if (!remote.isEmpty() && !s.metric().equals("hearts")) {
          throw new IllegalArgumentException("scenario " + s.name() + " is scored by " + s.metric() + ", which a remote "
              + "brain's games cannot report (they read hearts from the copy's totals); play it without remote brains");
        }
        SessionSpec seatSpec = dev.kindred.agents.SeatPolicy.seatSpec(spec, first);
        for (Brain b : brains) {
          if (b.remote() == null && b.checkpoint() == null) {
            try {
              b.policy().apply(0L).apply(seatSpec);
            } catch (IllegalArgumentException | IllegalStateException e) {
              throw new IllegalArgumentException("brain '" + b.name() + "' (" + b.kind() + ") cannot play scenario '"
                  + s.name() + "' (" + s.world() + "): " + e.getMessage(), e);
            }
          }
          if (b.checkpoint() != null) {
            try {
              b.checkpoint().checkCompatible(spec);
            } catch (IllegalArgumentException e) {
              throw new IllegalArgumentException("brain '" + b.name() + "' (checkpoint " + b.provenance().get("path")
                  + ", trained on " + b.checkpoint().worldSpec().worldId() + " " + b.checkpoint().config()
                  .get("world_config") + ") cannot play scenario '" + s.name() + "' (" + s.world() + " "
                  + s.worldConfig() + "): " + e.getMessage(), e);
            }
          }
        }
      }
    }
  }

  /**
   * Plays every pairing not yet in {@code out}'s {@code games.jsonl} and returns all of them, in
   * scenario order then brain order.
   *
   * @param resume whether {@code out} may already hold a run of this configuration (its finished
   *               pairings are skipped); without it an existing directory is refused
   */
  public static List<Pairing> play(TournamentConfig cfg, List<Brain> brains, Path out, boolean resume,
      PrintStream log) throws IOException {
    return play(cfg, brains, out, resume, log, null);
  }

  /** As {@link #play(TournamentConfig, List, Path, boolean, PrintStream)}, recording replays when {@code replays} is given. */
  public static List<Pairing> play(TournamentConfig cfg, List<Brain> brains, Path out, boolean resume,
      PrintStream log, ReplayOptions replays) throws IOException {
    checkFits(cfg, brains);
    Map<String, Pairing> done = prepare(cfg, out, resume);
    int m = brains.size();
    int total = 0;
    for (Scenario s : cfg.scenarios()) {
      total += s.hasBackground() ? m : m * (m - 1) / 2;
    }
    long start = System.nanoTime();
    int played = 0;
    int index = 0;
    List<Pairing> all = new ArrayList<>();
    try (RemoteGames remote = new RemoteGames(out.resolve("remote-logs"))) {
      for (int si = 0; si < cfg.scenarios().size(); si++) {
        Scenario s = cfg.scenarios().get(si);
        long seed = scenarioSeed(cfg, si);
        if (s.hasBackground()) {
          for (int i = 0; i < m; i++) {
            index++;
            Brain a = brains.get(i);
            Pairing p = done.get(new Pairing(s.name(), a.name(), BACKGROUND, List.of()).key());
            if (p == null) {
              long t0 = System.nanoTime();
              p = focalPairing(cfg, s, si, seed, brains, i);
              append(out.resolve(GAMES), p);
              played++;
              double elapsed = (System.nanoTime() - start) / 1e9;
              log.printf(Locale.ROOT, "tournament: %d/%d pairings  %s: %s vs the background %s, %d episodes in %.1f s"
                      + "  (elapsed %s, ETA %s)%n", index, total, s.name(), a.name(), s.background(), p.games().size(),
                  (System.nanoTime() - t0) / 1e9, minutes(elapsed), minutes(elapsed / played * (total - index)));
            }
            all.add(p);
          }
          continue;
        }
        for (int i = 0; i < m; i++) {
          for (int j = i + 1; j < m; j++) {
            index++;
            Brain a = brains.get(i);
            Brain b = brains.get(j);
            Pairing p = done.get(new Pairing(s.name(), a.name(), b.name(), List.of()).key());
            if (p == null) {
              long t0 = System.nanoTime();
              p = a.remote() == null && b.remote() == null
                  ? pairing(cfg, s, seed, a, brainSeed(cfg, i, si), b, brainSeed(cfg, j, si), replays, out)
                  : remotePairing(cfg, s, seed, a, brainSeed(cfg, i, si), b, brainSeed(cfg, j, si), remote);
              append(out.resolve(GAMES), p);
              played++;
              double elapsed = (System.nanoTime() - start) / 1e9;
              double eta = elapsed / played * (total - index);
              String what = p.forfeitedBy() != null ? "forfeited by " + p.forfeitedBy() + ": " + p.forfeit()
                  : (p.games().size() / 2) + " pairs of episodes";
              log.printf(Locale.ROOT, "tournament: %d/%d pairings  %s: %s vs %s, %s in %.1f s  (elapsed %s, ETA %s)%n",
                  index, total, s.name(), a.name(), b.name(), what, (System.nanoTime() - t0) / 1e9, minutes(elapsed),
                  minutes(eta));
            }
            all.add(p);
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while a remote brain played", e);
    }
    if (played < total) {
      log.printf(Locale.ROOT, "tournament: %d pairings were already played (resumed)%n", total - played);
    }
    return all;
  }

  private static String minutes(double s) {
    return s < 60 ? String.format(Locale.ROOT, "%.0f s", s) : String.format(Locale.ROOT, "%dm%02ds", (int) s / 60,
        (int) s % 60);
  }

  /** The opponent's name in a pairing against a scenario's background population. */
  public static final String BACKGROUND = "background";

  /**
   * Brain {@code f} in the scenario's first seats, the background brains in the others in turn
   * (seat order), from the scenario's seed: every brain meets the same background on the same
   * episode seeds. One game per episode; b's hearts are the background's per agent.
   */
  static Pairing focalPairing(TournamentConfig cfg, Scenario s, int si, long seed, List<Brain> brains, int f) {
    try (VectorEnv env = LocalVectorEnv.create(WorldRegistry.builtIn(), s.world(), s.worldConfig(), cfg.copies(),
        seed)) {
      SessionSpec spec = env.spec();
      int agents = env.agents();
      int[] first = s.firstSeats(agents);
      int[] owner = new int[agents];
      java.util.Arrays.fill(owner, -1);
      for (int a : first) {
        owner[a] = 0;
      }
      List<String> members = s.background();
      Map<String, Double> shares = new LinkedHashMap<>();
      int k = 0;
      for (int a = 0; a < agents; a++) {
        if (owner[a] < 0) {
          owner[a] = 1 + k % members.size();
          shares.merge(members.get(k % members.size()), 1.0 / (agents - first.length), Double::sum);
          k++;
        }
      }
      List<BatchPolicy> policies = new ArrayList<>();
      policies.add(brains.get(f).policy().apply(brainSeed(cfg, f, si)).apply(dev.kindred.agents.SeatPolicy
          .seatSpec(spec, dev.kindred.agents.SeatPolicy.seatsOf(owner, 0))));
      for (int q = 0; q < members.size(); q++) {
        int bi = index(brains, members.get(q));
        policies.add(brains.get(bi).policy().apply(brainSeed(cfg, bi, si) + 1 + q).apply(dev.kindred.agents.SeatPolicy
            .seatSpec(spec, dev.kindred.agents.SeatPolicy.seatsOf(owner, 1 + q))));
      }
      try {
        dev.kindred.agents.SeatPolicy router = new dev.kindred.agents.SeatPolicy(spec, owner, policies);
        List<Game> games = new ArrayList<>();
        int[] ordinal = new int[cfg.copies()];
        dev.kindred.agents.Evaluation.episodes(router, env, cfg.episodes(), seed, (e, actions) -> {
          double focal = 0;
          double rest = 0;
          for (int a = 0; a < agents; a++) {
            double v = HeadToHead.statOf(e, a, s.metric());
            if (owner[a] == 0) {
              focal += v;
            } else {
              rest += v;
            }
          }
          games.add(new Game(games.size(), "focal", e.copy(), ordinal[e.copy()]++, first, focal / first.length,
              rest / (agents - first.length)));
        });
        return new Pairing(s.name(), brains.get(f).name(), BACKGROUND, List.copyOf(games), null, null, shares);
      } finally {
        HeadToHead.closeAll(policies);
      }
    }
  }

  private static int index(List<Brain> brains, String name) {
    for (int i = 0; i < brains.size(); i++) {
      if (brains.get(i).name().equals(name)) {
        return i;
      }
    }
    throw new IllegalArgumentException("no brain '" + name + "'");
  }

  /** Both seatings of two brains in one scenario on the scenario's seed. */
  static Pairing pairing(TournamentConfig cfg, Scenario s, long seed, Brain a, long seedA, Brain b, long seedB) {
    return pairing(cfg, s, seed, a, seedA, b, seedB, null, null);
  }

  /** As above, recording the first games into {@code replays.dir()} when {@code replays} is given. */
  static Pairing pairing(TournamentConfig cfg, Scenario s, long seed, Brain a, long seedA, Brain b, long seedB,
      ReplayOptions replays, Path out) {
    Replays recorder = replays == null ? null : new Replays(replays.dir(), replays.sample(), "tournament");
    String label = s.name() + "-" + a.name() + "-vs-" + b.name();
    try (VectorEnv env = recorder != null ? recorder.open(s.world(), s.worldConfig(), cfg.copies(), seed)
        : LocalVectorEnv.create(WorldRegistry.builtIn(), s.world(), s.worldConfig(), cfg.copies(), seed)) {
      int[] first = s.firstSeats(env.agents());
      HeadToHead.Result r = HeadToHead.play(env, new HeadToHead.Brain(a.name(), a.policy().apply(seedA)),
          new HeadToHead.Brain(b.name(), b.policy().apply(seedB)), first, cfg.episodes(), seed, s.metric(), null,
          (game, owner) -> {
            if (recorder != null) {
              recorder.brain(label + "-" + (game == 0 ? "A" : "B"), List.of(
                  new Seat(a.name(), SeatPolicy.seatsOf(owner, 0), identity(a)),
                  new Seat(b.name(), SeatPolicy.seatsOf(owner, 1), identity(b))));
            }
          });
      if (recorder != null) {
        recorder.finish();
      }
      List<Game> games = new ArrayList<>();
      for (int i = 0; i < r.pairs(); i++) {
        int[] ep = r.episodes()[i];
        games.add(new Game(i, "A", ep[0], ep[1], r.seats()[0], r.perCapita()[i][0][0], r.perCapita()[i][0][1],
            replayOf(recorder, out, label + "-A", ep[0], ep[1])));
        games.add(new Game(i, "B", ep[0], ep[1], r.seats()[1], r.perCapita()[i][1][0], r.perCapita()[i][1][1],
            replayOf(recorder, out, label + "-B", ep[0], ep[1])));
      }
      return new Pairing(s.name(), a.name(), b.name(), List.copyOf(games));
    }
  }

  /** A brain's identity in a replay header: checkpoint by parameters SHA-256, remote by command, else built in. */
  static Seat.Brain identity(Brain b) {
    return switch (b.kind()) {
      case "checkpoint" -> Seat.Brain.checkpoint(b.name(), (String) b.provenance().get("parameters_sha256"));
      case "remote" -> Seat.Brain.remote(b.name(), String.valueOf(b.provenance().get("command")), null);
      default -> new Seat.Brain("builtin", b.name() + " (" + b.kind() + ")", null, "java", null);
    };
  }

  /** The game's replay file relative to the results directory ('/'-separated), or null. */
  private static String replayOf(Replays recorder, Path out, String label, int copy, int episode) {
    if (recorder == null) {
      return null;
    }
    Path file = recorder.file(label, copy, episode);
    if (file == null) {
      return null;
    }
    return out.toAbsolutePath().normalize().relativize(file.toAbsolutePath().normalize()).toString()
        .replace(java.io.File.separatorChar, '/');
  }

  /**
   * Both seatings of a local and a remote brain, each as a match on the in-JVM server from the
   * scenario's seed: the same episodes as in process.
   */
  static Pairing remotePairing(TournamentConfig cfg, Scenario s, long seed, Brain a, long seedA, Brain b, long seedB,
      RemoteGames games) throws IOException, InterruptedException {
    int agents;
    try (VectorEnv probe = LocalVectorEnv.create(WorldRegistry.builtIn(), s.world(), s.worldConfig(), 1, seed)) {
      agents = probe.agents();
    }
    int[] first = s.firstSeats(agents);
    int[] second = complement(agents, first);
    boolean aLocal = a.remote() == null;
    Brain local = aLocal ? a : b;
    Brain remote = aLocal ? b : a;
    Function<SessionSpec, BatchPolicy> policy = local.policy().apply(aLocal ? seedA : seedB);
    List<Map<Long, double[]>> byGame = new ArrayList<>();
    int[][] seatsOfA = {first, second};
    for (int g = 0; g < 2; g++) {
      int[] localSeats = aLocal ? seatsOfA[g] : complement(agents, seatsOfA[g]);
      RemoteGames.Outcome o = games.game(s, cfg.copies(), seed, agents, localSeats, policy, remote.name(),
          remote.remote(), cfg.episodes(), s.name() + "-" + (g == 0 ? "A" : "B"));
      if (o.forfeit() != null) {
        return new Pairing(s.name(), a.name(), b.name(), List.of(), remote.name(), o.forfeit());
      }
      byGame.add(o.episodes());
    }
    List<Long> keys = new ArrayList<>(byGame.get(0).keySet());
    keys.retainAll(byGame.get(1).keySet());
    keys.sort(null);
    List<Game> list = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      long k = keys.get(i);
      for (int g = 0; g < 2; g++) {
        double[] lr = byGame.get(g).get(k); // {local, remote}
        double ha = aLocal ? lr[0] : lr[1];
        double hb = aLocal ? lr[1] : lr[0];
        list.add(new Game(i, g == 0 ? "A" : "B", (int) (k >>> 32), (int) k, seatsOfA[g], ha, hb));
      }
    }
    return new Pairing(s.name(), a.name(), b.name(), List.copyOf(list));
  }

  /** The agents of {@code 0..agents-1} not in {@code seats}, in order. */
  static int[] complement(int agents, int[] seats) {
    boolean[] taken = new boolean[agents];
    for (int x : seats) {
      taken[x] = true;
    }
    int[] out = new int[agents - seats.length];
    int k = 0;
    for (int x = 0; x < agents; x++) {
      if (!taken[x]) {
        out[k++] = x;
      }
    }
    return out;
  }

  /**
   * The pairings already played in {@code out}, after checking that they were played with this
   * very configuration; creates {@code out} for a new run.
   */
  private static Map<String, Pairing> prepare(TournamentConfig cfg, Path out, boolean resume) throws IOException {
    Map<String, Pairing> done = new LinkedHashMap<>();
    String config = GSON.toJson(cfg.raw());
    if (Files.exists(out)) {
      checkOut(out, resume);
      Path c = out.resolve(CONFIG);
      if (!Files.exists(c)) {
        throw new IllegalArgumentException("--resume: " + out + " holds no tournament (no " + CONFIG + ")");
      }
      if (!Files.readString(c, StandardCharsets.UTF_8).equals(config)) {
        throw new IllegalArgumentException("--resume: " + out + " was played with another configuration (see " + c
            + "); resume it with that one, or choose another --out");
      }
      Path g = out.resolve(GAMES);
      if (Files.exists(g)) {
        for (String line : Files.readAllLines(g, StandardCharsets.UTF_8)) {
          if (!line.isBlank()) {
            Pairing p = GSON.fromJson(line, Pairing.class);
            done.put(p.key(), p);
          }
        }
      }
      return done;
    }
    Files.createDirectories(out);
    Files.writeString(out.resolve(CONFIG), config, StandardCharsets.UTF_8);
    return done;
  }

  /** Refuses an existing results directory unless resuming (before anything is trained or played). */
  public static void checkOut(Path out, boolean resume) {
    if (Files.exists(out) && !resume) {
      throw new IllegalArgumentException("the results directory " + out + " already exists; choose another --out, "
          + "delete it, or add --resume to finish its run (finished pairings are skipped)");
    }
  }

  private static void append(Path file, Pairing p) throws IOException {
    Files.writeString(file, GSON.toJson(p) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }

  /** The pairings of a games.jsonl file, in order. */
  static List<Pairing> readGames(Path file) throws IOException {
    List<Pairing> out = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (!line.isBlank()) {
        out.add(GSON.fromJson(line, new TypeToken<Pairing>() {}.getType()));
      }
    }
    return out;
  }
}
