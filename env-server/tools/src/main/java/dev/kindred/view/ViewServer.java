package dev.kindred.view;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.kindred.env.KindredException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The viewer's HTTP server, on the JDK's own {@link HttpServer} (a handful of GET routes need no
 * framework). It serves:
 *
 * <ul>
 *   <li>{@code /} and {@code /assets/NAME}: the page, its ES modules and styles, from the jar's
 *       classpath ({@code dev/kindred/view/web/}); nothing is fetched from the internet;
 *   <li>{@code /api/index}: the replays and tournaments under the root, each with an id, its
 *       check ({@link ReplayCheck}) and a summary;
 *   <li>{@code /api/replay/ID}: a replay's bytes as they are on disk, gzip, sent with
 *       {@code Content-Encoding: gzip} so the browser inflates them; a file that fails its check is
 *       refused (422) with the reason;
 *   <li>{@code /api/tournament/ID}: a tournament's results.json, games linked to replay ids;
 *   <li>with a {@link LiveSource} ({@code view --live}): {@code /api/live/sessions}, the server's
 *       recorded sessions (502 naming the address when it does not answer), and
 *       {@code /api/live/watch/SESSION/COPY}, one copy followed as Server-Sent Events
 *       ({@link LiveStream}; at most {@link #MAX_LIVE_STREAMS} at once, each with its own bounded
 *       queue of {@link #LIVE_QUEUE} lines).
 * </ul>
 *
 * <p>The browser never names a path: anything but those routes and ids handed out by the
 * {@link ReplayCatalog} is 404. Requests are bounded: GET/HEAD only, short URIs, a fixed pool of
 * threads.
 *
 *
 * <p>On the page, {@code replay.js} turns replay lines into per-step arrays; {@code live.js}
 * builds the same model from a live stream's lines (keeping the last steps only), the rest of the
 * page unchanged.
 */
public final class ViewServer implements AutoCloseable {
  static final String WEB = "/dev/kindred/view/web/";
  static final int MAX_URI = 512;
  static final Pattern ASSET = Pattern.compile("/assets/([a-z0-9][a-z0-9-]{0,40}\\.(js|css|svg|png))");
  static final Pattern REPLAY = Pattern.compile("/api/replay/([0-9]{1,9})");
  static final Pattern TOURNAMENT = Pattern.compile("/api/tournament/([0-9]{1,9})");
  static final Pattern LIVE_WATCH = Pattern.compile("/api/live/watch/([A-Za-z0-9_.-]{1,128})/([0-9]{1,5})");
  static final int MAX_TOURNAMENT_BYTES = 32 << 20;
  static final int MAX_LIVE_STREAMS = 8;
  static final int LIVE_QUEUE = 512;
  private static final Map<String, String> TYPES = Map.of(
      "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8", "svg", "image/svg+xml",
      "png", "image/png", "html", "text/html; charset=utf-8");
  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

  private final ReplayCatalog catalog;
  private final LiveSource live;
  private final HttpServer http;
  private final ExecutorService pool;
  private final Semaphore liveStreams = new Semaphore(MAX_LIVE_STREAMS);

  private ViewServer(ReplayCatalog catalog, LiveSource live, HttpServer http, ExecutorService pool) {
    this.catalog = catalog;
    this.live = live;
    this.http = http;
    this.pool = pool;
  }

  /** Starts serving {@code catalog} on {@code host:port} (port 0: any free port). */
  public static ViewServer start(ReplayCatalog catalog, String host, int port) throws IOException {
    return start(catalog, null, host, port);
  }

  /**
   * Starts serving {@code catalog} (or no files: null) and, with {@code live}, a server's recorded
   * sessions, on {@code host:port} (port 0: any free port).
   */
  public static ViewServer start(ReplayCatalog catalog, LiveSource live, String host, int port) throws IOException {
    // Bounds of the JDK server, read once when it first starts: a request must arrive within 20 s
    // (a client that trickles bytes is cut off), a response be sent within 5 minutes.
    System.setProperty("sun.net.httpserver.maxReqTime", System.getProperty("sun.net.httpserver.maxReqTime", "20"));
    // A live stream is one long response: an hour, after which the page reconnects by itself.
    System.setProperty("sun.net.httpserver.maxRspTime",
        System.getProperty("sun.net.httpserver.maxRspTime", live == null ? "300" : "3600"));
    HttpServer http = HttpServer.create(new InetSocketAddress(host, port), 32);
    // Four threads for pages and files, one more per live stream (each holds its thread).
    ExecutorService pool = Executors.newFixedThreadPool(4 + (live == null ? 0 : MAX_LIVE_STREAMS), r -> {
      Thread t = new Thread(r, "kindred-view");
      t.setDaemon(true);
      return t;
    });
    ViewServer server = new ViewServer(catalog, live, http, pool);
    http.createContext("/", server::handle);
    http.setExecutor(pool);
    http.start();
    return server;
  }

  /** The port it listens on. */
  public int port() {
    return http.getAddress().getPort();
  }

  @Override
  public void close() {
    http.stop(0);
    pool.shutdown();
    try {
      pool.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
      ex.getResponseHeaders().set("Cache-Control", "no-store");
      String method = ex.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        sendError(ex, 405, "only GET and HEAD are served");
        return;
      }
      URI uri = ex.getRequestURI();
      String raw = uri.getRawPath();
      if (raw == null || raw.length() > MAX_URI || uri.getRawQuery() != null && uri.getRawQuery().length() > MAX_URI) {
        sendError(ex, 414, "request URI too long");
        return;
      }
      route(ex, raw);
    } catch (RuntimeException e) {
      try {
        sendError(ex, 500, "internal error: " + e.getClass().getSimpleName());
      } catch (IOException | RuntimeException alreadySent) {
        // the response had started: the browser sees a broken transfer
      }
    }
  }

  private void route(HttpExchange ex, String path) throws IOException {
    if (path.equals("/") || path.equals("/index.html")) {
      sendResource(ex, "index.html", "html");
      return;
    }
    Matcher m;
    if ((m = ASSET.matcher(path)).matches()) {
      sendResource(ex, m.group(1), m.group(2));
    } else if (path.equals("/api/index")) {
      sendJson(ex, 200, index());
    } else if ((m = REPLAY.matcher(path)).matches()) {
      sendReplay(ex, m.group(1));
    } else if ((m = TOURNAMENT.matcher(path)).matches()) {
      sendTournament(ex, m.group(1));
    } else if (live != null && path.equals("/api/live/sessions")) {
      sendLiveSessions(ex);
    } else if (live != null && (m = LIVE_WATCH.matcher(path)).matches()) {
      sendLiveStream(ex, m.group(1), Integer.parseInt(m.group(2)));
    } else {
      sendError(ex, 404, "no such page");
    }
  }

  JsonObject index() {
    JsonArray replays = new JsonArray();
    JsonArray tournaments = new JsonArray();
    JsonObject index = new JsonObject();
    if (live != null) {
      JsonObject l = new JsonObject();
      l.addProperty("target", live.target());
      index.add("live", l);
    }
    if (catalog == null) {
      index.addProperty("root", "");
      index.addProperty("format_version", ReplayCheck.FORMAT_VERSION);
      index.add("replays", replays);
      index.add("tournaments", tournaments);
      index.addProperty("left_out", 0);
      return index;
    }
    ReplayCatalog.Listing listing = catalog.scan();
    for (ReplayCatalog.Entry e : listing.entries()) {
      JsonObject o = new JsonObject();
      o.addProperty("id", e.id());
      o.addProperty("name", e.name());
      o.addProperty("size", e.size());
      if (e.kind() == ReplayCatalog.Kind.REPLAY) {
        ReplayCheck.Result r = catalog.check(e);
        if (r.ok()) {
          o.add("summary", r.summary());
        } else {
          o.addProperty("error", r.error());
        }
        replays.add(o);
      } else {
        tournaments.add(o);
      }
    }
    index.addProperty("root", catalog.root().getFileName() == null ? "/" : catalog.root().getFileName().toString());
    index.addProperty("format_version", ReplayCheck.FORMAT_VERSION);
    index.add("replays", replays);
    index.add("tournaments", tournaments);
    index.addProperty("left_out", listing.leftOut());
    return index;
  }

  private void sendLiveSessions(HttpExchange ex) throws IOException {
    try {
      sendJson(ex, 200, live.sessions());
    } catch (KindredException e) {
      JsonObject o = new JsonObject();
      o.addProperty("error", "UNAVAILABLE".equals(e.code())
          ? "no Kindred server answers at " + live.target() + " (it stopped, or cannot be reached); trying again"
          : "the server at " + live.target() + " refused ListRecordings: " + e.getMessage());
      o.addProperty("code", e.code());
      o.addProperty("target", live.target());
      sendJson(ex, 502, o);
    }
  }

  /** One copy followed as Server-Sent Events until the session ends or the browser leaves. */
  private void sendLiveStream(HttpExchange ex, String session, int copy) throws IOException {
    if (!liveStreams.tryAcquire()) {
      sendError(ex, 503, "already " + MAX_LIVE_STREAMS + " live streams open; close a tab following a session");
      return;
    }
    try {
      ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
      if (ex.getRequestMethod().equals("HEAD")) {
        ex.sendResponseHeaders(200, -1);
        return;
      }
      ex.sendResponseHeaders(200, 0); // chunked: as long as the session runs
      LiveStream stream = new LiveStream((onLine, onEnd) -> live.watch(session, copy, onLine, onEnd), LIVE_QUEUE);
      try (OutputStream out = ex.getResponseBody()) {
        stream.run(out);
      } catch (IOException gone) {
        // the browser closed the page or the connection: the watch is cancelled
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    } finally {
      liveStreams.release();
    }
  }

  private void sendReplay(HttpExchange ex, String id) throws IOException {
    if (catalog == null) {
      sendError(ex, 404, "no replay with id " + id + " (this viewer serves no files)");
      return;
    }
    Optional<ReplayCatalog.Entry> entry = catalog.get(id).filter(e -> e.kind() == ReplayCatalog.Kind.REPLAY);
    if (entry.isEmpty()) {
      sendError(ex, 404, "no replay with id " + id + " (ids come from /api/index)");
      return;
    }
    ReplayCheck.Result r = catalog.check(entry.get());
    if (!r.ok()) {
      sendError(ex, 422, entry.get().name() + ": " + r.error());
      return;
    }
    Path file = entry.get().file();
    long size = Files.size(file);
    ex.getResponseHeaders().set("Content-Type", "application/x-ndjson; charset=utf-8");
    ex.getResponseHeaders().set("Content-Encoding", "gzip");
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.sendResponseHeaders(200, -1);
      return;
    }
    ex.sendResponseHeaders(200, size);
    try (InputStream in = Files.newInputStream(file); OutputStream out = ex.getResponseBody()) {
      in.transferTo(out);
    }
  }

  private void sendTournament(HttpExchange ex, String id) throws IOException {
    if (catalog == null) {
      sendError(ex, 404, "no tournament with id " + id + " (this viewer serves no files)");
      return;
    }
    Optional<ReplayCatalog.Entry> entry = catalog.get(id).filter(e -> e.kind() == ReplayCatalog.Kind.TOURNAMENT);
    if (entry.isEmpty()) {
      sendError(ex, 404, "no tournament with id " + id + " (ids come from /api/index)");
      return;
    }
    Path file = entry.get().file();
    if (Files.size(file) > MAX_TOURNAMENT_BYTES) {
      sendError(ex, 422, entry.get().name() + ": larger than " + (MAX_TOURNAMENT_BYTES >> 20) + " MiB");
      return;
    }
    JsonElement results;
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      results = JsonParser.parseReader(in);
    } catch (JsonParseException | IOException e) {
      sendError(ex, 422, entry.get().name() + ": not valid JSON");
      return;
    }
    if (!results.isJsonObject()) {
      sendError(ex, 422, entry.get().name() + ": not a JSON object");
      return;
    }
    JsonObject out = new JsonObject();
    out.addProperty("name", entry.get().name());
    out.add("results", results);
    out.add("replays", replayLinks(file.getParent(), results.getAsJsonObject()));
    sendJson(ex, 200, out);
  }

  /**
   * The replay ids of a tournament's games: each string field named {@code replay} anywhere in
   * results.json is a path relative to the report's directory; those the catalog found map to
   * their ids. A link to a file outside the root simply has no id.
   */
  JsonObject replayLinks(Path dir, JsonObject results) {
    catalog.scan();
    JsonObject links = new JsonObject();
    collectLinks(dir, results, links, 0);
    return links;
  }

  private void collectLinks(Path dir, JsonElement e, JsonObject links, int depth) {
    if (depth > 16 || links.size() > ReplayCatalog.MAX_FILES) {
      return;
    }
    if (e.isJsonObject()) {
      for (Map.Entry<String, JsonElement> kv : e.getAsJsonObject().entrySet()) {
        JsonElement v = kv.getValue();
        if (kv.getKey().equals("replay") && v.isJsonPrimitive() && v.getAsJsonPrimitive().isString()) {
          String rel = v.getAsString();
          if (rel.length() < 1000) {
            try {
              catalog.entryOf(dir.resolve(rel)).ifPresent(en -> links.addProperty(rel, en.id()));
            } catch (java.nio.file.InvalidPathException ignored) {
              // not a path: no link
            }
          }
        } else {
          collectLinks(dir, v, links, depth + 1);
        }
      }
    } else if (e.isJsonArray()) {
      for (JsonElement v : e.getAsJsonArray()) {
        collectLinks(dir, v, links, depth + 1);
      }
    }
  }

  private void sendResource(HttpExchange ex, String name, String ext) throws IOException {
    byte[] body;
    try (InputStream in = ViewServer.class.getResourceAsStream(WEB + name)) {
      if (in == null) {
        sendError(ex, 404, "no such asset");
        return;
      }
      body = in.readAllBytes();
    }
    ex.getResponseHeaders().set("Content-Type", TYPES.get(ext));
    sendBytes(ex, 200, body);
  }

  private static void sendJson(HttpExchange ex, int status, JsonElement body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    sendBytes(ex, status, GSON.toJson(body).getBytes(StandardCharsets.UTF_8));
  }

  private static void sendError(HttpExchange ex, int status, String message) throws IOException {
    JsonObject o = new JsonObject();
    o.addProperty("error", message);
    sendJson(ex, status, o);
  }

  private static void sendBytes(HttpExchange ex, int status, byte[] body) throws IOException {
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.sendResponseHeaders(status, -1);
      return;
    }
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }
}
