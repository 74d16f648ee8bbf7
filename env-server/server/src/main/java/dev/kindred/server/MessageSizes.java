package dev.kindred.server;

import dev.kindred.env.Autoreset;
import dev.kindred.env.StatSpec;
import dev.kindred.env.TensorSpec;
import dev.kindred.env.WorldSpec;
import java.util.List;

/**
 * Upper bounds on the encoded size of a session's step messages, computed from its spec so that
 * CreateSession can refuse a session whose messages would not fit the server's limit (rather
 * than failing at its first step).
 */
final class MessageSizes {
  /** Tag and length prefix of one length-delimited field, generously. */
  private static final long FIELD = 12;

  private MessageSizes() {}

  /** Bytes of one StepRequest: the packed actions and the session id. */
  static long stepRequest(WorldSpec spec, long copies) {
    long actions = copies * spec.numAgents() * spec.actions().size() * 4L;
    return actions + FIELD + 64;
  }

  /**
   * Bytes of one StepResponse in the worst case: every requested observation (twice with
   * SAME_STEP autoreset), the per-agent and per-copy arrays, and statistics of an episode ending
   * in every copy at once (as happens when all copies are truncated together).
   */
  static long stepResponse(WorldSpec spec, List<TensorSpec> observations, Autoreset autoreset, long copies) {
    long agents = spec.numAgents();
    long tensors = 0;
    for (TensorSpec t : observations) {
      long data = copies * t.copyBytes((int) agents);
      tensors += FIELD + data + FIELD + t.name().length() + 4 + 11L * (t.shape().length + 2) + FIELD;
    }
    if (autoreset == Autoreset.SAME_STEP) {
      tensors *= 2;
    }
    long perAgent = copies * agents * (4 + 1); // rewards float32 + action success uint8
    long perCopy = copies * 3;                 // terminated, truncated, reset mask
    long agentStats = 0;
    long copyStats = 0;
    for (StatSpec s : spec.episodeStats()) {
      long entry = FIELD + FIELD + s.name().length() + 9 + 2;
      switch (s.scope()) {
        case AGENT -> agentStats += entry;
        case COPY -> copyStats += entry;
      }
    }
    long episode = FIELD + 6 + 11 + 11 + 4 + agents * (FIELD + 9 + agentStats) + copyStats;
    return tensors + perAgent + perCopy + 6 * FIELD + copies * episode + 16;
  }
}
