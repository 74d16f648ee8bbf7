package dev.kindred.agents.cli;

import dev.kindred.agents.tournament.Tournament;
import dev.kindred.agents.tournament.TournamentConfig;
import dev.kindred.agents.tournament.TournamentReport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kindred tournament}: every pair of brains in every scenario, on common random numbers,
 * rated from the same games three ways (Bradley–Terry with bootstrap intervals, Elo with Metta's
 * schedule, payoff matrices per scenario). See {@link Tournament} and {@link TournamentReport}.
 */
@Command(name = "tournament",
    description = {
        "Plays every pair of brains in every scenario and rates them.",
        "",
        "Each pairing of a scenario plays from the scenario's seed (the same maps for every pairing), and each pair of "
            + "episodes has the two brains in swapped seats on the same episode seed. A game is won by the brain "
            + "whose seats gathered more hearts per agent. Writes into --out: results.json (every game, the "
            + "configuration, seeds, code version, each brain's provenance, checkpoints by SHA-256), leaderboard.md, "
            + "leaderboard.html, ratings.png, payoff.png and scores.png. Finished pairings are appended to "
            + "games.jsonl as they end, so an interrupted run continues with --resume.",
        "",
        "Brains: random, scripted_forager, lazy_forager (p: does nothing with probability p), checkpoint (path; "
            + "with train: {config, steps, seed} it is trained first when the path is missing), active_inference_spin, "
            + "remote (command with {target} {session} {seat} {token}). Scenarios: duel, rich, poor, one_vs_three, "
            + "kin_teams, one_vs_ten, ten_vs_ten (\"default\": all), spin_pair (a spin lattice, by return) or objects "
            + "{name, world, world_config, layout: half | one_vs_rest | focal:K, tags, metric: hearts | return}."})
final class TournamentCommand implements Callable<Integer> {
  @Option(names = "--config", paramLabel = "FILE",
      description = "the tournament's configuration (default ${DEFAULT-VALUE})")
  Path config = Path.of("agents/configs/tournament.json");

  @Option(names = "--out", paramLabel = "DIR", description = "results directory (default runs/tournament-<name>)")
  Path out;

  @Option(names = "--replays", paramLabel = "DIR",
      description = "also write replay files (docs/replay-format.md) of the first --replay-sample pairs of episodes of "
          + "every in-process pairing, both seatings, into DIR (e.g. OUT/replays); results.json and leaderboard.html "
          + "link each recorded game to its file. Pairings with a remote brain or a background population are not "
          + "recorded")
  Path replays;

  @Option(names = "--replay-sample", paramLabel = "K",
      description = "with --replays: pairs of episodes recorded per pairing, the first K (default ${DEFAULT-VALUE}: "
          + "two games, the brains in both seatings)")
  int replaySample = 1;

  @Option(names = "--resume", description = "continue the run in --out (same configuration), skipping finished pairings")
  boolean resume;

  @Override
  public Integer call() throws Exception {
    if (!Files.isRegularFile(config)) {
      throw new IllegalArgumentException("--config: no file " + config + " (the default is "
          + "agents/configs/tournament.json, relative to the repository)");
    }
    TournamentConfig cfg = TournamentConfig.read(config);
    Path dir = out != null ? out : Path.of("runs", "tournament-" + cfg.name());
    Tournament.checkOut(dir, resume);
    trainMissing(cfg);
    List<Tournament.Brain> brains = Tournament.brains(cfg);
    Instant started = Instant.now();
    long t0 = System.nanoTime();
    int m = brains.size();
    System.err.printf("tournament %s: %d brains, %d scenarios, %d pairings of %d pairs of episodes (%d copies)%n",
        cfg.name(), m, cfg.scenarios().size(), cfg.scenarios().size() * m * (m - 1) / 2, cfg.episodes(), cfg.copies());
    if (replaySample < 1) {
      throw new IllegalArgumentException("--replay-sample must be at least 1; got " + replaySample);
    }
    List<Tournament.Pairing> pairings = Tournament.play(cfg, brains, dir, resume, System.err,
        replays == null ? null : new Tournament.ReplayOptions(replays, replaySample));
    TournamentReport.write(cfg, brains, pairings, dir, started, (System.nanoTime() - t0) / 1e9);
    System.out.print(Files.readString(dir.resolve("leaderboard.md"), StandardCharsets.UTF_8));
    System.out.println();
    System.out.println("wrote " + dir.resolve("results.json") + ", leaderboard.md, leaderboard.html, ratings.png, "
        + "payoff.png, scores.png");
    return 0;
  }

  /** Trains the checkpoint brains whose run directory is missing and that say how (train: {config, steps}). */
  @SuppressWarnings("unchecked")
  private static void trainMissing(TournamentConfig cfg) {
    for (TournamentConfig.BrainSpec b : cfg.brains()) {
      if (!b.kind().equals("checkpoint") || !(b.options().get("path") instanceof String path)
          || Files.isDirectory(Path.of(path)) || !(b.options().get("train") instanceof Map<?, ?> t)) {
        continue;
      }
      Map<String, Object> train = (Map<String, Object>) t;
      List<String> args = new ArrayList<>(List.of("--config", String.valueOf(train.get("config")), "--out", path));
      if (train.get("steps") instanceof Number n) {
        args.addAll(List.of("--steps", String.valueOf(n.longValue())));
      }
      if (train.get("seed") instanceof Number n) {
        args.addAll(List.of("--seed", String.valueOf(n.longValue())));
      }
      System.err.println("tournament: training brain '" + b.name() + "' into " + path + " (" + String.join(" ", args)
          + "); done once, then reused");
      int code = new CommandLine(new TrainCommand()).execute(args.toArray(new String[0]));
      if (code != 0) {
        throw new IllegalStateException("training brain '" + b.name() + "' failed (exit " + code + "); see above");
      }
    }
  }
}
