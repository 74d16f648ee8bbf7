package dev.kindred.agents.cli;

import dev.kindred.agents.nn.ActorCritic;
import dev.kindred.agents.ppo.Checkpoint;
import dev.kindred.agents.ppo.PpoTrainer;
import dev.kindred.agents.ppo.TrainConfig;
import dev.kindred.agents.ppo.TrainingListener;
import dev.kindred.agents.report.LearningCurvePlot;
import dev.kindred.env.VectorEnv;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kindred train}: PPO with progress lines, checkpoints, resume and a learning curve. */
@Command(name = "train",
    description = {
        "Train a neural policy with PPO (in process, or against a server).",
        "",
        "Writes its run directory as it goes: checkpoint.json, policy-*.params, curve.csv and curve.png. "
            + "Configuration: the --config files in order, then the other flags (which override them all)."})
final class TrainCommand implements Callable<Integer> {

  static final String CSV_HEADER = "steps,seconds,steps_per_s,episodes,mean_return,hearts_per_episode,"
      + "reward_per_step,entropy,policy_loss,value_loss,approx_kl,clip_fraction,learning_rate,intrinsic_reward,"
      + "predictor_loss,skipped_minibatches,shaping_reward,"
      + "teacher_loss,teacher_agreement";

  @Option(names = "--config", paramLabel = "FILE|JSON",
      description = "training configuration: a JSON file, or inline JSON; keys as in agents/README.md (unknown keys "
          + "are errors). Repeatable: later ones override earlier ones; the other flags override them all.")
  List<String> configs = new ArrayList<>();

  @Option(names = "--world", paramLabel = "ID", description = "world id (spin.lattice, energy.alone, energy.room, ...)")
  String world;

  @Option(names = "--world-config", paramLabel = "JSON",
      description = "the world's configuration as JSON (replaces the config's world_config)")
  String worldConfig;

  @Option(names = "--copies", paramLabel = "N", description = "copies of the world stepped together")
  Integer copies;

  @Option(names = "--steps", paramLabel = "N", description = "total environment steps (copies x steps per copy)")
  Long steps;

  @Option(names = "--seed", paramLabel = "S", description = "seed of the world and the policy")
  Long seed;

  @Option(names = "--out", paramLabel = "DIR",
      description = "run directory: checkpoint.json, policy-*.params, curve.csv, curve.png (default runs/<world>)")
  String out;

  @Mixin
  ServerOption server = new ServerOption();

  @Option(names = "--resume",
      description = "continue the run in --out from its checkpoint (its configuration; flags may raise --steps)")
  boolean resume;

  @Option(names = "--init", paramLabel = "DIR",
      description = "start a new run from the parameters of the checkpoint in DIR (a curriculum stage, fine-tuning): "
          + "this run's configuration and world, a fresh optimiser, pool and step count; the network must be the "
          + "same and the world must offer the observations and action it was trained on")
  String init;

  @Option(names = "--quiet", description = "at most one progress line per 10 s (and the last), for logs; every "
      + "update still goes to curve.csv")
  boolean quiet;

  /** The configuration: a resumed run's, then the --config files in order, then the other flags. */
  TrainConfig config(Checkpoint resumed) {
    TrainConfig cfg = new TrainConfig();
    if (resumed != null) {
      cfg.apply(resumed.config());
    }
    for (String c : configs) {
      cfg.apply(TrainConfig.readJson(c));
    }
    Map<String, Object> flags = new LinkedHashMap<>();
    if (world != null) {
      flags.put("world", world);
    }
    if (worldConfig != null) {
      flags.put("world_config", TrainConfig.readJson(worldConfig));
    }
    if (copies != null) {
      flags.put("copies", copies);
    }
    if (steps != null) {
      flags.put("steps", steps);
    }
    if (seed != null) {
      flags.put("seed", seed);
    }
    return cfg.apply(flags);
  }

