package dev.kindred.replay;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Streams one replay file (docs/replay-format.md): gzip of JSON Lines and, on {@link #finish},
 * the trailer {@code {"content_sha256": ...}} over every uncompressed byte before it. Lines are
 * copied into a chunk buffer that is hashed and compressed (gzip level 1) each time it fills, so a
 * crash leaves a truncated file, never a wrong one; writing a step line allocates nothing. Not
 * thread-safe: one thread writes a file (a {@link RecordingWorld}'s background thread).
 *
 * <p>Numbers in step lines ({@link JsonLine}) are written as the decimal Java gives that reads
 * back to the same value (JSON has no NaN or infinity: those are written as {@code null}).
 */
public final class ReplayWriter implements Closeable {
  /** The format's name, the header's {@code format}. */
  public static final String FORMAT = "kindred-replay";
  /** The version this code writes and the newest it reads. */
  public static final int FORMAT_VERSION = 1;
  /** The file name suffix. */
  public static final String SUFFIX = ".replay.jsonl.gz";
  /** Bytes buffered before they are hashed and compressed: a few hundred step lines of a 20-agent world. */
  static final int CHUNK = 1 << 15;

  private final OutputStream gzip;
  private final MessageDigest sha256;
  private final byte[] chunk = new byte[CHUNK];
  private int used;
  private long bytes;
  private long lines;
  private boolean closed;

  /**
   * @param out where the compressed bytes go; closed by {@link #finish} and {@link #close}
   */
  public ReplayWriter(OutputStream out) {
    try {
      // Level 1: the recorder keeps up with the step loop; higher levels cost time and save little here.
      this.gzip = new GZIPOutputStream(out, 1 << 13) {
        {
          def.setLevel(Deflater.BEST_SPEED);
        }
      };
      this.sha256 = MessageDigest.getInstance("SHA-256");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** Writes {@code line} (one JSON object, without its newline) and a newline. */
  public void line(String line) throws IOException {
    byte[] b = (line + "\n").getBytes(StandardCharsets.UTF_8);
    write(b, b.length);
  }

  /** Writes a line built as ASCII bytes, and a newline. */
  void line(JsonLine line) throws IOException {
    int n = line.length();
    if (n + 1 > chunk.length - used) {
      flushChunk();
      if (n + 1 > chunk.length) {
        byte[] b = java.util.Arrays.copyOf(line.bytes(), n + 1);
        b[n] = '\n';
        write(b, b.length);
        return;
      }
    }
    System.arraycopy(line.bytes(), 0, chunk, used, n);
    chunk[used + n] = '\n';
    used += n + 1;
    bytes += n + 1;
    lines++;
  }

  private void write(byte[] b, int n) throws IOException {
    if (n > chunk.length - used) {
      flushChunk();
    }
    if (n > chunk.length) {
      sha256.update(b, 0, n);
      gzip.write(b, 0, n);
    } else {
      System.arraycopy(b, 0, chunk, used, n);
      used += n;
    }
    bytes += n;
    lines++;
  }

  private void flushChunk() throws IOException {
    if (used > 0) {
      sha256.update(chunk, 0, used);
      gzip.write(chunk, 0, used);
      used = 0;
    }
  }

  /** Uncompressed bytes written so far (without the trailer until {@link #finish}). */
  public long uncompressedBytes() {
    return bytes;
  }

  /** Lines written so far. */
  public long lines() {
    return lines;
  }

  /** Writes the trailer and closes the file. */
  public void finish() throws IOException {
    if (closed) {
      return;
    }
    flushChunk();
    String hex = HexFormat.of().formatHex(sha256.digest());
    byte[] trailer = ("{\"content_sha256\":\"" + hex + "\"}\n").getBytes(StandardCharsets.US_ASCII);
    gzip.write(trailer);
    bytes += trailer.length;
    lines++;
    closed = true;
    gzip.close();
  }

  /** Closes without a trailer (readers then refuse the file as truncated); nothing after {@link #finish}. */
  @Override
  public void close() throws IOException {
    if (!closed) {
      closed = true;
      gzip.close();
    }
  }
}
