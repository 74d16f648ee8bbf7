package dev.kindred.agents.suite;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress of a suite's evaluation on stderr: at most every {@code interval}, the share of the
 * expected copy-steps done, the brain and test now playing, the time so far and an estimate of the
 * time left (elapsed × remaining / done, so it settles as the run goes).
 */
public final class SuiteProgress implements TestWorld.StepListener {
  private final PrintStream out;
  private final String suite;
  private final long total;
  private final long intervalNanos;
  private final long start = System.nanoTime();
  private long last = start;
  private long done;
  private String now = "";

  /**
   * @param total    copy-steps expected over every brain and test
   * @param interval seconds between lines (0: a line at every step, for tests)
   */
  public SuiteProgress(PrintStream out, String suite, long total, double interval) {
    this.out = out;
    this.suite = suite;
    this.total = Math.max(1, total);
    this.intervalNanos = (long) (interval * 1e9);
  }

  /** A brain starts on a test. */
  public void playing(String brain, String test) {
    now = brain + " on " + test;
  }

  @Override
  public void stepped(int copySteps) {
    done += copySteps;
    long t = System.nanoTime();
    if (t - last >= intervalNanos) {
      last = t;
      out.println(line(t));
    }
  }

  String line(long t) {
    double elapsed = (t - start) / 1e9;
    double fraction = Math.min(1, (double) done / total);
    double left = done == 0 ? Double.NaN : elapsed * (total - Math.min(done, total)) / done;
    return String.format(Locale.ROOT, "evaluate: suite %s: %.0f%% (%s), %.0f s elapsed, about %.0f s left", suite,
        100 * fraction, now, elapsed, left);
  }

  /** The last line: how long the whole evaluation took. */
  public void finished() {
    out.printf(Locale.ROOT, "evaluate: suite %s: done in %.1f s%n", suite, (System.nanoTime() - start) / 1e9);
  }
}
