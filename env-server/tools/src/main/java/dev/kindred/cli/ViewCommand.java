package dev.kindred.cli;

import dev.kindred.cli.support.PrintingCommand;
import dev.kindred.client.ClientOptions;
import dev.kindred.env.KindredException;
import dev.kindred.view.LiveSource;
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
    footer = {"", "Live: --live [HOST:PORT] lists the recorded sessions (CreateSession with record) of a running "
        + "server and follows one copy as it runs, pushed to the page as Server-Sent Events; the page keeps the last "
        + "5,000 steps. The server shows each principal only its own sessions: run it with --token-file and give "
        + "the viewer the token the sessions were created with (--token-env); without tokens every connection is "
        + "its own principal and the viewer lists none.",
        "",
        "Examples: ./kindred evaluate ... --replays runs/replays && ./kindred view runs/replays",
        "          KINDRED_TOKEN=... ./kindred view --live localhost:50051"})
public final class ViewCommand extends PrintingCommand {
  @Parameters(index = "0", arity = "0..1", paramLabel = "PATH",
      description = "a replay file, a tournament's results.json, or a directory holding them (default: the "
          + "current directory; with --live, none)")
  Path path;

  @Option(names = "--live", arity = "0..1", paramLabel = "HOST:PORT", fallbackValue = DEFAULT_TARGET,
      description = "also follow the recorded sessions of the Kindred server at HOST:PORT as they run "
          + "(default address " + DEFAULT_TARGET + "; give PATH before --live)")
  String live;

  @Option(names = "--token-env", paramLabel = "VAR",
      description = "with --live: the environment variable holding the bearer token to call the server with "
          + "(default ${DEFAULT-VALUE}; unset or empty: no token)")
  String tokenEnv = "KINDRED_TOKEN";

  @Option(names = "--tls", description = "with --live: connect over TLS")
  boolean tls;

  @Option(names = "--tls-root-cert", paramLabel = "PEM",
      description = "with --live: trust this certificate (e.g. the server's self-signed one); implies --tls")
  Path tlsRootCert;

  @Option(names = "--port", paramLabel = "P",
      description = "port to listen on (default ${DEFAULT-VALUE}; 0 picks a free one, printed)")
  int port = 8765;

  static final String DEFAULT_TARGET = "localhost:50051";

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
    ReplayCatalog catalog = path == null && live != null ? null : new ReplayCatalog(path == null ? Path.of(".") : path);
    LiveSource source = null;
    if (live != null) {
      try {
        source = LiveSource.connect(live, clientOptions());
      } catch (KindredException e) {
        String said = e.detail().contains(live) ? e.detail() : "no Kindred server answered at " + live + ": " + e.detail();
        err.println("kindred view: --live: " + ("UNAVAILABLE".equals(e.code())
            ? said + "; start one with ./kindred serve, or give its address: --live HOST:PORT"
            : "the server at " + live + " refused the connection: " + e.getMessage()));
        return 1;
      }
    }
    try {
      server = ViewServer.start(catalog, source, host, port);
    } catch (BindException e) {
      if (source != null) {
        source.close();
      }
      throw new IllegalArgumentException("cannot listen on " + host + ":" + port + " (" + e.getMessage()
          + "); choose another --port, or 0 for any free one");
    }
    try {
      String shown = host.contains(":") ? "[" + host + "]" : host;
      if (catalog != null) {
        ReplayCatalog.Listing listing = catalog.scan();
        long replays = listing.entries().stream().filter(e -> e.kind() == ReplayCatalog.Kind.REPLAY).count();
        long tournaments = listing.entries().size() - replays;
        out.println("kindred view: " + replays + " replay(s), " + tournaments + " tournament(s) under "
            + catalog.root() + (listing.leftOut() > 0 ? " (" + listing.leftOut() + " more not listed)" : "")
            + "; format version " + ReplayCheck.FORMAT_VERSION);
      }
      if (source != null && !java.net.InetAddress.getByName(host).isLoopbackAddress()) {
        err.println("kindred view: warning: --host " + host + " lets anyone who reaches port " + server.port()
            + " watch the sessions of the server at " + live + " with this viewer's token");
      }
      if (source != null) {
        out.println("kindred view: following the recorded sessions of the server at " + live + " ("
            + source.sessions().getAsJsonArray("sessions").size() + " now)");
      }
      out.println("Viewer at http://" + shown + ":" + server.port() + "/  (Ctrl-C stops)");
      out.flush();
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
      stop.await();
      return 0;
    } finally {
      server.close();
      if (source != null) {
        source.close();
      }
    }
  }

  private ClientOptions clientOptions() {
    ClientOptions.Builder b = ClientOptions.builder();
    String token = tokenEnv == null ? null : System.getenv(tokenEnv);
    if (token != null && !token.isEmpty()) {
      b.token(token);
    }
    if (tls || tlsRootCert != null) {
      b.tls(true);
    }
    if (tlsRootCert != null) {
      b.tlsRootCert(tlsRootCert);
    }
    return b.build();
  }
}
