package dev.kindred.server.core;

import java.util.Objects;

/**
 * Who a call comes from: the owner of the sessions it creates, and the holder of a {@link Quota}.
 * Sessions belong to the principal that created them; to every other principal they do not
 * exist.
 *
 * <ul>
 *   <li>with token authentication, the principal the operator's token file names for the
 *       call's token (every connection presenting a token of that principal is that principal);
 *   <li>else, with client-certificate verification, the subject of the client's certificate;
 *   <li>else the connection (one transport: one TCP connection, or one in-process channel), so
 *       that ownership still separates clients.
 * </ul>
 *
 * @param name        unique among principals; two principals with the same name are the same
 * @param description how messages name it, e.g. {@code principal 'alice'}
 * @param quota       what it may hold at once
 */
public record Principal(String name, String description, Quota quota) {

  public Principal {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(quota, "quota");
  }

  /** A principal of the operator's token file. */
  public static Principal token(String name, Quota quota) {
    return new Principal("token:" + name, "principal '" + name + "'", quota);
  }

  /** A client authenticated by its certificate. */
  public static Principal certificate(String subject, Quota quota) {
    return new Principal("cert:" + subject, "client certificate '" + subject + "'", quota);
  }

  /** A client known only by its connection. */
  public static Principal connection(long id, String peer, Quota quota) {
    return new Principal("connection:" + id, "this connection (" + peer + ")", quota);
  }

  @Override
  public String toString() {
    return name;
  }
}
