package dev.kindred.dmenv;

import dev.kindred.server.core.SessionState;

/**
 * What the session of a dm_env_rpc world holds: a world that one connection controls
 * ({@link DmWorld}) or a world whose agents are seats, each joined by its own connection
 * ({@link DmSeatedWorld}). Both are found by the same world names.
 */
sealed interface DmSession extends SessionState permits DmWorld, DmSeatedWorld {
}
