package dev.kindred.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kindred.client.ClientOptions;
import dev.kindred.client.KindredClient;
import dev.kindred.client.RemoteVectorEnv;
import dev.kindred.env.SessionOptions;
import dev.kindred.env.WorldRegistry;
import dev.kindred.server.KindredServer;
import dev.kindred.server.ServerConfig;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The view server against a real Kindred server: the recorded sessions, and one followed as Server-Sent Events. */
@Timeout(60)
class LiveViewServerTest {
  @Test
  void listsTheRecordedSessionAndStreamsItsLinesUntilItCloses() throws Exception {
    try (KindredServer kindred = KindredServer.start(ServerConfig.defaults().withPort(0), WorldRegistry.builtIn());
         KindredClient client = KindredClient.connect("127.0.0.1:" + kindred.port())) {
      RemoteVectorEnv env = client.make("energy.s3", Map.of("max_steps", 50), 2, 5,
          SessionOptions.builder().record(1).build());
      env.reset(null, null);
      // The same connection is the sessions' principal (the server has no tokens).
      LiveSource source = LiveSource.of(client, ClientOptions.defaults());
      try (ViewServer view = ViewServer.start(null, source, "127.0.0.1", 0)) {
        String base = "http://127.0.0.1:" + view.port();
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> list = http.send(HttpRequest.newBuilder(URI.create(base + "/api/live/sessions")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, list.statusCode());
        JsonObject session = JsonParser.parseString(list.body()).getAsJsonObject().getAsJsonArray("sessions")
            .get(0).getAsJsonObject();
        assertEquals(env.sessionId(), session.get("session_id").getAsString());
        assertEquals("[1]", session.get("recorded_copies").toString());
        JsonObject index = JsonParser.parseString(http.send(HttpRequest.newBuilder(URI.create(base + "/api/index"))
            .build(), HttpResponse.BodyHandlers.ofString()).body()).getAsJsonObject();
        assertEquals("127.0.0.1:" + kindred.port(), index.getAsJsonObject("live").get("target").getAsString());

        HttpResponse<InputStream> sse = http.send(HttpRequest.newBuilder(
            URI.create(base + "/api/live/watch/" + env.sessionId() + "/1")).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, sse.statusCode());
        assertTrue(sse.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        BufferedReader in = new BufferedReader(new InputStreamReader(sse.body(), StandardCharsets.UTF_8));
        List<JsonObject> lines = new ArrayList<>();
        int[] actions = new int[2 * env.spec().agents() * env.spec().actionDimensions()];
        String event = null;
        for (String l; (l = in.readLine()) != null; ) {
          if (l.startsWith("event: ")) {
            event = l.substring(7);
          } else if (l.startsWith("data: ") && "line".equals(event)) {
            lines.add(JsonParser.parseString(l.substring(6)).getAsJsonObject());
            if (lines.size() == 2) { // header and state: the watch is on; step while it watches
              for (int t = 1; t <= 3; t++) {
                env.step(actions);
              }
            } else if (lines.size() == 5) {
              env.close(); // the stream ends with the session
            }
          } else if (l.startsWith("data: ")) {
            break;
          }
        }
        assertEquals("ended", event);
        assertEquals("energy.s3", lines.get(0).get("world").getAsString());
        assertEquals(1, lines.get(0).get("copy").getAsInt());
        assertTrue(lines.get(1).has("state"), lines.get(1).toString());
        assertEquals(0, lines.get(1).get("t").getAsInt());
        for (int t = 1; t <= 3; t++) {
          assertEquals(t, lines.get(1 + t).get("t").getAsInt());
          assertTrue(lines.get(1 + t).has("actions"));
        }
      }
    }
  }

  @Test
  void aServerThatIsGoneIsNamedInTheSessionsAnswer() throws Exception {
    KindredServer kindred = KindredServer.start(ServerConfig.defaults().withPort(0), WorldRegistry.builtIn());
    String target = "127.0.0.1:" + kindred.port();
    try (LiveSource source = LiveSource.connect(target, ClientOptions.defaults());
         ViewServer view = ViewServer.start(null, source, "127.0.0.1", 0)) {
      kindred.close();
      HttpResponse<String> list = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + view.port() + "/api/live/sessions")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(502, list.statusCode());
      assertTrue(list.body().contains("no Kindred server answers at " + target), list.body());
    }
  }
}
