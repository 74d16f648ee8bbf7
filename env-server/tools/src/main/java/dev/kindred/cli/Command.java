package dev.kindred.cli;

/**
 * A subcommand of the {@code kindred} command line (see {@link Main}): takes the arguments after
 * its name and returns the process exit code (0 success, 1 failure, 2 usage error).
 */
@FunctionalInterface
public interface Command {
  int run(String[] args) throws Exception;
}
