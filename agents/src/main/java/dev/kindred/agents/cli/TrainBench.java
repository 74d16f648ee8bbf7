package dev.kindred.agents.cli;

/** {@code kindred bench train}: placeholder replaced below. */
final class TrainBench {
  private TrainBench() {}

  static int run(String[] args) {
    throw new IllegalArgumentException("bench train is not implemented yet");
  }
}
