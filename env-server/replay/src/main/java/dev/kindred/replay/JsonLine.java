package dev.kindred.replay;

/**
 * One JSON line being built as ASCII bytes in a reused, growable buffer: what the recorders write
 * every step. Integers are formatted straight into the buffer; floats and doubles through one
 * reused {@link StringBuilder} (the JDK's shortest round-trip digits, no allocation). Names and
 * strings given to {@link #raw} must be ASCII and need no JSON escaping.
 */
final class JsonLine {
  private byte[] buf = new byte[1 << 12];
  private int len;
  private final StringBuilder number = new StringBuilder(32);

  void clear() {
    len = 0;
  }

  int length() {
    return len;
  }

  byte[] bytes() {
    return buf;
  }

  private void room(int n) {
    if (len + n > buf.length) {
      buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
    }
  }

  JsonLine raw(char c) {
    room(1);
    buf[len++] = (byte) c;
    return this;
  }

  /** Appends ASCII text as it is. */
  JsonLine raw(String ascii) {
    int n = ascii.length();
    room(n);
    for (int i = 0; i < n; i++) {
      buf[len + i] = (byte) ascii.charAt(i);
    }
    len += n;
    return this;
  }

  /** {@code ,"name":} */
  JsonLine key(String name) {
    room(name.length() + 4);
    buf[len++] = ',';
    buf[len++] = '"';
    for (int i = 0; i < name.length(); i++) {
      buf[len++] = (byte) name.charAt(i);
    }
    buf[len++] = '"';
    buf[len++] = ':';
    return this;
  }

  /** An int; values below 1000 (almost all of a step line) take a short path. */
  JsonLine integer(int v) {
    room(11);
    byte[] b = buf;
    int at = len;
    if (v < 0) {
      if (v == Integer.MIN_VALUE) {
        return raw(Integer.toString(v));
      }
      b[at++] = '-';
      v = -v;
    }
    if (v < 10) {
      b[at++] = (byte) ('0' + v);
    } else if (v < 100) {
      int q = v / 10;
      b[at++] = (byte) ('0' + q);
      b[at++] = (byte) ('0' + v - 10 * q);
    } else if (v < 1000) {
      int h = v / 100;
      int r = v - 100 * h;
      int q = r / 10;
      b[at++] = (byte) ('0' + h);
      b[at++] = (byte) ('0' + q);
      b[at++] = (byte) ('0' + r - 10 * q);
    } else {
      int digits = 4;
      for (int x = v / 10000; x > 0; x /= 10) {
        digits++;
      }
      for (int i = at + digits - 1; i >= at; i--) {
        int q = v / 10;
        b[i] = (byte) ('0' + v - 10 * q);
        v = q;
      }
      at += digits;
    }
    len = at;
    return this;
  }

  JsonLine integer(long v) {
    if (v == (int) v) {
      return integer((int) v);
    }
    return raw(Long.toString(v)); // beyond int: rare (never in a step line of today's worlds)
  }

  /** A float that reads back exactly; whole numbers without a fraction; NaN and infinities as null. */
  JsonLine decimal(float f) {
    if (f == (int) f && (f != 0f || Float.floatToRawIntBits(f) == 0)) {
      return integer((int) f);
    }
    if (Float.isNaN(f) || Float.isInfinite(f)) {
      return raw("null");
    }
    number.setLength(0);
    number.append(f);
    return chars(number);
  }

  /** A double that reads back exactly; whole numbers without a fraction; NaN and infinities as null. */
  JsonLine decimal(double d) {
    if (d == (long) d && Math.abs(d) < 1e15 && (d != 0 || Double.doubleToRawLongBits(d) == 0)) {
      return integer((long) d);
    }
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      return raw("null");
    }
    number.setLength(0);
    number.append(d);
    return chars(number);
  }

  private JsonLine chars(CharSequence s) {
    int n = s.length();
    room(n);
    for (int i = 0; i < n; i++) {
      buf[len + i] = (byte) s.charAt(i);
    }
    len += n;
    return this;
  }

  JsonLine ints(int[] v, int from, int to) {
    raw('[');
    for (int i = from; i < to; i++) {
      if (i > from) {
        raw(',');
      }
      integer(v[i]);
    }
    return raw(']');
  }

  JsonLine bytes(byte[] v, int from, int to) {
    raw('[');
    for (int i = from; i < to; i++) {
      if (i > from) {
        raw(',');
      }
      integer(v[i]);
    }
    return raw(']');
  }

  JsonLine floats(float[] v, int from, int to) {
    raw('[');
    for (int i = from; i < to; i++) {
      if (i > from) {
        raw(',');
      }
      decimal(v[i]);
    }
    return raw(']');
  }

  @Override
  public String toString() {
    return new String(buf, 0, len, java.nio.charset.StandardCharsets.US_ASCII);
  }
}
