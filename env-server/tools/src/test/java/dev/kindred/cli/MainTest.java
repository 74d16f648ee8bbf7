package dev.kindred.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The top-level dispatch and the conventions every command follows (help, usage errors, exit codes). */
class MainTest {
  private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
  private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
  private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

  private int run(String... args) {
    outBytes.reset();
    errBytes.reset();
    return Main.run(args, out, err);
  }

  private String out() {
    return outBytes.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return errBytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void mainDispatch() {
    assertEquals(0, run());
    assertTrue(out().contains("Usage: kindred") && out().contains("serve") && out().contains("bench"), out());
    assertEquals(2, run("frobnicate"));
    assertTrue(err().contains("kindred: unknown command 'frobnicate'") && err().contains("serve"), err());
    assertEquals(0, run("--help"));
    assertTrue(out().contains("The ./kindred launcher also has:"), out());
    assertEquals("", err());
    assertEquals(0, run("help", "serve"));
    assertTrue(out().contains("Usage: kindred serve") && out().contains("--max-sessions=N"), out());
    assertEquals(0, run("--version"));
    assertTrue(out().startsWith("Kindred "), out());
  }

  @Test
  void groupsListTheirCommands() {
    assertEquals(0, run("bench", "--help"));
    assertTrue(out().contains("spin") && out().contains("energy") && out().contains("clients"), out());
    assertEquals(2, run("bench"));
    assertTrue(err().contains("kindred bench: Missing required subcommand") && err().contains("energy"), err());
    assertEquals(0, run("spin", "measure", "--help"));
    assertTrue(out().contains("Usage: kindred spin measure") && out().contains("--temperatures=A,B"), out());
  }

  @Test
  void usageErrorsExitTwoWithAMessageOnStderr() {
    assertEquals(2, run("serve", "--port", "x"));
    assertTrue(err().contains("kindred serve: Invalid value for option '--port': 'x' is not an integer"), err());
    assertTrue(err().contains("Run 'kindred serve --help'"), err());
    assertEquals("", out());
    assertEquals(2, run("serve", "--port", "70000"));
    assertTrue(err().contains("kindred serve: --port must be between 0 and 65535, got 70000"), err());
    assertEquals(2, run("serve", "--max-sessions", "99999999999"));
    assertTrue(err().contains("'99999999999' is out of range (at most 2147483647)"), err());
    assertEquals(2, run("energy", "render", "serve"));
    assertTrue(err().contains("kindred energy render: unexpected argument 'serve'"), err());
  }

  @Test
  void typosGetSuggestions() {
    assertEquals(2, run("sevre"));
    assertTrue(err().contains("unknown command 'sevre'") && err().contains("Did you mean: kindred serve?"), err());
    assertEquals(2, run("bench", "enrgy"));
    assertTrue(err().contains("Did you mean: kindred bench energy?"), err());
    assertEquals(2, run("serve", "--prot", "50052"));
    assertTrue(err().contains("kindred serve: unknown option '--prot'") && err().contains("Did you mean: --port?"),
        err());
    assertEquals(2, run("bench", "spin", "--sweeps-per-stpe=3"));
    assertTrue(err().contains("Did you mean: --sweeps-per-step"), err());
    assertEquals(2, run("bench", "energy", "--no-grcp"));
    assertTrue(err().contains("Did you mean: --no-grpc?"), err());
  }
}
