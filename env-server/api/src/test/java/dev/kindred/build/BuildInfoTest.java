package dev.kindred.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BuildInfoTest {

  @Test
  void reportsWhatTheBuildStamped() throws Exception {
    Properties stamped = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream(BuildInfo.RESOURCE)) {
      assertNotNull(in, "the build writes " + BuildInfo.RESOURCE);
      stamped.load(in);
    }
    BuildInfo info = BuildInfo.current();
    assertEquals(stamped.getProperty("version"), info.version());
    assertEquals(stamped.getProperty("commit"), info.commit());
    assertEquals(Boolean.parseBoolean(stamped.getProperty("dirty")), info.dirty());
    assertFalse(info.version().contains("${"), "the build filled in the version: " + info.version());
    assertFalse(info.commit().contains("${"), "the build set the commit: " + info.commit());
    String v = info.codeVersion();
    assertFalse(v.contains("\n") || v.contains("\r"), "one line: '" + v + "'");
    assertTrue(v.startsWith(info.version() + "+" + info.commit()), v);
  }

  @Test
  void stampsTheCheckoutItIsBuiltIn() throws Exception {
    // Surefire runs in the module directory; in a linked worktree too, the stamp is its HEAD.
    String head;
    try {
      Process git = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
      head = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      assumeTrue(git.waitFor(10, TimeUnit.SECONDS) && git.exitValue() == 0, "not built in a git checkout");
    } catch (java.io.IOException e) {
      assumeTrue(false, "no git: " + e.getMessage());
      return;
    }
    String commit = BuildInfo.current().commit();
    assertTrue(commit.length() >= 7 && head.startsWith(commit), "stamped " + commit + ", HEAD is " + head);
  }

  @Test
  void unknownWithoutAStamp() {
    BuildInfo none = BuildInfo.of(new Properties());
    assertEquals(new BuildInfo(BuildInfo.UNKNOWN, BuildInfo.UNKNOWN, false), none);
    Properties unfilled = new Properties();
    unfilled.setProperty("version", "0.1.0");
    unfilled.setProperty("commit", "${build.commit}");
    unfilled.setProperty("dirty", "${build.dirty}");
    assertEquals("0.1.0+unknown", BuildInfo.of(unfilled).codeVersion());
    assertEquals("0.1.0+1a2b3c-dirty", new BuildInfo("0.1.0", " 1a2b3c\n", true).codeVersion());
  }
}
