package dev.kindred.env;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients name files only inside the operator's data directory: nothing outside it, nothing but
 * regular files, nothing over the cap, and no error ever quotes a file's contents.
 */
class DataFilesTest {
  private static final String FIELD = "config.couplings_file";
  private static final String INLINE = "send the matrix inline with 'couplings'";
  private static final String SECRET = "root:x:0:0:secret-first-line";

  @TempDir
  Path tmp;

  private DataFiles data() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("data"));
    Files.writeString(Files.createDirectories(dir.resolve("sub")).resolve("ok.txt"), "0 1\n1 0\n");
    Files.writeString(tmp.resolve("outside.txt"), SECRET + "\n");
    return DataFiles.in(dir, 1024, "restart the server with a larger --max-file-mb");
  }

  private static EnvException refused(DataFiles files, String name, String... fragments) {
    EnvException e = assertThrows(EnvException.class, () -> files.readString(FIELD, name, INLINE));
    String m = e.getMessage();
    assertTrue(m.startsWith(FIELD), m);
    for (String f : fragments) {
      assertTrue(m.contains(f), () -> "'" + m + "' should contain '" + f + "'");
    }
    assertFalse(m.contains("secret") || m.contains("root:"), () -> "a file's contents leaked: " + m);
    return e;
  }

  @Test
  void readsARelativeRegularFileInside() throws IOException {
    DataFiles files = data();
    assertEquals("0 1\n1 0\n", files.readString(FIELD, "sub/ok.txt", INLINE));
    assertEquals("0 1\n1 0\n", files.readString(FIELD, "./sub/../sub/ok.txt", INLINE));
    assertArrayEquals("0 1\n1 0\n".getBytes(StandardCharsets.UTF_8), files.readBytes(FIELD, "sub/ok.txt", INLINE));
  }

  @Test
  void withoutADataDirectoryNothingIsRead() throws IOException {
    Files.writeString(tmp.resolve("x.txt"), SECRET);
    EnvException e = refused(DataFiles.none(), tmp.resolve("x.txt").toString(), "no data directory", "--data-dir",
        INLINE);
    assertEquals(EnvException.Kind.INVALID_ARGUMENT, e.kind());
    refused(DataFiles.none(), "/etc/passwd", "no data directory");
  }

  @Test
  void absolutePathsAndEscapesAreRefused() throws IOException {
    DataFiles files = data();
    refused(files, tmp.resolve("outside.txt").toString(), "absolute path");
    refused(files, "/etc/passwd", "absolute path");
    refused(files, "/proc/self/environ", "absolute path");
    refused(files, "../outside.txt", "leaves the data directory");
    refused(files, "sub/../../outside.txt", "leaves the data directory");
    refused(files, "missing.txt", "there is no data file 'missing.txt'");
    refused(files, "", "is empty");
    refused(files, "sub/ok.txt\u0000", "control character");
  }

  @Test
  void linksLeadingOutsideAreRefused() throws IOException {
    DataFiles files = data();
    Path dir = files.directory().orElseThrow();
    try {
      Files.createSymbolicLink(dir.resolve("passwd"), tmp.resolve("outside.txt"));
      Files.createSymbolicLink(dir.resolve("zero"), Path.of("/dev/zero"));
      Files.createSymbolicLink(dir.resolve("up"), tmp);
    } catch (UnsupportedOperationException | IOException e) {
      assumeTrue(false, "symbolic links are not supported here: " + e);
    }
    refused(files, "passwd", "is a link to a place outside the data directory");
    refused(files, "zero", "outside the data directory");
    refused(files, "up/outside.txt", "outside the data directory");
    // A link that stays inside is fine.
    Files.createSymbolicLink(dir.resolve("inner"), dir.resolve("sub/ok.txt"));
    assertEquals("0 1\n1 0\n", files.readString(FIELD, "inner", INLINE));
  }

  @Test
  void onlyRegularFilesAreRead() throws Exception {
    DataFiles files = data();
    refused(files, "sub", "not a regular file", "directory");
    refused(files, ".", "not a regular file");
    Path fifo = files.directory().orElseThrow().resolve("fifo");
    Process p;
    try {
      p = new ProcessBuilder("mkfifo", fifo.toString()).start();
    } catch (IOException e) {
      assumeTrue(false, "mkfifo is not available: " + e);
      return;
    }
    assumeTrue(p.waitFor() == 0 && Files.exists(fifo), "mkfifo failed");
    // Opening a FIFO for reading blocks until a writer comes: it must be refused before that.
    assertTimeoutPreemptively(Duration.ofSeconds(5), () -> refused(files, "fifo", "not a regular file"));
  }

  @Test
  void filesOverTheCapAreRefusedUnread() throws IOException {
    DataFiles files = data();
    Path dir = files.directory().orElseThrow();
    Files.writeString(dir.resolve("big.txt"), "1 ".repeat(600));
    EnvException e = refused(files, "big.txt", "1200 bytes", "limit of 1024 bytes", "--max-file-mb");
    assertEquals(EnvException.Kind.RESOURCE_EXHAUSTED, e.kind());
    Files.write(dir.resolve("latin1.txt"), new byte[] {'r', 'o', 'o', 't', ':', (byte) 0xE9, '\n'});
    refused(files, "latin1.txt", "not UTF-8 text");
  }

  @Test
  void theDirectoryMustExist() {
    assertThrows(IllegalArgumentException.class, () -> DataFiles.in(tmp.resolve("nope")));
    assertFalse(DataFiles.none().available());
  }
}
