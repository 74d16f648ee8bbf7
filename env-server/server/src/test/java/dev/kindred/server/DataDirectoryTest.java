package dev.kindred.server;

import static dev.kindred.server.Harness.assertStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.kindred.env.energy.EnergyWorldType;
import dev.kindred.env.spin.SpinBoltzmannType;
import dev.kindred.proto.v1.CreateSessionRequest;
import dev.kindred.proto.v1.EnvSpec;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding 1: a client never names a server path. Files come only from the operator's data
 * directory, by relative names that stay inside it; errors never quote a file's contents.
 */
class DataDirectoryTest {
  private static final String SECRET = "root:x:0:0:hidden-first-line";

  private static CreateSessionRequest couplings(String file) {
    return CreateSessionRequest.newBuilder().setWorldId(SpinBoltzmannType.ID)
        .setConfig(Harness.config(Map.of("couplings_file", file))).build();
  }

  private static CreateSessionRequest map(String file) {
    return CreateSessionRequest.newBuilder().setWorldId("energy.room")
        .setConfig(Harness.config(Map.of("map_file", file))).build();
  }

  private static Harness server(Path dataDir) {
    ServerConfig.Builder b = Harness.testConfig();
    if (dataDir != null) {
      b.dataDir(dataDir);
    }
    return Harness.inProcess(b.build(), new SpinBoltzmannType(), new EnergyWorldType.Room());
  }

  /** The request fails with {@code code}, naming the key and the fragments, quoting no secret. */
  private static void refused(Harness h, CreateSessionRequest r, Code code, String... fragments) {
    StatusRuntimeException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
        () -> assertStatus(code, () -> h.stub.createSession(r), fragments));
    String m = e.getStatus().getDescription();
    assertFalse(m.contains("root:") || m.contains("hidden") || m.contains("PATH="), () -> "leaked: " + m);
  }

  @Test
  void withoutADataDirectoryNoFileIsRead(@TempDir Path tmp) throws Exception {
    Path secret = Files.writeString(tmp.resolve("private.txt"), SECRET + "\n");
    try (Harness h = server(null)) {
      for (String path : new String[] {"/etc/passwd", "/etc/shadow", "/proc/self/environ", secret.toString(),
          "/dev/zero", "relative.txt"}) {
        refused(h, couplings(path), Code.INVALID_ARGUMENT, "config.couplings_file", "no data directory",
            "--data-dir", "inline with 'couplings'");
        refused(h, map(path), Code.INVALID_ARGUMENT, "config.map_file", "no data directory");
      }
    }
  }

  @Test
  void onlyFilesInsideTheDataDirectoryAreRead(@TempDir Path tmp) throws Exception {
    Path data = Files.createDirectories(tmp.resolve("data"));
    Files.writeString(tmp.resolve("private.txt"), SECRET + "\n");
    Files.writeString(data.resolve("not-numbers.txt"), SECRET + "\n");
    Files.writeString(data.resolve("not-a-map.txt"), SECRET + "\n");
    Files.writeString(data.resolve("tri.txt"), "0 1 0.5\n1 0 -0.5\n0.5 -0.5 0\n");
    Files.writeString(data.resolve("room.map"), "#####\n#AhA#\n#####\n");
    Files.createSymbolicLink(data.resolve("passwd"), Path.of("/etc/passwd"));
    try (Harness h = server(data)) {
      EnvSpec spec = h.stub.createSession(couplings("tri.txt")).getSpec();
      assertEquals("explicit 3 x 3 coupling matrix from tri.txt", spec.getPropertiesMap().get("graph"));
      assertEquals("file:room.map", h.stub.createSession(map("room.map")).getSpec().getPropertiesMap().get("map"));

      for (String absolute : new String[] {"/etc/passwd", "/proc/self/environ", "/dev/zero",
          tmp.resolve("private.txt").toString()}) {
        refused(h, couplings(absolute), Code.INVALID_ARGUMENT, "config.couplings_file", "absolute path");
        refused(h, map(absolute), Code.INVALID_ARGUMENT, "config.map_file", "absolute path");
      }
      refused(h, couplings("../private.txt"), Code.INVALID_ARGUMENT, "leaves the data directory");
      refused(h, couplings("passwd"), Code.INVALID_ARGUMENT, "outside the data directory");
      refused(h, couplings("."), Code.INVALID_ARGUMENT, "not a regular file");
      refused(h, couplings("missing.txt"), Code.INVALID_ARGUMENT, "no data file 'missing.txt'");
      refused(h, couplings("not-numbers.txt"), Code.INVALID_ARGUMENT, "line 1, entry 1 is not a number");
      refused(h, map("not-a-map.txt"), Code.INVALID_ARGUMENT, "unknown character at line 1, column 1");
    }
  }

  @Test
  void dataFilesHaveASizeCap(@TempDir Path data) throws Exception {
    Files.writeString(data.resolve("big.txt"), "0 ".repeat(1024));
    try (Harness h = Harness.inProcess(Harness.testConfig().dataDir(data).maxDataFileBytes(1024).build(),
        new SpinBoltzmannType())) {
      refused(h, couplings("big.txt"), Code.RESOURCE_EXHAUSTED, "2048 bytes", "limit of 1024 bytes",
          "--max-file-mb");
    }
  }
}
