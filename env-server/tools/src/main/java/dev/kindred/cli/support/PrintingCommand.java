package dev.kindred.cli.support;

import java.io.PrintStream;
import java.util.concurrent.Callable;

/**
 * A command that prints its results to {@link #out} and its progress and errors to
 * {@link #err}: System.out and System.err, or the streams {@link Cli#execute} is given (tests).
 * {@link #call} returns the exit code.
 */
public abstract class PrintingCommand implements Callable<Integer> {
  protected PrintStream out = System.out;
  protected PrintStream err = System.err;

  final void streams(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }
}
