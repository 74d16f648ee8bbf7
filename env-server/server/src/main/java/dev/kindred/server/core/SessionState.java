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
}
