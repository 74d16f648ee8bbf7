package dev.kindred.env;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Client text quoted in messages and logs: short, on one line, nothing hidden. */
class QuoteTest {

  @Test
  void shortPrintableTextIsKept() {
    assertEquals("spin.lattice", Quote.excerpt("spin.lattice"));
    assertEquals("caf\u00e9 \ud83d\ude00", Quote.excerpt("caf\u00e9 \ud83d\ude00"));
    assertEquals("null", Quote.excerpt(null));
    assertEquals("", Quote.excerpt(""));
  }

  @Test
  void longTextIsCutWithItsLength() {
    assertEquals("a".repeat(64) + "... (1048576 characters)", Quote.excerpt("a".repeat(1 << 20)));
    assertEquals("abc... (5 characters)", Quote.excerpt("abcde", 3));
    assertEquals("abc", Quote.excerpt("abc", 3));
  }

  @Test
  void aSurrogatePairIsNeverSplit() {
    String s = "ab\ud83d\ude00cd";
    assertEquals("ab... (6 characters)", Quote.excerpt(s, 3));
    assertEquals("ab\ud83d\ude00... (6 characters)", Quote.excerpt(s, 4));
  }

  @Test
  void lineBreaksControlsAndInvisibleCharactersAreEscaped() {
    assertEquals("a\\nb\\r\\tc\\u0000\\u001b[31m", Quote.excerpt("a\nb\r\tc\u0000\u001b[31m"));
    assertEquals("\\u2028\\u2029\\u0085\\u202e\\u200b", Quote.excerpt("\u2028\u2029\u0085\u202e\u200b"));
    assertEquals("x\\ud800y", Quote.excerpt("x\ud800y"), "an unpaired surrogate");
  }

  @Test
  void maxCharsMustBePositive() {
    assertThrows(IllegalArgumentException.class, () -> Quote.excerpt("x", 0));
  }
}
