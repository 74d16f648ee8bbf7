package dev.kindred.env;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.Optional;

/**
 * The files a world may read: regular files inside one directory that the host's operator chose
 * (a server's {@code --data-dir}; in process, whoever creates the environment), named by paths
 * relative to it. A world never opens a path a client named: it asks this object, which
 *
 * <ul>
 *   <li>accepts only a relative name without {@code ..} steps that leave the directory;
 *   <li>resolves it with every symbolic link followed ({@link Path#toRealPath}) and checks that
 *       the result is still inside the directory;
 *   <li>reads only a regular file (never a directory, device, FIFO or socket, which could block
 *       or never end), of at most {@link #maxBytes()} bytes, checked before reading and enforced
 *       while reading (a file that grows is cut off, not read whole);
 *   <li>reports every problem as an {@link EnvException} naming the configuration key, the name
 *       the client gave and the problem, and never quoting the file's contents.
 * </ul>
 *
 * <p>{@link #none()} reads nothing: every request is refused with a message that says to send
 * the data inline. Immutable and thread-safe.
 */
public final class DataFiles {
  /** The default size cap of one data file: 64 MiB. */
  public static final long DEFAULT_MAX_BYTES = 64L << 20;
  /** Longest name quoted back in an error message. */
  private static final int SHOWN_NAME = 80;
  private static final DataFiles NONE = new DataFiles(null, DEFAULT_MAX_BYTES, "");

  /** The real path of the directory, or null for {@link #none()}. */
  private final Path root;
  private final long maxBytes;
  /** Appended to size errors: how the operator raises the cap (e.g. a server flag). */
  private final String raiseCap;

  private DataFiles(Path root, long maxBytes, String raiseCap) {
    this.root = root;
    this.maxBytes = maxBytes;
    this.raiseCap = raiseCap;
  }

  /** No data directory: worlds read no files, clients send their data inline. */
  public static DataFiles none() {
    return NONE;
  }

  /** The files under {@code directory}, at most {@link #DEFAULT_MAX_BYTES} each. */
  public static DataFiles in(Path directory) {
    return in(directory, DEFAULT_MAX_BYTES, "");
  }

  /**
   * The files under {@code directory}.
   *
   * @param maxBytes largest file that may be read
   * @param raiseCap how the cap is raised, appended to the error for a file over it (e.g.
   *                 {@code "restart the server with a larger --max-file-mb"}); may be empty
   * @throws IllegalArgumentException when {@code directory} is not an existing directory
   */
  public static DataFiles in(Path directory, long maxBytes, String raiseCap) {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(raiseCap, "raiseCap");
    if (maxBytes < 1) {
      throw new IllegalArgumentException("maxBytes must be >= 1, got " + maxBytes);
    }
    Path real;
    try {
      real = directory.toRealPath();
    } catch (IOException e) {
      throw new IllegalArgumentException("data directory " + directory + " cannot be used: " + e, e);
    }
    if (!Files.isDirectory(real)) {
      throw new IllegalArgumentException("data directory " + directory + " is not a directory");
    }
    return new DataFiles(real, maxBytes, raiseCap);
  }

  /** Whether there is a data directory at all. */
  public boolean available() {
    return root != null;
  }

  /** The directory's real path; empty for {@link #none()}. For the host's log, never for clients. */
  public Optional<Path> directory() {
    return Optional.ofNullable(root);
  }

  /** The size cap of one file, in bytes. */
  public long maxBytes() {
    return maxBytes;
  }

