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
 * uncompressed byte before it. Lines are encoded into one reused byte buffer (step lines are
 * ASCII), so writing a step allocates nothing beyond what gzip needs.
 *
 * <p>Also the number formatting every writer shares: {@link #appendFloat} and
 * {@link #appendDouble} write the shortest decimal Java gives that reads back to the same value
 * (JSON has no NaN or infinity: those are written as {@code null}).
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
  private byte[] buffer = new byte[1 << 14];
  private long bytes;
  private long lines;
  private boolean closed;

  /**
   * @param out where the compressed bytes go; closed by {@link #finish} and {@link #close}
   */
  public ReplayWriter(OutputStream out) {
    try {
      // Level 1: the recorder runs in the step loop; higher levels cost time and save little here.
      this.gzip = new GZIPOutputStream(out, 1 << 16) {
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
  public void line(CharSequence line) throws IOException {
    int n = line.length();
    if (buffer.length < n + 1) {
      buffer = new byte[Math.max(n + 1, buffer.length * 2)];
    }
    byte[] b = buffer;
    for (int i = 0; i < n; i++) {
      char c = line.charAt(i);
      if (c >= 0x80) { // not ASCII: rare (names in a header), encode properly
        writeBytes((line.toString() + "\n").getBytes(StandardCharsets.UTF_8));
        return;
      }
      b[i] = (byte) c;
    }
    b[n] = '\n';
    writeBytes(b, n + 1);
  }

  private void writeBytes(byte[] b) throws IOException {
    writeBytes(b, b.length);
  }

  private void writeBytes(byte[] b, int len) throws IOException {
    sha256.update(b, 0, len);
    gzip.write(b, 0, len);
    bytes += len;
    lines++;
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

  // ---------------------------------------------------------------- number formatting

  /** A float that reads back exactly; integers without a fraction, non-finite values as null. */
  public static StringBuilder appendFloat(StringBuilder sb, float f) {
    if (f == (int) f && (f != 0f || Float.floatToRawIntBits(f) == 0)) {
      return sb.append((int) f);
    }
    if (Float.isNaN(f) || Float.isInfinite(f)) {
      return sb.append("null");
    }
    return sb.append(f);
  }

  /** A double that reads back exactly; integers without a fraction, non-finite values as null. */
  public static StringBuilder appendDouble(StringBuilder sb, double d) {
    if (d == (long) d && Math.abs(d) < 1e15 && (d != 0 || Double.doubleToRawLongBits(d) == 0)) {
      return sb.append((long) d);
    }
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      return sb.append("null");
    }
    return sb.append(d);
  }

  /** {@code ,"name":} (or without the comma for the first field when {@code first}). */
  static StringBuilder key(StringBuilder sb, String name) {
    return sb.append(",\"").append(name).append("\":");
  }

  static void ints(StringBuilder sb, int[] v, int from, int to) {
    sb.append('[');
    for (int i = from; i < to; i++) {
      if (i > from) {
        sb.append(',');
      }
      sb.append(v[i]);
    }
    sb.append(']');
  }

  static void bytes(StringBuilder sb, byte[] v, int from, int to) {
    sb.append('[');
    for (int i = from; i < to; i++) {
      if (i > from) {
        sb.append(',');
      }
      sb.append(v[i]);
    }
    sb.append(']');
  }

  static void floats(StringBuilder sb, float[] v, int from, int to) {
    sb.append('[');
    for (int i = from; i < to; i++) {
      if (i > from) {
        sb.append(',');
      }
      appendFloat(sb, v[i]);
    }
    sb.append(']');
  }
}
