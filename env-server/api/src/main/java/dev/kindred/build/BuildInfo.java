package dev.kindred.build;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * What this build of Kindred is: the project version, and the git commit its classes were
 * built from and whether tracked files differed from that commit, stamped into
 * {@code build-info.properties} at build time (see {@code env-server/api/pom.xml}). Stamping at
 * build time rather than asking git at run time means the answer describes the code that runs,
 * whatever directory the process starts in.
 *
 * @param version the Maven project version, or {@value #UNKNOWN}
 * @param commit  the abbreviated commit id, or {@value #UNKNOWN} for a build outside a git checkout
 * @param dirty   whether tracked files had uncommitted changes when the classes were built
 */
public record BuildInfo(String version, String commit, boolean dirty) {
  /** What a field reads when the build could not tell. */
  public static final String UNKNOWN = "unknown";

  /** The stamped resource, on the class path beside this class. */
  static final String RESOURCE = "build-info.properties";

  private static final BuildInfo CURRENT = load();

  public BuildInfo {
    version = clean(version);
    commit = clean(commit);
  }

  /** This build's stamp. */
  public static BuildInfo current() {
    return CURRENT;
  }

  /**
   * One line naming the code: {@code 0.1.0-SNAPSHOT+1a2b3c4d5e6f}, with {@code -dirty} appended
   * when the tree had uncommitted changes (as {@code git describe --dirty} marks it), and
   * {@code +unknown} outside a git checkout.
   */
  public String codeVersion() {
    return version + "+" + commit + (dirty ? "-dirty" : "");
  }

  @Override
  public String toString() {
    return codeVersion();
  }

  /** The stamp in {@code p}; keys that are missing or were never filled in read as unknown. */
  static BuildInfo of(Properties p) {
    return new BuildInfo(p.getProperty("version"), p.getProperty("commit"),
        Boolean.parseBoolean(clean(p.getProperty("dirty"))));
  }

  private static BuildInfo load() {
    Properties p = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
      if (in != null) { // absent when the classes were compiled without Maven (an IDE)
        p.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE + " from the class path", e);
    }
    return of(p);
  }

  /** Trimmed, and {@value #UNKNOWN} for a missing value or a placeholder the build left unfilled. */
  private static String clean(String v) {
    if (v == null) {
      return UNKNOWN;
    }
    String s = v.strip();
    return s.isEmpty() || s.contains("${") ? UNKNOWN : s;
  }
}
