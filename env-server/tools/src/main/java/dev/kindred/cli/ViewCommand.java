package dev.kindred.cli;

import dev.kindred.cli.support.PrintingCommand;
import dev.kindred.view.ReplayCatalog;
import dev.kindred.view.ReplayCheck;
import dev.kindred.view.ViewServer;
import java.io.IOException;
import java.net.BindException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kindred view}: serves the web viewer for the replays (and tournament reports) under a
 * file or directory, until interrupted. Prints the URL; opens nothing.
 */
@Command(name = "view",
    description = {
        "Serve the web viewer for replays (*.replay.jsonl.gz) and tournament reports (results.json).",
        "",
        "Lists every replay under PATH (a replay, a results.json, or a directory searched recursively, "
            + ReplayCatalog.MAX_DEPTH + " levels, at most " + ReplayCatalog.MAX_FILES + " files) and serves a page "
            + "that draws them: grid, timeline, agent inspector, charts, kinship and economy (energy worlds); "
            + "spins, magnetisation, energy and phi (spin worlds). Every asset is served from the jar; nothing is "
            + "fetched from the internet. The browser sees files only by ids, never by path. Prints the URL and "
            + "serves until interrupted (Ctrl-C)."},
    footer = {"", "Example: ./kindred evaluate ... --replays runs/replays && ./kindred view runs/replays"})
public final class ViewCommand extends PrintingCommand {
  @Parameters(index = "0", arity = "0..1", paramLabel = "PATH",
      description = "a replay file, a tournament's results.json, or a directory holding them (default: the "
          + "current directory)")
  Path path = Path.of(".");

  @Option(names = "--port", paramLabel = "P",
      description = "port to listen on (default ${DEFAULT-VALUE}; 0 picks a free one, printed)")
  int port = 8765;

  @Option(names = "--host", paramLabel = "H",
      description = "address to bind (default ${DEFAULT-VALUE}: this machine only; 0.0.0.0 shows the replays to "
          + "the network)")
  String host = "127.0.0.1";

  /** Counted down by tests to stop the server; the command line waits for Ctrl-C. */
  final CountDownLatch stop = new CountDownLatch(1);
  volatile ViewServer server;

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("--port must be 0..65535, got " + port);
    }
    ReplayCatalog catalog = new ReplayCatalog(path);
    ReplayCatalog.Listing listing = catalog.scan();
    long replays = listing.entries().stream().filter(e -> e.kind() == ReplayCatalog.Kind.REPLAY).count();
    long tournaments = listing.entries().size() - replays;
    try {
      server = ViewServer.start(catalog, host, port);
    } catch (BindException e) {
      throw new IllegalArgumentException("cannot listen on " + host + ":" + port + " (" + e.getMessage()
          + "); choose another --port, or 0 for any free one");
    }
    try {
      String shown = host.contains(":") ? "[" + host + "]" : host;
      out.println("kindred view: " + replays + " replay(s), " + tournaments + " tournament(s) under "
          + catalog.root() + (listing.leftOut() > 0 ? " (" + listing.leftOut() + " more not listed)" : "")
          + "; format version " + ReplayCheck.FORMAT_VERSION);
      out.println("Viewer at http://" + shown + ":" + server.port() + "/  (Ctrl-C stops)");
      out.flush();
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
      stop.await();
      return 0;
    } finally {
      server.close();
    }
  }
}
