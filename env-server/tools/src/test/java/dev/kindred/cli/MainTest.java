package dev.kindred.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code kindred serve} flags and the top-level dispatch. */
class MainTest {
  private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
  private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
  private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

  private String out() {
    return outBytes.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return errBytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void mainDispatch() {
    assertEquals(0, Main.run(new String[0], out, err));
    assertTrue(out().contains("Usage: kindred <command>") && out().contains("serve"), out());
    assertEquals(2, Main.run(new String[] {"frobnicate"}, out, err));
    assertTrue(err().contains("unknown command 'frobnicate'") && err().contains("serve"), err());
    assertEquals(0, Main.run(new String[] {"--help"}, out, err));
    assertEquals(2, Main.run(new String[] {"serve", "--nope"}, out, System.err));
    assertTrue(Main.COMMANDS.containsKey("serve"));
  }
}
