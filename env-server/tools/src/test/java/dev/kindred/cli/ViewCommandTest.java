package dev.kindred.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.cli.support.Cli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kindred view}: its flags, its bad input, and a run that prints the URL it serves. */
class ViewCommandTest {
  private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
  private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
  private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

  @TempDir
  Path dir;

  private int run(String... args) {
    outBytes.reset();
    errBytes.reset();
    return Main.run(args, out, err);
  }

  @Test
  void helpAndBadInput() throws Exception {
    assertEquals(0, run("view", "--help"));
    String help = outBytes.toString(StandardCharsets.UTF_8);
    assertTrue(help.contains("Usage: kindred view") && help.contains("--port=P") && help.contains("--host=H"), help);
    assertEquals(2, run("view", dir.resolve("missing").toString()));
    assertTrue(errBytes.toString(StandardCharsets.UTF_8).startsWith("kindred view: no such file or directory: "),
        errBytes.toString(StandardCharsets.UTF_8));
    Path other = Files.writeString(dir.resolve("notes.txt"), "x");
    assertEquals(2, run("view", other.toString()));
    assertTrue(errBytes.toString(StandardCharsets.UTF_8).contains("is neither a replay"));
    assertEquals(2, run("view", dir.toString(), "--port", "70000"));
    assertTrue(errBytes.toString(StandardCharsets.UTF_8).contains("--port must be 0..65535, got 70000"));
  }

  @Test
  void liveWithNoServerNamesTheAddressItTriedAndFails() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    assertEquals(1, run("view", "--live", "127.0.0.1:" + port, "--port", "0"));
    String said = errBytes.toString(StandardCharsets.UTF_8);
    assertTrue(said.startsWith("kindred view: --live: ") && said.contains("127.0.0.1:" + port), said);
    assertEquals("", outBytes.toString(StandardCharsets.UTF_8));
    assertEquals(0, run("view", "--help"));
    assertTrue(outBytes.toString(StandardCharsets.UTF_8).contains("--live[=HOST:PORT]"), outBytes.toString(StandardCharsets.UTF_8));
  }

  @Test
  void printsTheUrlAndServesUntilStopped() throws Exception {
    ViewCommand view = new ViewCommand();
    CompletableFuture<Integer> code = CompletableFuture.supplyAsync(
        () -> Cli.execute(Cli.commandLine(view), out, err, dir.toString(), "--port", "0"));
    Pattern url = Pattern.compile("Viewer at (http://127\\.0\\.0\\.1:\\d+/)");
    Matcher m = url.matcher("");
    for (int i = 0; i < 200 && !m.find(); i++) {
      Thread.sleep(25);
      m = url.matcher(outBytes.toString(StandardCharsets.UTF_8));
    }
    assertTrue(m.find(0), outBytes.toString(StandardCharsets.UTF_8) + errBytes.toString(StandardCharsets.UTF_8));
    assertTrue(outBytes.toString(StandardCharsets.UTF_8).startsWith("kindred view: 0 replay(s), 0 tournament(s) under "));
    HttpResponse<String> index = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(m.group(1) + "api/index")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, index.statusCode());
    assertTrue(index.body().contains("\"replays\":[]"), index.body());
    view.stop.countDown();
    assertEquals(0, code.get(10, TimeUnit.SECONDS));
  }
}
