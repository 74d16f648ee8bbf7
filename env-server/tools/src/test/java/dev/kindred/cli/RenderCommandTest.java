package dev.kindred.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.cli.support.Cli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RenderCommandTest {

  private static int run(PrintStream out, PrintStream err, String... args) {
    return Cli.execute(Cli.commandLine(new RenderCommand()), out, err, args);
  }

  @Test
  void renderCommand(@TempDir Path dir) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
    Path sheet = dir.resolve("sheet.png");
    assertEquals(0, run(new PrintStream(out, true, StandardCharsets.UTF_8), quiet, "--world", "energy.s3",
        "--steps", "6", "--every", "3", "--cell", "8", "--config", "kinship=teams", "--config", "groups=2",
        "--out", sheet.toString()));
    assertTrue(Files.isRegularFile(sheet));
    assertEquals(0, run(System.out, quiet, "--world", "energy.alone", "--steps", "2", "--every", "1",
        "--out-dir", dir.resolve("frames").toString()));
    assertTrue(Files.isRegularFile(dir.resolve("frames/frame-00002.png")));
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    assertEquals(0, run(new PrintStream(text, true, StandardCharsets.UTF_8), quiet,
        "--config-json", "{\"map\": \"#####\\n#A.h#\\n#####\"}", "--steps", "1", "--text"));
    String t = text.toString(StandardCharsets.UTF_8);
    assertTrue(t.contains("#0.h#"), t);
    assertTrue(t.contains("step 1/"), t);
    assertEquals(2, run(System.out, quiet, "--bogus"));
    assertEquals(2, run(System.out, quiet, "--world", "spin.lattice"));
    assertEquals(2, run(System.out, quiet, "--world", "energy.s3", "--config", "width=-3"));
    assertEquals(2, run(System.out, quiet, "--cell", "3"));
    assertEquals(2, run(System.out, quiet, "--config", "noequals"));
    assertEquals(2, run(System.out, quiet, "--config-json", "[1, 2]"));
    ByteArrayOutputStream help = new ByteArrayOutputStream();
    assertEquals(0, run(new PrintStream(help, true, StandardCharsets.UTF_8), quiet, "--help"));
    assertTrue(help.toString(StandardCharsets.UTF_8).contains("--out-dir"));
  }

  @Test
  void mapFilesComeFromTheDataDirectoryOnly(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("room.txt"), "#####\n#A.h#\n#####\n");
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    PrintStream err = new PrintStream(errors, true, StandardCharsets.UTF_8);
    assertEquals(0, run(new PrintStream(text, true, StandardCharsets.UTF_8), err, "--data-dir", dir.toString(),
        "--config", "map_file=room.txt", "--steps", "1", "--text"));
    assertTrue(text.toString(StandardCharsets.UTF_8).contains("#0.h#"), text::toString);
    assertEquals(2, run(System.out, err, "--data-dir", dir.toString(), "--config", "map_file=../room.txt"));
    assertEquals(2, run(System.out, err, "--config", "map_file=/etc/passwd"));
    assertTrue(errors.toString(StandardCharsets.UTF_8).contains("absolute path"), errors::toString);
  }
}