  /**
   * Reads a UTF-8 text file named by a client.
   *
   * @param field  the configuration key that named it, for error messages (e.g. {@code
   *               "config.map_file"})
   * @param name   the name the client gave: a path relative to the data directory
   * @param inline what the client can send instead, for the message when there is no data
   *               directory (e.g. {@code "send the matrix inline with 'couplings'"})
   * @throws EnvException INVALID_ARGUMENT for a name that is not allowed, a file that is missing,
   *                      not regular or not UTF-8; RESOURCE_EXHAUSTED for a file over the cap
   */
  public String readString(String field, String name, String inline) {
    byte[] bytes = readBytes(field, name, inline);
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw EnvException.invalid(field, "data file " + shown(name) + " is not UTF-8 text");
    }
  }

  /** Reads a file named by a client; see {@link #readString}. */
  public byte[] readBytes(String field, String name, String inline) {
    if (root == null) {
      throw EnvException.invalid(field, "this host has no data directory, so it reads no files (a server's "
          + "operator names one with --data-dir); " + inline);
    }
    Path file = resolve(field, name);
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      throw unreadable(field, name);
    }
    if (!attributes.isRegularFile()) {
      throw EnvException.invalid(field, "data file " + shown(name) + " is not a regular file (it is a "
          + (attributes.isDirectory() ? "directory" : "device, FIFO or socket") + "); name a regular file "
          + "in the data directory");
    }
    if (attributes.size() > maxBytes) {
      throw tooLarge(field, name, attributes.size() + " bytes");
    }
    // NOFOLLOW_LINKS: the real path has no link left; a link put there since is not followed.
    try (InputStream in = Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      // One byte past the cap tells a file that grew since it was measured.
      byte[] bytes = in.readNBytes((int) Math.min(maxBytes + 1, Integer.MAX_VALUE - 16));
      if (bytes.length > maxBytes) {
        throw tooLarge(field, name, "more than " + maxBytes + " bytes");
      }
      return bytes;
    } catch (IOException | UncheckedIOException e) {
      throw unreadable(field, name);
    }
  }

  /** The real path of a client's name, checked to lie inside the data directory. */
  private Path resolve(String field, String name) {
    if (name == null || name.isEmpty()) {
      throw EnvException.invalid(field, "is empty; expected the name of a file in the data directory");
    }
    for (int i = 0; i < name.length(); i++) {
      if (Character.isISOControl(name.charAt(i))) {
        throw EnvException.invalid(field, "the file name contains a control character; expected the name of "
            + "a file in the data directory, relative to it");
      }
    }
    Path relative;
    try {
      relative = root.getFileSystem().getPath(name);
    } catch (InvalidPathException e) {
      throw EnvException.invalid(field, shown(name) + " is not a valid file name");
    }
    if (relative.isAbsolute() || relative.getRoot() != null) {
      throw EnvException.invalid(field, shown(name) + " is an absolute path; name a file relative to the data "
          + "directory; files outside it cannot be read");
    }
    Path inside = root.resolve(relative).normalize();
    if (!inside.startsWith(root)) {
      throw EnvException.invalid(field, shown(name) + " leaves the data directory ('..'); name a file inside "
          + "it; files outside it cannot be read");
    }
    Path real;
    try {
      real = inside.toRealPath();
    } catch (NoSuchFileException e) {
      throw EnvException.invalid(field, "there is no data file " + shown(name) + " in the data directory");
    } catch (IOException | SecurityException e) {
      throw unreadable(field, name);
    }
    if (!real.startsWith(root)) {
      throw EnvException.invalid(field, "data file " + shown(name) + " is a link to a place outside the data "
          + "directory; files outside it cannot be read");
    }
    return real;
  }

  private EnvException tooLarge(String field, String name, String size) {
    return EnvException.exhausted(field + ": data file " + shown(name) + " is " + size + ", more than the limit "
        + "of " + maxBytes + " bytes per data file" + (raiseCap.isEmpty() ? "" : "; " + raiseCap));
  }

  private static EnvException unreadable(String field, String name) {
    // The I/O error's own text is not passed on: it may describe the host's file system.
    return EnvException.invalid(field, "data file " + shown(name) + " cannot be read");
  }

  /** The client's name, quoted and cut short. */
  private static String shown(String name) {
    return "'" + (name.length() > SHOWN_NAME ? name.substring(0, SHOWN_NAME) + "..." : name) + "'";
  }

  @Override
  public String toString() {
    return root == null ? "DataFiles{none}" : "DataFiles{" + root + ", max " + maxBytes + " bytes}";
  }
}