  @Override
  public Integer call() throws IOException {
    Checkpoint resume = null;
    if (this.resume) {
      if (this.out == null) {
        throw new IllegalArgumentException("--resume needs --out, the run directory to continue");
      }
      resume = Checkpoint.read(Path.of(this.out));
    }
    Checkpoint from = null;
    if (init != null) {
      if (this.resume) {
        throw new IllegalArgumentException("--init starts a new run from another run's parameters and --resume "
            + "continues this one: pass one of them");
      }
      from = Checkpoint.read(Path.of(init));
    }
    TrainConfig cfg = config(resume);
    if (from != null) {
      TrainConfig before = new TrainConfig().apply(from.config());
      if (!before.netShape().equals(cfg.netShape()) || !before.inputs.equals(cfg.inputs)) {
        throw new IllegalArgumentException("--init " + init + ": its network " + before.netShape() + " with inputs "
            + before.inputs + " is not this run's " + cfg.netShape() + " with inputs " + cfg.inputs
            + "; give this run the same hidden, conv_channels, image_encoder, init, front_cell, one_hot and inputs");
      }
      cfg.initFrom = init + " (parameters sha256 " + Checkpoint.sha256(from.parameters()) + ")";
    }
    Path out = Path.of(this.out != null ? this.out : "runs/" + cfg.world);
    if (resume == null && Files.exists(out.resolve(Checkpoint.METADATA))) {
      throw new IllegalArgumentException(out + " already holds a checkpoint; pass --resume to continue it, "
          + "or choose another --out");
    }
    // The trainer resets the world with its own episode seeds (checkpoints are episode boundaries).
    try (VectorEnv env = server.open(cfg.world, cfg.worldConfig, cfg.copies, cfg.seed);
        ActorCritic policy = resume != null ? resume.policy(env.spec(), cfg.seed)
            : from != null ? from.policy(env.spec(), cfg.seed) : cfg.newPolicy(env.spec(), cfg.seed)) {
      long steps0 = resume == null ? 0 : resume.steps();
      int updates0 = resume == null ? 0 : resume.updates();
      try (PpoTrainer trainer = new PpoTrainer(env, policy, cfg, steps0, updates0)) {
        if (resume != null && resume.trainerState() != null) {
          trainer.restoreState(new java.io.DataInputStream(new java.io.ByteArrayInputStream(resume.trainerState())));
        } else if (resume != null && resume.returnStatistics() != null) {
          trainer.setReturnStatistics(resume.returnStatistics());
        }
        Files.createDirectories(out);
        Path csv = out.resolve("curve.csv");
        if (!Files.exists(csv)) {
          Files.writeString(csv, CSV_HEADER + "\n");
        }
        System.out.printf(Locale.ROOT, "training %s on %s (%s), %d copies x %d agents, inputs %s, %s%n", out,
            cfg.world, server.address == null ? "in process" : "server " + server.address, env.copies(), env.agents(),
            policy.encoder().inputNames(), resume != null ? "resumed at step " + steps0
                : from != null ? "from the parameters of " + cfg.initFrom : "from scratch");
        long start = System.nanoTime();
        long startSteps = trainer.steps();
        Path dir = out; // for the listener: out is assigned more than once above
        long[] lastLine = {0};
        TrainingListener report = new TrainingListener() {
          @Override
          public void iteration(PpoTrainer.Iteration it) throws IOException {
            double elapsed = (System.nanoTime() - start) / 1e9;
            double sps = (it.steps() - startSteps) / elapsed;
            long now = System.nanoTime();
            if (!quiet || now - lastLine[0] >= QUIET_PERIOD_NANOS || it.steps() >= cfg.steps) {
              lastLine[0] = now;
              System.out.println(progress(it, sps, cfg.steps));
            }
            Files.writeString(csv, csvRow(it, elapsed, sps) + "\n", StandardOpenOption.APPEND);
          }

          @Override
          public void checkpoint(PpoTrainer t) throws IOException {
            java.io.ByteArrayOutputStream state = new java.io.ByteArrayOutputStream();
            try (java.io.DataOutputStream out = new java.io.DataOutputStream(state)) {
              t.saveState(out);
            }
            new Checkpoint(cfg.toMap(), cfg.seed, t.steps(), t.updates(), Checkpoint.currentCodeVersion(),
                env.spec(), t.returnStatistics(), policy.saveParameters(), state.toByteArray()).write(dir);
            LearningCurvePlot.write(csv, dir.resolve("curve.png"), cfg.world);
          }
        };
        try {
          trainer.train(report);
        } catch (dev.kindred.env.KindredException e) {
          if (server.address == null) {
            throw e;
          }
          boolean saved = Files.exists(out.resolve(Checkpoint.METADATA));
          throw new CommandFailure("the server at " + server.address + " stopped answering at step " + trainer.steps()
              + " (" + e.code() + ": " + e.getMessage() + "). Restart it (./kindred serve --port PORT) and "
              + (saved ? "continue from the last checkpoint with ./kindred train --out " + out + " --resume --server "
                  + server.address : "train again (no checkpoint was written yet)"), e);
        }
        System.out.printf(Locale.ROOT, "done: %d steps in %.1f s; checkpoint %s, curve %s%n", trainer.steps(),
            (System.nanoTime() - start) / 1e9, out.resolve(Checkpoint.METADATA), out.resolve("curve.png"));
      }
    }
    return 0;
  }

