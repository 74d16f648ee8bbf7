package dev.kindred.server.auth;

import dev.kindred.env.Quote;
import dev.kindred.server.core.Principal;
import dev.kindred.server.core.Quota;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The bearer tokens a server accepts, from a token file the operator names, each mapped to the
 * principal it authenticates and that principal's quota.
 *
 * <h2>Format</h2>
 * UTF-8 text, one token per line; blank lines and lines starting with {@code #} are ignored:
 * <pre>
 * # token                                                            principal  [quota]
 * 9f2c1e0b7a5d4c3e8f6a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a  alice      sessions=8 copies=4096
 * 0c9d8e7f6a5b4c3d2e1f00112233445566778899aabbccddeeff001122334455  bob
 * </pre>
 * <ul>
 *   <li>a token is 16 to 4096 characters of {@code A-Z a-z 0-9 - . _ ~ + /}, optionally followed
 *       by {@code =} padding (RFC 6750's token syntax); make them random, e.g. {@code openssl
 *       rand -hex 32};</li>
 *   <li>a principal is 1 to 64 characters of {@code A-Z a-z 0-9 - . _ @}; several tokens may
 *       name the same principal (e.g. while a token is rotated), and share its sessions;</li>
 *   <li>the quota ({@code sessions=N copies=N cells=N creations=N}, any subset; {@code unlimited}
 *       allowed) overrides the server's default quota key by key; when a principal has several
 *       lines, a key may be set on any of them, but not to two different values.</li>
 * </ul>
 * A mistake is reported with the file and line number, and never quotes a token.
 *
 * <p>Tokens are kept only as SHA-256 digests, and {@link #lookup} compares a presented token with
 * every one of them in constant time, so neither a memory dump nor response timing gives a token
 * away.
 */
public final class Tokens {
  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._~+/-]+=*");
  private static final Pattern PRINCIPAL = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
  private static final List<String> QUOTA_KEYS = List.of("sessions", "copies", "cells", "creations");
  static final int MIN_TOKEN_LENGTH = 16;
  static final int MAX_TOKEN_LENGTH = 4096;

  private record Entry(byte[] digest, Principal principal) {}

  private final List<Entry> entries;
  private final int principals;

  private Tokens(List<Entry> entries, int principals) {
    this.entries = List.copyOf(entries);
    this.principals = principals;
  }

  /**
   * Reads a token file.
   *
   * @param defaults the quota of a principal, key by key, where its lines set none
   * @throws UncheckedIOException     when the file cannot be read
   * @throws IllegalArgumentException naming the file and line of a mistake
   */
  public static Tokens load(Path file, Quota defaults) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the token file " + file + ": " + e, e);
    }
    return parse(lines, file.toString(), defaults);
  }

  /** Parses the lines of a token file; {@code source} names it in messages. */
  static Tokens parse(List<String> lines, String source, Quota defaults) {
    record Line(int number, String token, String principal) {}
    List<Line> parsed = new ArrayList<>();
    Map<String, Map<String, String>> quotas = new LinkedHashMap<>();
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      int n = i + 1;
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] fields = line.split("\\s+");
      if (fields.length < 2) {
        throw mistake(source, n, "expected 'TOKEN PRINCIPAL [sessions=N copies=N cells=N creations=N]', "
            + "got a single field");
      }
      String token = fields[0];
      if (token.length() < MIN_TOKEN_LENGTH || token.length() > MAX_TOKEN_LENGTH) {
        throw mistake(source, n, "the token has " + token.length() + " characters; a token needs "
            + MIN_TOKEN_LENGTH + " to " + MAX_TOKEN_LENGTH + " (use random ones, e.g. 'openssl rand -hex 32')");
      }
      if (!TOKEN.matcher(token).matches()) {
        throw mistake(source, n, "the token has a character outside A-Z a-z 0-9 - . _ ~ + / (and '=' padding at "
            + "its end)");
      }
      String principal = fields[1];
      if (!PRINCIPAL.matcher(principal).matches()) {
        throw mistake(source, n, "principal '" + Quote.excerpt(principal, 40) + "' must be 1 to 64 characters of "
            + "A-Z a-z 0-9 - . _ @");
      }
      Integer earlier = seen.putIfAbsent(token, n);
      if (earlier != null) {
        throw mistake(source, n, "the same token as on line " + earlier + "; every token must be different");
      }
      Map<String, String> quota = quotas.computeIfAbsent(principal, k -> new LinkedHashMap<>());
      for (int f = 2; f < fields.length; f++) {
        String item = fields[f];
        int eq = item.indexOf('=');
        String key = eq < 0 ? "" : item.substring(0, eq).toLowerCase(Locale.ROOT);
        if (!QUOTA_KEYS.contains(key)) {
          // Not quoted: a misplaced field may be a token.
          throw mistake(source, n, "field " + (f + 1) + " is not a quota; expected KEY=N with KEY one of "
              + String.join(", ", QUOTA_KEYS) + " (N a positive integer or 'unlimited')");
        }
        try {
          Quota.parse(item); // checks the value
        } catch (IllegalArgumentException e) {
          throw mistake(source, n, e.getMessage());
        }
        String value = item.substring(eq + 1);
        String before = quota.putIfAbsent(key, value);
        if (before != null && !before.equalsIgnoreCase(value)) {
          throw mistake(source, n, "principal '" + principal + "' already has " + key + "=" + before
              + " on another line; give each quota of a principal one value");
        }
      }
      parsed.add(new Line(n, token, principal));
    }
    Map<String, Principal> byName = new HashMap<>();
    quotas.forEach((name, quota) -> byName.put(name,
        Principal.token(name, defaults.with(String.join(" ", quota.entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue()).toList())))));
    List<Entry> entries = new ArrayList<>();
    for (Line l : parsed) {
      entries.add(new Entry(sha256(l.token()), byName.get(l.principal())));
    }
    return new Tokens(entries, byName.size());
  }

  /**
   * The principal of {@code token}, or null when the token is not in the file. Compares with
   * every token, in constant time for each, so the time taken does not depend on which (if any)
   * matches or on how much of one does.
   */
  public Principal lookup(String token) {
    byte[] digest = sha256(token);
    Principal found = null;
    for (Entry e : entries) {
      if (MessageDigest.isEqual(e.digest(), digest)) {
        found = e.principal();
      }
    }
    return found;
  }

  /** Number of tokens. */
  public int size() {
    return entries.size();
  }

  /** Number of distinct principals. */
  public int principals() {
    return principals;
  }

  private static IllegalArgumentException mistake(String source, int line, String what) {
    return new IllegalArgumentException("token file " + source + " line " + line + ": " + what);
  }


  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
