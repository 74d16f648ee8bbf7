package dev.kindred.agents.cli;

import dev.kindred.agents.ActionTally;
import dev.kindred.agents.ActiveInferenceSpinPolicy;
import dev.kindred.agents.BatchPolicy;
import dev.kindred.agents.Evaluation;
import dev.kindred.agents.HeadToHead;
import dev.kindred.agents.RandomPolicy;
import dev.kindred.agents.Replays;
import dev.kindred.agents.ScriptedForager;
import dev.kindred.agents.SeatPolicy;
import dev.kindred.agents.nn.ActorCritic;
import dev.kindred.agents.ppo.Checkpoint;
import dev.kindred.agents.ppo.TrainConfig;
import dev.kindred.agents.report.SpinRulePlot;
import dev.kindred.agents.suite.Brain;
import dev.kindred.agents.suite.Scorecard;
import dev.kindred.agents.suite.ScorecardPlot;
import dev.kindred.agents.suite.Suite;
import dev.kindred.agents.suite.TestFile;
import dev.kindred.bench.JsonLines;
import dev.kindred.cli.support.Cli;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.StatSpec;
import dev.kindred.env.StepBatch;
import dev.kindred.env.TensorSpec;
import dev.kindred.env.VectorEnv;
import dev.kindred.replay.ReplaySink;
import dev.kindred.replay.Seat;
import dev.kindred.stats.SampleStats;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code kindred evaluate}: a checkpoint against baselines, on its own world or on any world
 * whose observations and actions match its own ({@link Checkpoint#checkCompatible}; the number
 * of agents may differ). Energy worlds: hearts per agent-episode, mean ± 95% interval over at
 * least {@code --episodes} episodes, for the checkpoint, a random policy and the scripted
 * forager, each with its actions by kind (attempts per agent-episode, fraction that succeeded);
 * or, with {@code --versus}, a head-to-head by seats with the seats swapped on the same seeds
 * ({@link HeadToHead}). Spin worlds: reward per step against random and the active-inference
 * spin, and the learned P(up | neighbours) against σ(2(ζ + γΣσ)) over every neighbour
 * configuration (distance printed, PNG with both curves). {@code --json}: one JSON object per
 * row instead of the tables. Deterministic for a seed.
 */
@Command(name = "evaluate",
    description = {
        "Evaluate a checkpoint against random and scripted baselines, head-to-head against another brain, or "
            + "brains on a suite of behavioural tests.",
        "",
        "Energy worlds: hearts per agent-episode (mean and 95%% interval over episodes) for the checkpoint, a random "
            + "policy and the scripted forager, on the same seeds, with each one's actions per agent-episode by kind "
            + "and the fraction of them that succeeded. With --versus: the checkpoint in some seats and the other "
            + "brain in the rest, then the seats swapped on the same seeds; hearts per agent-episode of each brain "
            + "(95%% interval over the pairs of episodes), their paired difference, and wins, draws and losses by "
            + "hearts per agent. Spin worlds: reward per step against random and the active-inference spin, and the "
            + "learned P(up | neighbours) against the active-inference rule (spin_rule.png in the run directory).",
        "",
        "--world / --world-config evaluate on another world than the checkpoint's, e.g. the behavioural rooms "
            + "energy.alone and energy.altar_only for a policy trained on energy.room: its observations and actions "
            + "must match the checkpoint's (the error names the first difference); the number of agents may differ.",
        "",
        "--suite NAME: a behavioural suite, a folder of test files (agents/suites/NAME, or a path), each a world with "
            + "an ASCII map, the seats the brain under test plays, who plays the others (a built-in brain or a "
            + "script) and the metrics to report (kinds: stat, cells_visited, first_step, fraction_of_steps, ratio; "
            + "see agents/README.md). Every brain (--checkpoint DIR, repeatable, and --brain NAME; without --brain "
            + "the baselines random and scripted_forager are added) plays every test from the same seed. Prints a "
            + "scorecard, brain x test, each metric's mean and 95%% interval over episodes (Student t), or --json "
            + "rows with the suite, each test file's SHA-256, the seeds, the code version and the checkpoints' "
            + "parameters SHA-256; draws it as a PNG heat map (--png). A checkpoint that does not fit a test's world "
            + "is reported as such, with the reason."})
final class EvaluateCommand implements Callable<Integer> {

  @Option(names = "--checkpoint", paramLabel = "DIR",
      description = "run directory written by kindred train (required, except with --suite, where it may be repeated "
          + "or left out for --brain)")
  List<Path> checkpoints = new ArrayList<>();

  /** The checkpoint of the modes that evaluate one. */
  Path dir;

  @Option(names = "--suite", paramLabel = "NAME",
      description = "a behavioural suite: a folder under agents/suites (e.g. basic) or the path of a folder of test files")
  String suite;

  @Option(names = "--test", paramLabel = "NAME", split = ",",
      description = "with --suite: only these tests (file names without .json), in this order")
  List<String> tests;

  @Option(names = "--brain", paramLabel = "NAME", split = ",",
      description = "with --suite: a built-in brain to score beside the checkpoints: random, scripted_forager, noop "
          + "(repeatable; default random and scripted_forager)")
  List<String> brains;

  @Option(names = "--png", paramLabel = "FILE",
      description = "with --suite: where to draw the scorecard (default DIR/suite-NAME.png of the first checkpoint, "
          + "else runs/suite-NAME.png)")
  Path png;

  @Spec
  CommandSpec commandSpec;

  @Option(names = "--world", paramLabel = "ID",
      description = "world to evaluate on (default: the checkpoint's), e.g. energy.alone, energy.altar_only")
  String world;

  @Option(names = "--world-config", paramLabel = "JSON",
      description = "its configuration as JSON, a file or inline (default: the checkpoint's own on the checkpoint's "
          + "world, the world's defaults on another)")
  String worldConfig;

  @Option(names = "--episodes", paramLabel = "N",
      description = "evaluation episodes per policy, per game with --versus (default ${DEFAULT-VALUE}; energy worlds); "
          + "with --suite, per test (default: each test file's episodes)")
  int episodes = 100;

  @Option(names = "--steps", paramLabel = "N", description = "steps per copy (spin worlds; default ${DEFAULT-VALUE})")
  int steps = 1000;

  @Option(names = "--copies", paramLabel = "N", description = "copies of the world stepped together (default ${DEFAULT-VALUE})")
  int copies = 16;

  @Option(names = "--seed", paramLabel = "S", description = "seed of the world and the policies (default ${DEFAULT-VALUE})")
  long seed = 1_000_003;

  @Mixin
  ServerOption server = new ServerOption();

  @Option(names = "--greedy", description = "take the policy's most probable actions instead of sampling")
  boolean greedy;

  @Option(names = "--versus", paramLabel = "BRAIN",
      description = "head-to-head instead of the baseline table: scripted_forager, random, or another checkpoint's "
          + "run directory, in the seats the checkpoint does not hold (a world with at least 2 agents)")
  String versus;

  @Option(names = "--seats", paramLabel = "LIST", split = ",",
      description = "with --versus: the checkpoint's seats (agent indices) in the first game, e.g. 0,2 (default: the "
          + "first half, 0 .. agents/2 - 1); the second game swaps them")
  int[] seats;

  @Option(names = "--json", description = "one JSON object per row instead of the tables (progress still on stderr)")
  boolean json;

  @Option(names = "--replays", paramLabel = "DIR",
      description = "also write replay files (docs/replay-format.md) of the first --replay-episodes episodes of each "
          + "brain (each game with --versus) into DIR, named <brain>-c<copy>-e<episode>.replay.jsonl.gz; in process "
          + "only (not with --server or --suite). Inspect with ./kindred replay info|verify FILE")
  Path replays;

  @Option(names = "--replay-episodes", paramLabel = "K",
      description = "with --replays: episodes recorded per brain (per game with --versus), the first K started "
          + "(default ${DEFAULT-VALUE})")
  int replayEpisodes = 4;

  /** The recorder of --replays, or null. */
  private Replays recorder;

  /** Each row's identification: where it was measured, with what. */
  private final Map<String, Object> context = new LinkedHashMap<>();

  @Override
  public Integer call() throws IOException {
    Cli.positive("--episodes", episodes);
    Cli.positive("--steps", steps);
    Cli.positive("--copies", copies);
    if (suite != null) {
      if (replays != null) {
        throw new IllegalArgumentException("--replays goes with the baseline table and --versus, not with --suite");
      }
      return suite();
    }
    if (brains != null || tests != null || png != null) {
      throw new IllegalArgumentException("--brain, --test and --png go with --suite NAME (a behavioural suite)");
    }
    if (checkpoints.size() != 1) {
      throw new IllegalArgumentException(checkpoints.isEmpty()
          ? "--checkpoint DIR is required (or --suite NAME with --brain NAME for built-in brains)"
          : "give one --checkpoint (several go with --suite NAME)");
    }
    dir = checkpoints.get(0);
    if (replays != null && server.address != null) {
      throw new IllegalArgumentException("--replays records the world in this process; drop --server");
    }
    if (seats != null && versus == null) {
      throw new IllegalArgumentException("--seats applies to a head-to-head; add --versus BRAIN");
    }
    Checkpoint ck = Checkpoint.read(dir);
    TrainConfig cfg = new TrainConfig().apply(ck.config());
    String worldId = world != null ? world : cfg.world;
    Map<String, Object> worldCfg = worldConfig != null ? TrainConfig.readJson(worldConfig)
        : worldId.equals(cfg.world) ? cfg.worldConfig : Map.of();
    if (replays != null) {
      recorder = new Replays(replays, replayEpisodes, "evaluate");
    }
    try (VectorEnv env = recorder != null ? recorder.open(worldId, worldCfg, copies, seed)
        : server.open(worldId, worldCfg, copies, seed)) {
      SessionSpec spec = env.spec();
      ck.checkCompatible(spec);
      String sha = Checkpoint.sha256(ck.parameters());
      checkpointBrain = Seat.Brain.checkpoint(dir.toString(), sha);
      context.put("world", spec.worldId());
      context.put("agents", spec.agents());
      context.put("checkpoint", dir.toString());
      context.put("parameters_sha256", sha);
      context.put("code_version", ck.codeVersion());
      context.put("checkpoint_steps", ck.steps());
      context.put("evaluator_code_version", Checkpoint.currentCodeVersion());
      context.put("seed", seed);
      context.put("greedy", greedy);
      int[] first = null;
      HeadToHead.Brain other = null;
      if (versus != null) {
        first = headToHeadSeats(spec);
        other = brain(versus, spec);
      }
      if (!json) {
        // Which parameters are evaluated: two runs that print the same figures must show why.
        System.out.printf(Locale.ROOT, "checkpoint %s: %d steps, %d updates, parameters sha256 %s, code %s%n", dir,
            ck.steps(), ck.updates(), sha.substring(0, 16), ck.codeVersion());
      }
      if (versus != null) {
        headToHead(ck, env, first, other);
      } else if (spec.hasObservation("grid") || spec.hasObservation("tokens")) { // the energy world, either window
        List<Map<String, Object>> rows = new ArrayList<>();
        try (ActorCritic policy = ck.policy(spec, seed)) {
          policy.greedy(greedy);
          record("checkpoint", checkpointBrain, spec);
          rows.add(hearts("checkpoint", policy, env, episodes, seed));
        }
        record("random", Seat.Brain.builtin("random"), spec);
        rows.add(hearts("random", new RandomPolicy(spec, seed), env, episodes, seed));
        record("scripted_forager", Seat.Brain.builtin("scripted_forager"), spec);
        rows.add(hearts("scripted_forager", new ScriptedForager(spec, seed), env, episodes, seed));
        print(rows, spec);
      } else if (spec.hasObservation("neighbour_spins")) {
        int degree = spec.observation("neighbour_spins").shape()[0];
        List<Map<String, Object>> rows = new ArrayList<>();
        try (ActorCritic policy = ck.policy(spec, seed)) {
          policy.greedy(greedy);
          record("checkpoint", checkpointBrain, spec);
          rows.add(rewardPerStep("checkpoint", policy, env, steps, seed));
        }
        record("random", Seat.Brain.builtin("random"), spec);
        rows.add(rewardPerStep("random", new RandomPolicy(spec, seed), env, steps, seed));
        record("active_inference", Seat.Brain.builtin("active_inference_spin"), spec);
        rows.add(rewardPerStep("active_inference", new ActiveInferenceSpinPolicy(degree, true, seed), env, steps, seed));
        print(rows, spec);
        try (ActorCritic one = ck.policy(SeatPolicy.seatSpec(spec, new int[] {0}), seed)) {
          Map<String, Object> row = spinCurve(one, env, dir.resolve("spin_rule.png"), json);
          if (json) {
            System.out.println(JsonLines.write(withContext(row)));
          }
        }
      } else {
        throw new IllegalArgumentException("evaluate knows energy worlds (grid) and spin worlds (neighbour_spins); "
            + spec.worldId() + " is neither");
      }
      if (recorder != null) {
        recorder.finish();
        Map<ReplaySink.Episode, Path> files = recorder.written();
        System.err.printf(Locale.ROOT, "evaluate: wrote %d replay files into %s (./kindred replay info FILE)%n",
            files.size(), recorder.directory());
      }
    }
    return 0;
  }

  /** The identities of the checkpoint evaluated and of the --versus brain, for replay headers. */
  private Seat.Brain checkpointBrain;
  private Seat.Brain versusBrain;

  /** With --replays: the next episodes are played by {@code brain} in every seat. */
  private void record(String label, Seat.Brain brain, SessionSpec spec) {
    if (recorder != null) {
      recorder.brain(label, List.of(Seat.all(spec.agents(), brain)));
    }
  }

  /**
   * {@code --suite}: every brain on every selected test of the suite; the scorecard as a table or
   * JSON rows, and as a PNG.
   */
  private int suite() throws IOException {
    if (versus != null || seats != null || world != null || worldConfig != null) {
      throw new IllegalArgumentException("--versus, --seats, --world and --world-config do not go with --suite: each "
          + "test file sets its world, its seats and who plays them");
    }
    Suite s = Suite.load(suite, Suite.ROOT);
    List<TestFile> selected = s.select(tests);
    List<Brain> columns = new ArrayList<>();
    for (String name : brains != null ? brains : List.of("random", "scripted_forager")) {
      columns.add(Brain.builtIn(name));
    }
    for (Path c : checkpoints) {
      columns.add(Brain.checkpoint(c, greedy));
    }
    java.util.Set<String> names = new java.util.HashSet<>();
    for (Brain b : columns) {
      if (!names.add(b.name())) {
        throw new IllegalArgumentException("brain " + b.name() + " is given twice");
      }
    }
    boolean explicitEpisodes = commandSpec.commandLine().getParseResult().hasMatchedOption("--episodes");
    Scorecard card = Scorecard.evaluate(s, selected, columns, server::open, explicitEpisodes ? episodes : 0, copies,
        seed, System.err, 10);
    Path out = png != null ? png
        : checkpoints.isEmpty() ? Path.of("runs", "suite-" + s.name() + ".png")
        : checkpoints.get(0).resolve("suite-" + s.name() + ".png");
    ScorecardPlot.write(card, out);
    if (json) {
      for (Map<String, Object> row : card.rows()) {
        System.out.println(JsonLines.write(row));
      }
      System.err.println("evaluate: scorecard drawn in " + out);
    } else {
      System.out.print(card.table());
      System.out.println("scorecard: " + out);
    }
    return 0;
  }

  /** Progress on stderr, at most every 10 s, so that long evaluations show they are moving. */
  private static final class Progress implements Evaluation.EpisodeListener {
    private final String what;
    private final int target;
    private final long start = System.nanoTime();
    private long last = start;
    private int done;

    Progress(String what, int target) {
      this.what = what;
      this.target = target;
    }

    @Override
    public void ended(dev.kindred.env.EpisodeSummary episode, Evaluation.EpisodeActions actions) {
      done++;
      long now = System.nanoTime();
      if (now - last > 10_000_000_000L) {
        last = now;
        System.err.printf(Locale.ROOT, "evaluate: %s: %d of %d episodes, %.0f s%n", what, Math.min(done, target),
            target, (now - start) / 1e9);
      }
    }
  }

  /**
   * Hearts per agent-episode over at least {@code episodes} completed episodes, with the
   * actions the policy took in them ({@link ActionTally}, field {@code actions}).
   */
  static Map<String, Object> hearts(String name, BatchPolicy policy, VectorEnv env, int episodes, long seed) {
    List<Double> perEpisode = new ArrayList<>();
    List<Double> returns = new ArrayList<>();
    ActionTally tally = new ActionTally(env.spec());
    Progress progress = new Progress(name, episodes);
    Evaluation.episodes(policy, env, episodes, seed, (e, actions) -> {
      double h = 0;
      double ret = 0;
      for (int a = 0; a < e.returns().length; a++) {
        Double v = e.agentStats().get(a).get("hearts");
        h += v == null ? 0 : v;
        ret += e.returns()[a];
        tally.add(actions, a);
      }
      perEpisode.add(h / e.returns().length);
      returns.add(ret / e.returns().length);
      progress.ended(e, actions);
    });
    double[] hs = perEpisode.stream().mapToDouble(Double::doubleValue).toArray();
    double[] rs = returns.stream().mapToDouble(Double::doubleValue).toArray();
    Map<String, Object> row = row(name, "hearts_per_agent_episode", hs);
    row.put("episodes", hs.length);
    row.put("mean_return", SampleStats.mean(rs));
    row.put("actions", tally);
    return row;
  }

  /** Reward per agent-step; the interval from per-copy means. */
  static Map<String, Object> rewardPerStep(String name, BatchPolicy policy, VectorEnv env, int steps, long seed) {
    double[] sums = Evaluation.rewardPerAgentStep(policy, env, steps, seed);
    Map<String, Object> row = row(name, "reward_per_agent_step", sums);
    row.put("copies", sums.length);
    row.put("steps_per_copy", steps);
    return row;
  }

  /** A row of the table: the policy's mean of the metric over independent samples, with its 95% interval. */
  private static Map<String, Object> row(String policy, String metric, double[] samples) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("policy", policy);
    row.put("metric", metric);
    row.put("mean", SampleStats.mean(samples));
    row.put("ci95", SampleStats.ci95(samples));
    return row;
  }

  /**
   * The head-to-head of {@code --versus}: the checkpoint in {@code --seats} (default the first
   * half) and the other brain in the rest, then swapped, on the same seeds.
   */
  private void headToHead(Checkpoint ck, VectorEnv env, int[] first, HeadToHead.Brain other) {
    SessionSpec spec = env.spec();
    int agents = spec.agents();
    HeadToHead.Brain mine = new HeadToHead.Brain("checkpoint", s -> ck.policy(s, seed).greedy(greedy));
    HeadToHead.Result r = HeadToHead.play(env, mine, other, first, episodes, seed, "hearts",
        new Progress("head-to-head", 2 * episodes), (game, owner) -> {
          if (recorder != null) {
            Seat.Brain[] ids = {checkpointBrain, versusBrain};
            String[] names = {"checkpoint", other.name()};
            List<Seat> seatList = new ArrayList<>();
            for (int k = 0; k < 2; k++) {
              seatList.add(new Seat(names[k], SeatPolicy.seatsOf(owner, k), ids[k]));
            }
            recorder.brain("versus-" + (game == 0 ? "A" : "B"), seatList);
          }
        });
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int k = 0; k < 2; k++) {
      Map<String, Object> row = row(r.names().get(k), "head_to_head_hearts_per_agent_episode", r.hearts()[k]);
      row.put("versus", r.names().get(1 - k));
      row.put("pairs", r.pairs());
      row.put("episodes", r.games());
      row.put("seats", r.seats()[k]);
      row.put("wins", r.wins()[k]);
      row.put("draws", r.draws());
      row.put("losses", r.losses(k));
      row.put("actions", r.actions()[k]);
      rows.add(row);
    }
    Map<String, Object> diff = row(r.names().get(0), "head_to_head_hearts_difference", r.difference());
    diff.put("versus", r.names().get(1));
    diff.put("pairs", r.pairs());
    diff.put("episodes", r.games());
    rows.add(diff);
    if (json) {
      for (Map<String, Object> row : rows) {
        System.out.println(JsonLines.write(withContext(row)));
      }
      return;
    }
    System.out.printf(Locale.ROOT, "head-to-head on %s (%s per copy): checkpoint in seats %s and %s in %s, "
        + "then swapped; %d pairs of episodes on the same seeds%n", spec.worldId(), agents(agents),
        java.util.Arrays.toString(r.seats()[0]), r.names().get(1), java.util.Arrays.toString(r.seats()[1]), r.pairs());
    System.out.printf(Locale.ROOT, "  %-22s %14s %10s %7s %7s %7s%n", "brain", "hearts/agent-ep", "±95%", "wins",
        "draws", "losses");
    for (int k = 0; k < 2; k++) {
      System.out.printf(Locale.ROOT, "  %-22s %14.4f %10.4f %7d %7d %7d%n", r.names().get(k), r.mean(k), r.ci95(k),
          r.wins()[k], r.draws(), r.losses(k));
    }
    System.out.printf(Locale.ROOT, "  %-22s %14.4f %10.4f   (checkpoint minus %s, paired over the swapped seeds)%n",
        "difference", SampleStats.mean(r.difference()), SampleStats.ci95(r.difference()), r.names().get(1));
    System.out.println("  wins, draws, losses: episodes of both games by hearts per agent of each brain's seats");
    printActions(rows.subList(0, 2));
  }

  /** The checkpoint's seats in the first game of {@code --versus}, checked against the world. */
  private int[] headToHeadSeats(SessionSpec spec) {
    int agents = spec.agents();
    if (agents < 2) {
      throw new IllegalArgumentException("--versus needs a world with at least 2 agents per copy; " + spec.worldId()
          + " has " + agents + " (choose another --world, or set agents in --world-config)");
    }
    if (spec.world().agentStats().stream().map(StatSpec::name).noneMatch("hearts"::equals)) {
      throw new IllegalArgumentException("--versus compares hearts per agent-episode; " + spec.worldId()
          + " reports no hearts (an energy world does)");
    }
    if (seats == null) {
      int[] half = new int[agents / 2];
      for (int a = 0; a < half.length; a++) {
        half[a] = a;
      }
      return half;
    }
    java.util.BitSet seen = new java.util.BitSet();
    for (int s : seats) {
      if (s < 0 || s >= agents) {
        throw new IllegalArgumentException("--seats: " + s + " is not a seat of " + spec.worldId() + " (its agents are 0.."
            + (agents - 1) + ")");
      }
      if (seen.get(s)) {
        throw new IllegalArgumentException("--seats: seat " + s + " is listed twice");
      }
      seen.set(s);
    }
    if (seats.length == 0 || seats.length == agents) {
      throw new IllegalArgumentException("--seats must leave seats to both brains: list 1 to " + (agents - 1)
          + " of the " + agents + " seats (0.." + (agents - 1) + ")");
    }
    return seats.clone();
  }

  /** The brain of {@code --versus}: a baseline by name, or another checkpoint by its run directory. */
  private HeadToHead.Brain brain(String name, SessionSpec spec) {
    long other = seed + 1; // its own sampling stream
    switch (name) {
      case "scripted_forager":
        versusBrain = Seat.Brain.builtin(name);
        return new HeadToHead.Brain(name, s -> new ScriptedForager(s, other));
      case "random":
        versusBrain = Seat.Brain.builtin(name);
        return new HeadToHead.Brain(name, s -> new RandomPolicy(s, other));
      default:
        Path p = Path.of(name);
        if (!Files.isDirectory(p)) {
          throw new IllegalArgumentException("--versus " + name + ": expected scripted_forager, random, or a run "
              + "directory written by kindred train");
        }
        Checkpoint ck = Checkpoint.read(p);
        try {
          ck.checkCompatible(spec);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("--versus " + name + ": " + e.getMessage(), e);
        }
        context.put("versus_parameters_sha256", Checkpoint.sha256(ck.parameters()));
        versusBrain = Seat.Brain.checkpoint(name, Checkpoint.sha256(ck.parameters()));
        context.put("versus_code_version", ck.codeVersion());
        return new HeadToHead.Brain(name, s -> ck.policy(s, other).greedy(greedy));
    }
  }

  /** {@code row} with the evaluation's context, the action tally as JSON fields. */
  private Map<String, Object> withContext(Map<String, Object> row) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("policy", row.get("policy"));
    out.put("world", context.get("world"));
    for (Map.Entry<String, Object> e : row.entrySet()) {
      out.put(e.getKey(), e.getValue() instanceof ActionTally t ? t.fields() : e.getValue());
    }
    for (Map.Entry<String, Object> e : context.entrySet()) {
      out.putIfAbsent(e.getKey(), e.getValue());
    }
    return out;
  }

  /**
   * P(up | neighbours) of the policy over every configuration of the neighbours of agent 0,
   * with the precisions it observes in the world, against the active-inference posterior.
   * {@code policy} acts for one agent ({@link SeatPolicy#seatSpec} of seat 0). Prints the curve
   * unless {@code json}; returns the distance as a row.
   */
  static Map<String, Object> spinCurve(ActorCritic policy, VectorEnv env, Path png, boolean json) throws IOException {
    SessionSpec spec = env.spec();
    StepBatch real = env.reset(7);
    int degree = spec.observation("neighbour_spins").shape()[0];
    ByteBuffer mask = real.observation("neighbour_mask");
    int present = 0;
    for (int j = 0; j < degree; j++) {
      present += mask.get(j) != 0 ? 1 : 0;
    }
    int configs = 1 << present;
    List<TensorSpec> observations = spec.observations();
    int n = observations.size();
    // One copy per configuration, one agent: agent 0's observation with its neighbours replaced.
    StepBatch b = new StepBatch(configs, 1, observations, false);
    for (int i = 0; i < n; i++) {
      int block = observations.get(i).copyBytes(1);
      for (int c = 0; c < configs; c++) {
        for (int k = 0; k < block; k++) {
          b.observation(i).put(c * block + k, real.observation(i).get(k));
        }
      }
    }
    int si = b.observationIndex("neighbour_spins");
    ByteBuffer prec = real.observation("neighbour_precisions");
    float prior = real.observation("prior_precision").getFloat(0);
    double[] sum = new double[configs];
    double[] target = new double[configs];
    for (int c = 0; c < configs; c++) {
      int bit = 0;
      double field = prior;
      for (int j = 0; j < degree; j++) {
        byte s = 0;
        if (mask.get(j) != 0) {
          s = (byte) (((c >> bit++) & 1) == 1 ? 1 : -1);
          field += prec.getFloat(4 * j) * s;
        }
        b.observation(si).put(c * degree + j, s);
        sum[c] += s;
      }
      target[c] = ActiveInferenceSpinPolicy.posteriorUp(field);
    }
    float[] vec = new float[configs * policy.encoder().vectorSize()];
    float[] grid = new float[0];
    policy.encoder().encode(b, vec, 0, grid, 0);
    float[] logits = new float[configs * policy.logitCount()];
    float[] values = new float[configs];
    policy.forward(vec, 0, grid, 0, configs, logits, values);
    double[] up = new double[configs];
    double maxDist = 0;
    double meanDist = 0;
    for (int c = 0; c < configs; c++) {
      double l0 = logits[c * 2];
      double l1 = logits[c * 2 + 1];
      up[c] = 1 / (1 + Math.exp(l0 - l1));
      double d = Math.abs(up[c] - target[c]);
      maxDist = Math.max(maxDist, d);
      meanDist += d / configs;
    }
    // Curves against the neighbours' spin sum (configurations with equal sums averaged).
    int levels = present + 1;
    double[] xs = new double[levels];
    double[] learned = new double[levels];
    double[] rule = new double[levels];
    int[] count = new int[levels];
    for (int c = 0; c < configs; c++) {
      int k = (int) Math.round((sum[c] + present) / 2);
      learned[k] += up[c];
      rule[k] += target[c];
      count[k]++;
    }
    for (int k = 0; k < levels; k++) {
      xs[k] = 2 * k - present;
      learned[k] /= count[k];
      rule[k] /= count[k];
    }
    SpinRulePlot.write(png, xs, learned, rule);
    if (!json) {
      System.out.println();
      System.out.println("P(up | neighbours), agent 0 (precisions as observed: prior " + prior + ")");
      System.out.println("  sum of neighbour spins   learned   active inference σ(2(ζ+γΣσ))");
      for (int k = 0; k < levels; k++) {
        System.out.printf(Locale.ROOT, "  %22.0f   %7.4f   %7.4f%n", xs[k], learned[k], rule[k]);
      }
      System.out.printf(Locale.ROOT, "distance over all %d neighbour configurations: max |ΔP| = %.4f, mean |ΔP| = %.4f%n",
          configs, maxDist, meanDist);
      System.out.println("plot: " + png);
    }
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("policy", "checkpoint");
    row.put("metric", "spin_rule_distance");
    row.put("max_abs", maxDist);
    row.put("mean_abs", meanDist);
    row.put("configurations", configs);
    row.put("plot", png.toString());
    return row;
  }

  private void print(List<Map<String, Object>> rows, SessionSpec spec) {
    if (json) {
      for (Map<String, Object> r : rows) {
        System.out.println(JsonLines.write(withContext(r)));
      }
      return;
    }
    System.out.printf(Locale.ROOT, "evaluation of %s on %s (%s per copy, %d copies, seed %d)%n", dir,
        spec.worldId(), agents(spec.agents()), spec.copies(), seed);
    System.out.printf(Locale.ROOT, "  %-18s %-26s %12s %10s %8s%n", "policy", "metric", "mean", "±95%", "n");
    for (Map<String, Object> r : rows) {
      Object n = r.containsKey("episodes") ? r.get("episodes") : r.get("copies");
      System.out.printf(Locale.ROOT, "  %-18s %-26s %12.4f %10.4f %8s%n", r.get("policy"), r.get("metric"),
          (Double) r.get("mean"), (Double) r.get("ci95"), n);
    }
    printActions(rows);
  }

  private static String agents(int n) {
    return n == 1 ? "1 agent" : n + " agents";
  }

  /** The action tallies of the rows that have one: attempts per agent-episode (fraction that succeeded). */
  private static void printActions(List<Map<String, Object>> rows) {
    List<ActionTally> tallies = new ArrayList<>();
    List<Object> names = new ArrayList<>();
    for (Map<String, Object> r : rows) {
      if (r.get("actions") instanceof ActionTally t) {
        tallies.add(t);
        names.add(r.get("policy"));
      }
    }
    if (tallies.isEmpty()) {
      return;
    }
    System.out.println("actions per agent-episode (fraction that succeeded)");
    StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "  %-18s", "policy"));
    for (String a : tallies.get(0).names()) {
      head.append(String.format(Locale.ROOT, " %13s", a));
    }
    System.out.println(head);
    for (int i = 0; i < tallies.size(); i++) {
      ActionTally t = tallies.get(i);
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-18s", names.get(i)));
      for (int v = 0; v < t.names().size(); v++) {
        double f = t.successFraction(v);
        line.append(String.format(Locale.ROOT, " %6.1f (%4s)", t.attemptsPerAgentEpisode(v),
            Double.isNaN(f) ? "-" : String.format(Locale.ROOT, "%.2f", f)));
      }
      System.out.println(line);
    }
  }
}
