package dev.kindred.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.server.core.Principal;
import dev.kindred.server.core.Quota;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The token file: format, quotas, mistakes reported by line without quoting a token, and lookup. */
class TokensTest {
  private static final String A1 = "9f2c1e0b7a5d4c3e8f6a1b2c3d4e5f60";
  private static final String A2 = "aGVsbG8td29ybGQtdG9rZW4tMDAx==";
  private static final String B = "0c9d8e7f6a5b4c3d2e1f001122334455";
  private static final Quota DEFAULTS = Quota.parse("sessions=64 creations=8");

  private static Tokens parse(String... lines) {
    return Tokens.parse(List.of(lines), "tokens.txt", DEFAULTS);
  }

  private static String mistake(String... lines) {
    return assertThrows(IllegalArgumentException.class, () -> parse(lines)).getMessage();
  }

  @Test
  void tokensMapToPrincipalsWithTheirQuotas() {
    Tokens t = parse(
        "# comment",
        "",
        A1 + "  alice  sessions=8 copies=4096",
        "  " + A2 + "\talice cells=unlimited",
        B + " bob");
    assertEquals(3, t.size());
    assertEquals(2, t.principals());
    Principal alice = t.lookup(A1);
    assertEquals("token:alice", alice.name());
    assertEquals("principal 'alice'", alice.description());
    assertEquals(Quota.parse("sessions=8 copies=4096 creations=8"), alice.quota());
    assertEquals(alice, t.lookup(A2));
    assertEquals(DEFAULTS, t.lookup(B).quota());
    assertNull(t.lookup(A1 + "x"));
    assertNull(t.lookup(A1.substring(1)));
    assertNull(t.lookup(""));
  }

  @Test
  void mistakesNameTheLineAndNeverQuoteAToken() {
    String shortToken = "abc123";
    String m = mistake("# header", shortToken + " alice");
    assertEquals("token file tokens.txt line 2: the token has 6 characters; a token needs 16 to 4096 (use random "
        + "ones, e.g. 'openssl rand -hex 32')", m);
    assertTrue(mistake(A1).contains("line 1: expected 'TOKEN PRINCIPAL"));
    assertTrue(mistake(A1 + " alice", A1 + " bob").contains("line 2: the same token as on line 1"));
    String secretish = "sk_live_DO_NOT_LEAK_0123456789";
    String bad = mistake(A1 + " alice " + secretish);
    assertTrue(bad.contains("line 1: field 3 is not a quota"), bad);
    assertFalse(bad.contains(secretish) || bad.contains(A1), bad);
    assertFalse(mistake("has space in token? " + A1).contains(A1));
    assertTrue(mistake(A1 + " alice sessions=0").contains("sessions=0: a quota must be at least 1"));
    assertTrue(mistake(A1 + " alice sessions=lots").contains("sessions=lots: expected a positive integer"));
    assertTrue(mistake(A1 + " al!ce").contains("principal 'al!ce' must be 1 to 64 characters"));
    assertTrue(mistake("tok\"en-with-a-quote-00000 alice").contains("character outside"));
    assertTrue(mistake(A1 + " alice sessions=2", B + " alice sessions=3")
        .contains("line 2: principal 'alice' already has sessions=2 on another line"));
  }
}
