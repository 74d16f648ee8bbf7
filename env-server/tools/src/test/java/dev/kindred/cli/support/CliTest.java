package dev.kindred.cli.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The conventions {@link Cli} gives every command. */
class CliTest {

  @Command(name = "probe", description = "A command to probe the conventions.")
  static final class Probe extends PrintingCommand {
    @Option(names = "--steps", paramLabel = "N", description = "steps (default ${DEFAULT-VALUE})")
    long steps = 5;

    @Option(names = "--copies", paramLabel = "N", description = "copies")
    int copies = 1;

    @Option(names = "--only", paramLabel = "A", split = ",", description = "words")
    List<String> only = new ArrayList<>();

    @Option(names = "--fail", description = "throw")
    String fail;

    @Override
    public Integer call() {
      if ("input".equals(fail)) {
        throw new IllegalArgumentException("bad input, said how");
      }
      if ("bug".equals(fail)) {
        throw new IllegalStateException("a bug");
      }
      out.println("steps " + steps + " copies " + copies + " only " + only);
      return 0;
    }
  }

  @Test
  void aRepeatedFlagTakesItsLastValueAndListsCollect() {
    Probe p = Cli.parse(new Probe(), "--steps", "10", "--steps", "20", "--only", "a,b", "--only", "c");
    assertEquals(20, p.steps);
    assertEquals(List.of("a", "b", "c"), p.only);
  }

  @Test
  void integersTakeSeparatorsAndNeverTruncate() {
    assertEquals(1_000_000, Cli.parse(new Probe(), "--steps", "1_000_000").steps);
    assertEquals(3_000_000_000L, Cli.parse(new Probe(), "--steps", "3000000000").steps);
    ParameterException e = assertThrows(ParameterException.class,
        () -> Cli.parse(new Probe(), "--copies", "4294967297"));
    assertTrue(e.getMessage().contains("'4294967297' is out of range (at most 2147483647)"), e.getMessage());
    e = assertThrows(ParameterException.class, () -> Cli.parse(new Probe(), "--steps", "99999999999999999999"));
    assertTrue(e.getMessage().contains("out of range"), e.getMessage());
    e = assertThrows(ParameterException.class, () -> Cli.parse(new Probe(), "--steps", "ten"));
    assertTrue(e.getMessage().contains("'ten' is not an integer"), e.getMessage());
  }

  @Test
  void exitCodesAndStreams() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
    assertEquals(0, Cli.execute(Cli.commandLine(new Probe()), o, e, "--steps", "7"));
    assertEquals("steps 7 copies 1 only []", out.toString(StandardCharsets.UTF_8).trim());
    out.reset();
    assertEquals(0, Cli.execute(Cli.commandLine(new Probe()), o, e, "--help"));
    String help = out.toString(StandardCharsets.UTF_8);
    assertTrue(help.contains("Usage: probe [OPTIONS]") && help.contains("steps (default 5)")
        && help.contains("-h, --help") && help.contains("-V, --version"), help);
    assertEquals("", err.toString(StandardCharsets.UTF_8));
    assertEquals(2, Cli.execute(Cli.commandLine(new Probe()), o, e, "--fail", "input"));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("probe: bad input, said how"), err.toString());
    err.reset();
    assertEquals(1, Cli.execute(Cli.commandLine(new Probe()), o, e, "--fail", "bug"));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("probe: java.lang.IllegalStateException: a bug"),
        err.toString());
    err.reset();
    assertEquals(2, Cli.execute(Cli.commandLine(new Probe()), o, e, "--stpes", "3"));
    String msg = err.toString(StandardCharsets.UTF_8);
    assertTrue(msg.contains("probe: unknown option '--stpes'") && msg.contains("Did you mean: --steps?")
        && msg.contains("Run 'probe --help'"), msg);
  }

  @Test
  void suggestions() {
    Set<String> names = Set.of("--steps", "--seed", "--sweeps-per-step", "--json", "-h", "--help");
    assertEquals(List.of("--steps"), Cli.closest("--stpes", names));
    assertEquals(List.of("--sweeps-per-step", "--steps"), Cli.closest("--sweeps", names));
    assertEquals(List.of("--json"), Cli.closest("--jsno", names));
    assertEquals(List.of(), Cli.closest("--frobnicate", names));
    assertEquals(1, Cli.distance("serve", "sevre"));
    assertEquals(3, Cli.distance("kitten", "sitting"));
  }
}
