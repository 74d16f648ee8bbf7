package dev.kindred.server.core;

import dev.kindred.env.Quote;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What one principal may hold at once on a server, whichever protocol it uses (kindred.v1
 * sessions and dm_env_rpc worlds count alike), so that one client cannot take every slot of the
 * server's limits. Exceeding a quota is RESOURCE_EXHAUSTED naming it.
 *
 * <p>Written as {@code sessions=N copies=N cells=N creations=N} (any subset, separated by spaces
 * or commas; {@code unlimited} for no quota), in the token file and in the server's default
 * quota.
 *
 * @param sessions  open sessions (and dm_env_rpc worlds)
 * @param copies    world copies over all those sessions (a dm_env_rpc world is one copy)
 * @param cells     observation elements over all those sessions: a session of {@code c} copies
 *                  holds {@code c} times the elements of one copy's observation tensors (every
 *                  observation of the world, requested or not) &mdash; a measure of the memory
 *                  and work a session costs
 * @param creations session creations in progress at once (each builds a world)
 */
public record Quota(long sessions, long copies, long cells, long creations) {
  /** No quota: only the server's own limits apply. */
  public static final long UNLIMITED = Long.MAX_VALUE;
  public static final Quota NONE = new Quota(UNLIMITED, UNLIMITED, UNLIMITED, UNLIMITED);

  public Quota {
    check("sessions", sessions);
    check("copies", copies);
    check("cells", cells);
    check("creations", creations);
  }

  private static void check(String key, long value) {
    if (value < 1) {
      throw new IllegalArgumentException(key + " quota must be at least 1, got " + value);
    }
  }

  /**
   * This quota with the keys {@code text} sets replaced, e.g. {@code "sessions=8 copies=1024"}.
   *
   * @throws IllegalArgumentException naming the key or value that is wrong
   */
  public Quota with(String text) {
    Map<String, Long> v = new LinkedHashMap<>(Map.of("sessions", sessions, "copies", copies, "cells", cells,
        "creations", creations));
    for (String item : text.trim().split("[\\s,]+")) {
      if (item.isEmpty()) {
        continue;
      }
      int eq = item.indexOf('=');
      String key = eq < 0 ? item : item.substring(0, eq).toLowerCase(Locale.ROOT);
      if (eq < 0 || !v.containsKey(key)) {
        throw new IllegalArgumentException("'" + Quote.excerpt(item, 40) + "' is not a quota; expected KEY=N with KEY one of "
            + "sessions, copies, cells, creations (N a positive integer or 'unlimited')");
      }
      v.put(key, value(key, item.substring(eq + 1)));
    }
    return new Quota(v.get("sessions"), v.get("copies"), v.get("cells"), v.get("creations"));
  }

  /** {@link #NONE} with the keys {@code text} sets, e.g. {@code "sessions=8 creations=2"}. */
  public static Quota parse(String text) {
    return NONE.with(text);
  }

  private static long value(String key, String text) {
    if (text.equalsIgnoreCase("unlimited")) {
      return UNLIMITED;
    }
    long n;
    try {
      n = Long.parseLong(text.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + "=" + Quote.excerpt(text, 40) + ": expected a positive integer or 'unlimited'");
    }
    if (n < 1) {
      throw new IllegalArgumentException(key + "=" + n + ": a quota must be at least 1");
    }
    return n;
  }


  /** The quota as it is written, e.g. {@code sessions=64 copies=unlimited cells=unlimited creations=8}. */
  @Override
  public String toString() {
    return "sessions=" + text(sessions) + " copies=" + text(copies) + " cells=" + text(cells)
        + " creations=" + text(creations);
  }

  static String text(long value) {
    return value == UNLIMITED ? "unlimited" : Long.toString(value);
  }
}
