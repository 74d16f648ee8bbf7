package dev.kindred.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RenderCommandTest {

  @Test
  void renderCommand(@TempDir Path dir) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
    Path sheet = dir.resolve("sheet.png");
    assertEquals(0, RenderCommand.run(new String[] {"--world", "energy.s3", "--steps", "6", "--every", "3",
        "--cell", "8", "--config", "kinship=teams", "--config", "groups=2", "--out", sheet.toString()},
        new PrintStream(out, true, StandardCharsets.UTF_8), quiet));
    assertTrue(Files.isRegularFile(sheet));
    assertEquals(0, RenderCommand.run(new String[] {"--world", "energy.alone", "--steps", "2", "--every", "1",
        "--out-dir", dir.resolve("frames").toString()}, System.out, quiet));
    assertTrue(Files.isRegularFile(dir.resolve("frames/frame-00002.png")));
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    assertEquals(0, RenderCommand.run(new String[] {"--config-json", "{\"map\": \"#####\\n#A.h#\\n#####\"}",
        "--steps", "1", "--text"}, new PrintStream(text, true, StandardCharsets.UTF_8), quiet));
    String t = text.toString(StandardCharsets.UTF_8);
    assertTrue(t.contains("#0.h#"), t);
    assertTrue(t.contains("step 1/"), t);
    assertEquals(2, RenderCommand.run(new String[] {"--bogus"}, System.out, quiet));
    assertEquals(2, RenderCommand.run(new String[] {"--world", "spin.lattice"}, System.out, quiet));
    assertEquals(2, RenderCommand.run(new String[] {"--world", "energy.s3", "--config", "width=-3"}, System.out, quiet));
    ByteArrayOutputStream help = new ByteArrayOutputStream();
    assertEquals(0, RenderCommand.run(new String[] {"--help"}, new PrintStream(help, true, StandardCharsets.UTF_8), quiet));
    assertTrue(help.toString(StandardCharsets.UTF_8).contains("--out-dir"));
  }
}
