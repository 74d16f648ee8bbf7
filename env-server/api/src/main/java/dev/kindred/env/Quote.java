package dev.kindred.env;

/**
 * Client-supplied text made safe to quote in an error message or a log line: cut to a short
 * excerpt and with every character that could break a line or disguise the text escaped.
 *
 * <p>Why: a message quotes what was wrong so that a person can fix it, but a world id, a key or
 * a value can be a megabyte long. gRPC carries the message in a trailer, and a message longer than
 * the client's metadata limit (8 KiB by default) reaches the client as an unrelated
 * RESOURCE_EXHAUSTED instead of the error. In a log, a newline in a client's text would start a
 * line that looks like the server's own.
 */
public final class Quote {
  /** How many characters of an input a message quotes: enough to recognise it. */
  public static final int EXCERPT_CHARS = 64;

  private Quote() {}

  /** {@link #excerpt(String, int)} with {@link #EXCERPT_CHARS} characters. */
  public static String excerpt(String text) {
    return excerpt(text, EXCERPT_CHARS);
  }

  /**
   * At most the first {@code maxChars} characters of {@code text} (a surrogate pair is never
   * split), followed by {@code "... (N characters)"} when it was cut; control, line- and
   * paragraph-separator and invisible formatting characters (e.g. bidirectional overrides) and
   * unpaired surrogates are written as Java escapes ({@code \n}, {@code \r}, {@code \t},
   * {@code \}{@code uXXXX}). Null is {@code "null"}. The result never contains a line break.
   */
  public static String excerpt(String text, int maxChars) {
    if (text == null) {
      return "null";
    }
    if (maxChars < 1) {
      throw new IllegalArgumentException("maxChars must be at least 1, got " + maxChars);
    }
    int end = Math.min(text.length(), maxChars);
    if (end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))
        && Character.isLowSurrogate(text.charAt(end))) {
      end--; // keep the pair whole: cut before it
    }
    StringBuilder b = new StringBuilder(end + 16);
    for (int i = 0; i < end; i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(text.charAt(i + 1))) {
        b.append(c).append(text.charAt(++i));
      } else if (needsEscape(c)) {
        escape(b, c);
      } else {
        b.append(c);
      }
    }
    if (end < text.length()) {
      b.append("... (").append(text.length()).append(" characters)");
    }
    return b.toString();
  }

  private static boolean needsEscape(char c) {
    if (Character.isISOControl(c) || Character.isSurrogate(c)) {
      return true; // a surrogate here is unpaired: pairs are copied whole above
    }
    return switch (Character.getType(c)) {
      case Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.FORMAT -> true;
      default -> false;
    };
  }

  private static void escape(StringBuilder b, char c) {
    switch (c) {
      case '\n' -> b.append("\\n");
      case '\r' -> b.append("\\r");
      case '\t' -> b.append("\\t");
      default -> b.append(String.format("\\u%04x", (int) c));
    }
  }
}
