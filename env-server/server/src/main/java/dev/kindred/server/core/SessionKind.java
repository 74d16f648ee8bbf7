package dev.kindred.server.core;

/**
 * The sessions one protocol opens in the {@link SessionRegistry}: a lookup of one kind never
 * finds a session of another, so a dm_env_rpc world name cannot address a kindred.v1 session
 * and the other way round.
 *
 * @param <T>         what its sessions hold
 * @param protocol    the protocol, for the log (e.g. {@code kindred.v1})
 * @param idHexDigits random hex digits in an id: enough that ids cannot be guessed
 * @param howToFree   what a client of this protocol can do to free a slot when the server is
 *                    full, e.g. {@code "close sessions you no longer use (CloseSession)"}
 */
public record SessionKind<T extends SessionState>(String protocol, int idHexDigits, String howToFree) {

  public SessionKind {
    if (idHexDigits < 16 || idHexDigits % 2 != 0) {
      throw new IllegalArgumentException("idHexDigits must be even and >= 16, got " + idHexDigits);
    }
  }
}
