package dev.kindred.view;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.kindred.client.ClientOptions;
import dev.kindred.client.KindredClient;
import dev.kindred.env.KindredException;
import dev.kindred.proto.v1.RecordedSession;
import java.util.function.Consumer;

/**
 * The live view's side of a Kindred server ({@code kindred view --live}): the recorded sessions
 * of this principal (ListRecordings) and a watch on one copy (WatchRecording), through the Java
 * client. The server shows a principal only its own sessions: the viewer must connect as the
 * sessions' creator (the same token, or client certificate).
 *
 * <p>A server that went away and came back is reached again: when a call fails with UNAVAILABLE
 * the client is replaced by a fresh one (gRPC's own reconnection waits up to two minutes between
 * attempts).
 */
public final class LiveSource implements AutoCloseable {
  private final String target;
  private final ClientOptions options;
  private volatile KindredClient client;

  private LiveSource(String target, ClientOptions options, KindredClient client) {
    this.target = target;
    this.options = options;
    this.client = client;
  }

  /**
   * Connects to {@code target} and checks that a Kindred server answers there.
   *
   * @throws KindredException UNAVAILABLE (naming the address) when none does, UNAUTHENTICATED when
   *                          the server refuses the token
   */
  public static LiveSource connect(String target, ClientOptions options) {
    return new LiveSource(target, options, KindredClient.connect(target, options));
  }

  /** A source on a client already connected (tests: its connection is the sessions' principal). */
  static LiveSource of(KindredClient client, ClientOptions options) {
    return new LiveSource(client.target(), options, client);
  }

  /** The server's address, as given. */
  public String target() {
    return target;
  }

  /**
   * The caller's recorded sessions as JSON: {@code {"target", "sessions": [{"session_id",
   * "world_id", "num_copies", "recorded_copies", "session_step", "finished_episodes",
   * "watchers"}]}}.
   *
   * @throws KindredException what the server answered (UNAVAILABLE when it is gone)
   */
  public JsonObject sessions() {
    java.util.List<RecordedSession> list;
    KindredClient c = client;
    try {
      list = c.listRecordings();
    } catch (KindredException e) {
      reconnectIfGone(c, e);
      throw e;
    }
    JsonArray sessions = new JsonArray();
    for (RecordedSession s : list) {
      JsonObject o = new JsonObject();
      o.addProperty("session_id", s.getSessionId());
      o.addProperty("world_id", s.getWorldId());
      o.addProperty("num_copies", s.getNumCopies());
      JsonArray copies = new JsonArray();
      s.getRecordedCopiesList().forEach(copies::add);
      o.add("recorded_copies", copies);
      o.addProperty("session_step", s.getSessionStep());
      JsonArray finished = new JsonArray();
      s.getFinishedEpisodesList().forEach(finished::add);
      o.add("finished_episodes", finished);
      o.addProperty("watchers", s.getWatchers());
      sessions.add(o);
    }
    JsonObject out = new JsonObject();
    out.addProperty("target", target);
    out.add("sessions", sessions);
    return out;
  }

  /**
   * Follows a recorded copy: each replay line to {@code onLine}, then {@code onEnd} once (null:
   * the session closed). Both run on a gRPC transport thread and must not block. Closing the
   * handle ends the watch without {@code onEnd}.
   */
  public AutoCloseable watch(String sessionId, int copy, Consumer<String> onLine, Consumer<KindredException> onEnd) {
    KindredClient c = client;
    return c.watchRecording(sessionId, copy, onLine, e -> {
      if (e != null) {
        reconnectIfGone(c, e);
      }
      onEnd.accept(e);
    });
  }

  /** A fresh client in place of {@code failed} when the server was unreachable through it. */
  private void reconnectIfGone(KindredClient failed, KindredException e) {
    if (!"UNAVAILABLE".equals(e.code())) {
      return;
    }
    synchronized (this) {
      if (client != failed) {
        return; // replaced already
      }
      client = KindredClient.connect(target, options.toBuilder().verifyOnConnect(false).build());
    }
    // Not on this (possibly the old channel's own transport) thread: closing waits for the channel.
    Thread closer = new Thread(failed::close, "kindred-view-reconnect");
    closer.setDaemon(true);
    closer.start();
  }

  @Override
  public synchronized void close() {
    client.close();
  }
}
