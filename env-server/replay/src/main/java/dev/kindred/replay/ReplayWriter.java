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
 * Streams one replay file (docs/replay-format.md): gzip of JSON Lines, each line written as soon
 * as it is given, and on {@link #finish} the trailer {@code {"content_sha256": ...}} over every
 * uncompressed byte before it. Lines are copied into a chunk buffer (step lines are ASCII, copied
 * char by char) that is hashed and compressed when full, on the caller's thread or, for a
 * {@link RecordingWorld}, on a background thread; writing a step allocates nothing.
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

  private final OutputStream gzip;
  private final MessageDigest sha256;
  /** Hashes and compresses chunks in the background, or null: on the caller's thread. */
  private final Compressor compressor;
  private byte[] chunk;
  private int used;
  private long bytes;
  private long lines;
  private boolean closed;
  /** The first failure of the background thread, reported by the next call. */
  private volatile IOException failure;

  /**
   * A writer that hashes and compresses on the caller's thread.
   *
   * @param out where the compressed bytes go; closed by {@link #finish} and {@link #close}
   */
  public ReplayWriter(OutputStream out) {
    this(out, null);
  }

  /** A writer whose chunks of lines are hashed and compressed by {@code compressor} (null: inline). */
  ReplayWriter(OutputStream out, Compressor compressor) {
    try {
      // Level 1: the recorder runs beside the step loop; higher levels cost time and save little here.
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
    this.compressor = compressor;
    this.chunk = compressor != null ? compressor.take() : new byte[Compressor.CHUNK];
  }

  /** Writes {@code line} (one JSON object, without its newline) and a newline. */
  public void line(CharSequence line) throws IOException {
    checkFailure();
    int n = line.length();
    if (n + 1 > chunk.length - used) {
      handOff();
      if (n + 1 > chunk.length) { // a long line (a big header): on its own
        byte[] b = (line.toString() + "\n").getBytes(StandardCharsets.UTF_8);
        process(b, b.length, false);
        bytes += b.length;
        lines++;
        return;
      }
    }
    byte[] b = chunk;
    int at = used;
    for (int i = 0; i < n; i++) {
      char c = line.charAt(i);
      if (c >= 0x80) { // not ASCII: rare (names in a header), encode properly
        handOff();
        byte[] u = (line.toString() + "\n").getBytes(StandardCharsets.UTF_8);
        process(u, u.length, false);
        bytes += u.length;
        lines++;
        return;
      }
      b[at + i] = (byte) c;
    }
    b[at + n] = '\n';
    used = at + n + 1;
    bytes += n + 1;
    lines++;
  }

  /** Writes a line built as ASCII bytes, and a newline. */
  void line(JsonLine line) throws IOException {
    checkFailure();
    int n = line.length();
    if (n + 1 > chunk.length - used) {
      handOff();
      if (n + 1 > chunk.length) {
        byte[] b = java.util.Arrays.copyOf(line.bytes(), n + 1);
        b[n] = '\n';
        process(b, b.length, false);
        bytes += b.length;
        lines++;
        return;
      }
    }
    System.arraycopy(line.bytes(), 0, chunk, used, n);
    chunk[used + n] = '\n';
    used += n + 1;
    bytes += n + 1;
    lines++;
  }

  /** Hashes and compresses the buffered lines (in the background when there is a compressor). */
  private void handOff() throws IOException {
    if (used == 0) {
      return;
    }
    if (compressor == null) {
      process(chunk, used, false);
    } else {
      process(chunk, used, true);
      chunk = compressor.take();
    }
    used = 0;
  }

  /** Hashes and compresses b[0, n); {@code pooled}: b is a pool buffer to give back afterwards. */
  private void process(byte[] b, int n, boolean pooled) throws IOException {
    if (compressor == null) {
      sha256.update(b, 0, n);
      gzip.write(b, 0, n);
      return;
    }
    compressor.submit(() -> {
      try {
        if (failure == null) {
          sha256.update(b, 0, n);
          gzip.write(b, 0, n);
        }
      } catch (IOException e) {
        failure = e;
      } finally {
        if (pooled) {
          compressor.release(b);
        }
      }
    });
  }

  private void checkFailure() throws IOException {
    IOException e = failure;
    if (e != null) {
      throw new IOException("writing the replay failed: " + e.getMessage(), e);
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
    finish(() -> { });
  }

  /**
   * Writes the trailer and closes the file, then runs {@code closed} (on the background thread
   * when there is one: the file is complete only then).
   */
  void finish(Runnable closed) throws IOException {
    if (this.closed) {
      return;
    }
    checkFailure();
    handOff();
    this.closed = true;
    byte[] last = chunk;
    chunk = null;
    Runnable trailer = () -> {
      try {
        if (failure == null) {
          String hex = HexFormat.of().formatHex(sha256.digest());
          gzip.write(("{\"content_sha256\":\"" + hex + "\"}\n").getBytes(StandardCharsets.US_ASCII));
        }
        gzip.close();
      } catch (IOException e) {
        if (failure == null) {
          failure = e;
        }
      } finally {
        if (compressor != null) {
          compressor.release(last);
        }
      }
      closed.run();
    };
    bytes += 84; // {"content_sha256":"<64 hex>"}\n
    lines++;
    if (compressor == null) {
      trailer.run();
      checkFailure();
    } else {
      compressor.submit(trailer);
    }
  }

  /** Closes without a trailer (readers then refuse the file as truncated); nothing after {@link #finish}. */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    if (compressor == null) {
      gzip.close();
      return;
    }
    byte[] last = chunk;
    chunk = null;
    compressor.submit(() -> {
      try {
        gzip.close();
      } catch (IOException e) {
        // the file is being abandoned; the failure that caused it is the one reported
      } finally {
        compressor.release(last);
      }
    });
  }
}
