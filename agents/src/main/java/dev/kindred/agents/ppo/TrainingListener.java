package dev.kindred.agents.ppo;

import java.io.IOException;

/**
 * What a training run ({@link PpoTrainer#train}) reports as it goes: each iteration's figures
 * (progress lines, learning curves) and the moments a checkpoint is due.
 */
public interface TrainingListener {
  /** Hears nothing: a run that reports to no one (tests, benchmarks). */
  TrainingListener NONE = new TrainingListener() {
    @Override
    public void iteration(PpoTrainer.Iteration it) {}

    @Override
    public void checkpoint(PpoTrainer trainer) {}
  };

  /** After each iteration. */
  void iteration(PpoTrainer.Iteration it) throws IOException;

  /**
   * After an iteration that completes a multiple of {@code checkpoint_every} updates, and after
   * the last one: the trainer's state ({@link PpoTrainer#steps}, {@link PpoTrainer#updates},
   * {@link PpoTrainer#returnStatistics}) and its policy's parameters are what to save.
   */
  void checkpoint(PpoTrainer trainer) throws IOException;
}
