package dev.kindred.view;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ViewServerTest {
  @TempDir
  Path tmp;
  Path root;
  ViewServer server;
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws IOException {
    root = Files.createDirectories(tmp.resolve("root"));
    Files.write(Files.createDirectories(root.resolve("a/b")).resolve("good.replay.jsonl.gz"), ReplayFiles.good(4));
    Files.write(root.resolve("broken.replay.jsonl.gz"), new byte[] {1, 2, 3});
    Files.writeString(root.resolve("notes.txt"), "not listed");
    // Outside the root: never served, not even through a link inside it.
    Path outside = Files.write(tmp.resolve("secret.replay.jsonl.gz"), ReplayFiles.good(1));
    try {
      Files.createSymbolicLink(root.resolve("link.replay.jsonl.gz"), outside);
      Files.createSymbolicLink(root.resolve("up"), tmp);
    } catch (UnsupportedOperationException | IOException e) {
      // no symbolic links here: the rest still runs
    }
    server = ViewServer.start(new ReplayCatalog(root), "127.0.0.1", 0);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<byte[]> get(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private JsonObject json(HttpResponse<byte[]> r) {
    return JsonParser.parseString(new String(r.body(), java.nio.charset.StandardCharsets.UTF_8)).getAsJsonObject();
  }

  @Test
  void listsTheReplaysUnderTheRootByIdWithTheirChecks() throws Exception {
    HttpResponse<byte[]> r = get("/api/index");
    assertEquals(200, r.statusCode());
    JsonArray replays = json(r).getAsJsonArray("replays");
    assertEquals(2, replays.size(), replays.toString());
    JsonObject good = find(replays, "a/b/good.replay.jsonl.gz");
    assertEquals(4, good.getAsJsonObject("summary").get("steps").getAsInt());
    JsonObject bad = find(replays, "broken.replay.jsonl.gz");
    assertTrue(bad.get("error").getAsString().startsWith("not a gzip file"), bad.toString());
    assertFalse(replays.toString().contains("secret"), "a link out of the root is not listed");

    HttpResponse<byte[]> file = get("/api/replay/" + good.get("id").getAsString());
    assertEquals(200, file.statusCode());
    assertEquals("gzip", file.headers().firstValue("Content-Encoding").orElse(""));
    assertArrayEquals(Files.readAllBytes(root.resolve("a/b/good.replay.jsonl.gz")), file.body());

    HttpResponse<byte[]> refused = get("/api/replay/" + bad.get("id").getAsString());
    assertEquals(422, refused.statusCode());
    assertTrue(json(refused).get("error").getAsString().startsWith("broken.replay.jsonl.gz: not a gzip file"),
        json(refused).toString());
  }

  @Test
  void anythingButAnIdIsNotFound() throws Exception {
    for (String path : new String[] {"/api/replay/99", "/api/replay/..%2F..%2Fsecret.replay.jsonl.gz",
        "/api/replay/a/b/good.replay.jsonl.gz", "/assets/..%2F..%2F..%2Fcli%2FMain.class", "/assets/ViewServer.class",
        "/../secret.replay.jsonl.gz", "/root/notes.txt", "/api/tournament/1"}) {
      assertEquals(404, get(path).statusCode(), path);
    }
    HttpResponse<byte[]> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
        + "/api/index")).POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(405, post.statusCode());
    assertEquals(414, get("/" + "a".repeat(600)).statusCode());
  }

  @Test
  void servesThePageAndItsModulesFromTheJar() throws Exception {
    HttpResponse<byte[]> page = get("/");
    assertEquals(200, page.statusCode());
    assertTrue(new String(page.body()).contains("/assets/app.js"));
    for (String asset : new String[] {"app.js", "replay.js", "energy.js", "spin.js", "chart.js", "tournament.js",
        "style.css", "icon.svg"}) {
      HttpResponse<byte[]> r = get("/assets/" + asset);
      assertEquals(200, r.statusCode(), asset);
      assertFalse(new String(r.body()).contains("https://"), asset + " fetches nothing from the internet");
    }
  }

  @Test
  void aMissingRootOrAnotherFileIsBadInput() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new ReplayCatalog(tmp.resolve("nope")));
    assertTrue(e.getMessage().startsWith("no such file or directory"));
    assertThrows(IllegalArgumentException.class, () -> new ReplayCatalog(root.resolve("notes.txt")));
  }

  @Test
  void aSingleFileIsItsOwnCatalog() {
    ReplayCatalog one = new ReplayCatalog(root.resolve("a/b/good.replay.jsonl.gz"));
    ReplayCatalog.Listing listing = one.scan();
    assertEquals(1, listing.entries().size());
    assertEquals("good.replay.jsonl.gz", listing.entries().get(0).name());
    assertTrue(one.check(listing.entries().get(0)).ok());
  }

  private static JsonObject find(JsonArray a, String name) {
    for (JsonElement e : a) {
      if (e.getAsJsonObject().get("name").getAsString().equals(name)) {
        return e.getAsJsonObject();
      }
    }
    throw new AssertionError(name + " not listed in " + a);
  }
}
