package dev.kindred.server.core;

import dev.kindred.env.BatchedEnv;

/**
 * What a session holds, whichever protocol opened it: a world driven through a
 * {@link BatchedEnv}, with whatever else the protocol keeps about it.
 */
public interface SessionState {

  /**
   * The session's environment, from which a closing session reports its steps and episodes;
   * read only while holding the session's lock.
   */
  BatchedEnv env();

  /**
   * Called once, under the session's lock, when the session closes (by its client, idle expiry,
   * disconnect or shutdown): a state with calls waiting on it answers them here.
   */
  default void closed() {}
}
