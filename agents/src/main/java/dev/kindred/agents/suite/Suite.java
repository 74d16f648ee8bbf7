package dev.kindred.agents.suite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A folder of behavioural test files ({@link TestFile}), one test per {@code .json} file, in
 * name order: adding a test is adding a file. Suites live under {@code agents/suites}
 * ({@link #ROOT}, relative to the repository, where {@code ./kindred} runs); a suite may also be
 * named by its path.
 */
public record Suite(String name, Path dir, List<TestFile> tests) {

  /** Where named suites live, relative to the repository root. */
  public static final Path ROOT = Path.of("agents", "suites");

  public Suite {
    tests = List.copyOf(tests);
  }

  /**
   * The suite {@code name}: a folder of that name under {@code root}, or a folder at that path.
   * Reads every test file in it.
   *
   * @throws IllegalArgumentException for an unknown suite (listing the known ones), an empty one,
   *                                  or a malformed test file (naming the file and the field)
   */
  public static Suite load(String name, Path root) {
    Path dir = root.resolve(name);
    if (!Files.isDirectory(dir)) {
      Path given = Path.of(name);
      if (!Files.isDirectory(given)) {
        throw new IllegalArgumentException("unknown suite '" + name + "': expected a folder under " + root
            + " (" + describe(known(root)) + ") or the path of a folder of test files");
      }
      dir = given;
    }
    List<Path> files = files(dir);
    if (files.isEmpty()) {
      throw new IllegalArgumentException("suite " + dir + " has no test files (*.json); add one per test");
    }
    List<TestFile> tests = new ArrayList<>();
    for (Path f : files) {
      tests.add(TestFile.read(f));
    }
    return new Suite(dir.getFileName().toString(), dir, tests);
  }

  /** The named suites under {@code root}: its folders, in name order. */
  public static List<String> known(Path root) {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(root)) {
      return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot list " + root + ": " + e.getMessage(), e);
    }
  }

  private static String describe(List<String> names) {
    return names.isEmpty() ? "none there: run from the repository root" : "known: " + String.join(", ", names);
  }

  private static List<Path> files(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".json") && Files.isRegularFile(p)).sorted().toList();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot list the suite " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The tests' names, in order. */
  public List<String> testNames() {
    return tests.stream().map(TestFile::name).toList();
  }

  /**
   * The tests named, in the order given; all of them for an empty list.
   *
   * @throws IllegalArgumentException for a name the suite lacks, listing its tests
   */
  public List<TestFile> select(List<String> names) {
    if (names == null || names.isEmpty()) {
      return tests;
    }
    List<TestFile> out = new ArrayList<>();
    for (String n : names) {
      String bare = n.endsWith(".json") ? n.substring(0, n.length() - 5) : n;
      out.add(tests.stream().filter(t -> t.name().equals(bare)).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("--test " + n + ": suite " + name + " (" + dir
              + ") has no such test; its tests: " + String.join(", ", testNames()))));
    }
    return out;
  }
}