  /** With --quiet: at most one progress line per this period (and the last). */
  static final long QUIET_PERIOD_NANOS = 10_000_000_000L;

  /** One progress line; {@code total} the run's steps, for the time left at this rate. */
  static String progress(PpoTrainer.Iteration it, double sps, long total) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "steps %,10d  %,7.0f steps/s  ETA %s  reward/step %8.4f  episode reward %s",
        it.steps(), sps, eta(total - it.steps(), sps), it.rewardPerStep(), fmt(it.meanReturn())));
    if (!Double.isNaN(it.meanHearts())) {
      b.append("  hearts/episode ").append(fmt(it.meanHearts()));
    }
    if (Double.isNaN(it.entropy()) && it.skippedMinibatches() == 0) {
      // With overlap, the first iteration after a checkpoint finishes no update (its own runs on).
      b.append(String.format(Locale.ROOT, "  (update in flight)  lr %.1e", it.learningRate()));
    } else {
      b.append(String.format(Locale.ROOT, "  entropy %.3f  pi_loss %+.4f  v_loss %.4f  kl %.4f  clip %.2f  lr %.1e",
          it.entropy(), it.policyLoss(), it.valueLoss(), it.approxKl(), it.clipFraction(), it.learningRate()));
    }
    if (it.skippedMinibatches() > 0) {
      b.append(String.format(Locale.ROOT, "  SKIPPED %d minibatch(es): non-finite loss or gradient",
          it.skippedMinibatches()));
    }
    if (!Double.isNaN(it.teacherAgreement()) || !Double.isNaN(it.teacherLoss())) {
      b.append(String.format(Locale.ROOT, "  teacher_loss %s  agrees %s", fmt(it.teacherLoss()).strip(),
          Double.isNaN(it.teacherAgreement()) ? "-" : String.format(Locale.ROOT, "%.0f%%", 100 * it.teacherAgreement())));
    }
    if (!Double.isNaN(it.predictorLoss())) {
      b.append(String.format(Locale.ROOT, "  surprise_reward %.5f  predictor_loss %.4f", it.intrinsicReward(),
          it.predictorLoss()));
    }
    return b.toString();
  }

  /** Time left at this rate, e.g. {@code 42s}, {@code 3m07s}, {@code 1h12m}. */
  static String eta(long stepsLeft, double sps) {
    if (stepsLeft <= 0) {
      return "0s";
    }
    if (!(sps > 0)) {
      return "?";
    }
    long s = Math.round(stepsLeft / sps);
    return s < 60 ? s + "s" : s < 3600 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60)
        : String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
  }

  private static String fmt(double v) {
    return Double.isNaN(v) ? "     -" : String.format(Locale.ROOT, "%8.3f", v);
  }

  private static String csvRow(PpoTrainer.Iteration it, double elapsed, double sps) {
    return String.format(Locale.ROOT, "%d,%.3f,%.1f,%d,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%d,%s,%s,%s", it.steps(), elapsed, sps,
        it.episodes(), num(it.meanReturn()), num(it.meanHearts()), num(it.rewardPerStep()), num(it.entropy()),
        num(it.policyLoss()), num(it.valueLoss()), num(it.approxKl()), num(it.clipFraction()), num(it.learningRate()),
        num(it.intrinsicReward()), num(it.predictorLoss()), it.skippedMinibatches(),
        num(it.shapingReward()), num(it.teacherLoss()), num(it.teacherAgreement()));
  }

  private static String num(double v) {
    return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6g", v);
  }
}
