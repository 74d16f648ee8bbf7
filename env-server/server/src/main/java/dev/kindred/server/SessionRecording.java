package dev.kindred.server;

import dev.kindred.env.Config;
import dev.kindred.env.EnvException;
import dev.kindred.env.World;
import dev.kindred.proto.v1.RecordOptions;
import dev.kindred.proto.v1.ReplayLine;
import dev.kindred.replay.RecordingWorld;
import dev.kindred.replay.ReplaySink;
import dev.kindred.replay.Seat;
import dev.kindred.server.core.Principal;
import io.grpc.stub.ServerCallStreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of a session created with {@code record}: the {@link RecordingWorld} around
 * its world, and the {@link ReplaySink} that keeps what FetchReplay and WatchRecording serve.
 *
 * <p>With the operator's record directory every episode of a recorded copy becomes a file there,
 * named {@code <session id>-c<copy>-e<episode>.replay.jsonl.gz} (nothing a client chose); without
 * one, each recorded copy keeps in memory its latest finished episode and the one in progress,
 * all of them together at most {@code capBytes}: an episode whose replay would go beyond is cut
 * (its bytes are dropped at once, FetchReplay says so) and the session goes on.
 *
 * <p>Watchers of a copy get its lines on the thread stepping the copy, into a bounded buffer of
 * {@link #WATCHER_BUFFER_LINES} lines sent as the watcher's call is ready (grpc flow control);
 * a watcher whose buffer is full loses its backlog, replaced by the episode's header and a state
 * line (docs/replay-format.md), so stepping never waits for a watcher.
 */
final class SessionRecording implements ReplaySink {
  private static final Logger log = LoggerFactory.getLogger(SessionRecording.class);
  /** Copies one session may record. */
  static final int MAX_RECORDED_COPIES = 64;
  /** Watchers of one session at once. */
  static final int MAX_WATCHERS_PER_SESSION = 8;
  /** Lines a watcher's buffer holds before its backlog is dropped. */
  static final int WATCHER_BUFFER_LINES = 256;

  /** A finished episode's replay: its bytes (memory) or file (record directory), or why there is none. */
  record Finished(long episode, byte[] bytes, Path file, String missing) {}

  private final String sessionId;
  private final int copies;
  private final int[] recorded;
  private final Slot[] slots;
  private final ReplaySink.DirectorySink dir;
  private final long capBytes;
  private final AtomicLong heldBytes = new AtomicLong();
  private final Watchers watchers;
  private RecordingWorld world;

  /** Memory mode: the files being written, by episode (written and finished on the replay writer's thread). */
  private final java.util.Map<Episode, Capped> pending = new java.util.concurrent.ConcurrentHashMap<>();

  /** One recorded copy. */
  private static final class Slot {
    final int copy;
    /** Guarded by this slot. */
    Finished latest;
    volatile long finished;
    final List<Watcher> watchers = new CopyOnWriteArrayList<>();

    Slot(int copy) {
      this.copy = copy;
    }
  }

  /**
   * @param recordDir the operator's directory, or null: memory only
   * @param capBytes  memory mode: bytes of replays the session may hold
   */
  private SessionRecording(String sessionId, int copies, int[] recorded, Path recordDir, long capBytes,
      Watchers watchers) {
    this.sessionId = sessionId;
    this.copies = copies;
    this.recorded = recorded;
    this.slots = new Slot[copies];
    for (int c : recorded) {
      slots[c] = new Slot(c);
    }
    this.dir = recordDir == null ? null : ReplaySink.directory(recordDir);
    this.capBytes = capBytes;
    this.watchers = watchers;
  }

  /**
   * The copies {@code options} asks for, sorted, checked against the session's {@code copies}.
   *
   * @throws EnvException INVALID_ARGUMENT for both or neither of all_copies and copies, a
   *                      duplicate or out-of-range copy; RESOURCE_EXHAUSTED for more than
   *                      {@link #MAX_RECORDED_COPIES}
   */
  static int[] recordedCopies(RecordOptions options, int copies) {
    if (options.getAllCopies() && options.getCopiesCount() > 0) {
      throw EnvException.invalid("record", "all_copies and copies are exclusive: give one of them");
    }
    if (!options.getAllCopies() && options.getCopiesCount() == 0) {
      throw EnvException.invalid("record", "names no copy: set all_copies, or list the copies to record");
    }
    int[] out;
    if (options.getAllCopies()) {
      out = new int[copies];
      Arrays.setAll(out, i -> i);
    } else {
      out = new int[options.getCopiesCount()];
      boolean[] seen = new boolean[copies];
      for (int i = 0; i < out.length; i++) {
        long c = Integer.toUnsignedLong(options.getCopies(i));
        if (c >= copies) {
          throw EnvException.invalid("record.copies", "copy " + c + " is out of range: the session has " + copies
              + " copies (0.." + (copies - 1) + ")");
        }
        if (seen[(int) c]) {
          throw EnvException.invalid("record.copies", "copy " + c + " is listed twice; list each copy once");
        }
        seen[(int) c] = true;
        out[i] = (int) c;
      }
      Arrays.sort(out);
    }
    if (out.length > MAX_RECORDED_COPIES) {
      throw EnvException.exhausted("record: " + out.length + " copies asked for, beyond this server's limit of "
          + MAX_RECORDED_COPIES + " recorded copies per session; list at most " + MAX_RECORDED_COPIES
          + " copies in record.copies");
    }
    return out;
  }

  /**
   * Wraps {@code world} so that the copies {@code options} names are recorded.
   *
   * @param client the client's name (already an excerpt), for the headers' seat
   * @throws EnvException INVALID_ARGUMENT for a world that cannot be recorded
   */
  static SessionRecording wrap(String sessionId, World world, Config config, int[] recorded, String client,
      ServerConfig server, Watchers watchers, List<Seat> seats) {
    SessionRecording r = new SessionRecording(sessionId, world.copies(), recorded, server.recordDir(),
        server.maxRecordingBytes(), watchers);
    boolean[] on = new boolean[world.copies()];
    for (int c : recorded) {
      on[c] = true;
    }
    try {
      r.world = new RecordingWorld(world, config, r, "server", (c, e) -> on[c]);
    } catch (IllegalArgumentException e) {
      throw EnvException.invalid("record", "world '" + world.spec().worldId() + "' cannot be recorded: replays "
          + "record energy and spin worlds");
    }
    r.world.label(sessionId); // file names: <session id>-c<copy>-e<episode>
    r.world.seats(seats != null ? seats
        : List.of(Seat.all(world.spec().numAgents(), Seat.Brain.client(client.isEmpty() ? "client" : client, null))));
    return r;
  }

  /** The world to build the session's environment on. */
  World world() {
    return world;
  }

  int[] recorded() {
    return recorded.clone();
  }

  /** Per recorded copy, episodes finished so far. */
  long[] finishedEpisodes() {
    long[] out = new long[recorded.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = slots[recorded[i]].finished;
    }
    return out;
  }

  int watcherCount() {
    int n = 0;
    for (int c : recorded) {
      n += slots[c].watchers.size();
    }
    return n;
  }

  /** The recorded copy's slot, or the error naming why {@code copy} has none. */
  private Slot slot(long copy) {
    if (copy >= copies) {
      throw EnvException.invalid("copy", "copy " + copy + " is out of range: the session has " + copies
          + " copies (0.." + (copies - 1) + ")");
    }
    Slot s = slots[(int) copy];
    if (s == null) {
      throw EnvException.precondition("copy " + copy + " is not recorded: this session records copies "
          + Arrays.toString(recorded) + " (CreateSessionRequest.record)");
    }
    return s;
  }

  /**
   * The latest finished episode of {@code copy}: call under the session's lock.
   *
   * @throws EnvException INVALID_ARGUMENT, FAILED_PRECONDITION (not recorded, nothing finished
   *                      yet, the latest episode cut)
   */
  Finished latest(long copy) {
    Slot s = slot(copy);
    world.flush(); // an episode that has ended is served once its file is complete
    Finished f;
    synchronized (s) {
      f = s.latest;
    }
    if (f == null) {
      throw EnvException.precondition("no finished episode of copy " + copy + " yet: a replay is served once its "
          + "episode ends (or the copy is Reset); step until an episode ends, then fetch again");
    }
    if (f.missing() != null) {
      throw EnvException.precondition("the latest finished episode of copy " + copy + " (episode " + f.episode()
          + ") has no replay: " + f.missing());
    }
    return f;
  }

  // ---- ReplaySink ------------------------------------------------------------------------

  @Override
  public OutputStream open(Episode episode) {
    if (dir != null) {
      Guarded g = new Guarded(episode);
      files.put(episode, g);
      return g;
    }
    Capped c = new Capped();
    pending.put(episode, c);
    return c;
  }

  @Override
  public void finished(Episode episode, boolean complete) {
    Slot s = slots[episode.copy()];
    Finished f;
    if (dir != null) {
      // Not dir.finished: its list of every file written would grow with the session's life.
      Guarded g = files.remove(episode);
      f = new Finished(episode.episode(), null, dir.directory().resolve(ReplaySink.DirectorySink.fileName(episode)),
          complete && g != null && !g.failed ? null
              : "its file could not be written completely on the server (see the server's log)");
    } else {
      Capped c = pending.remove(episode);
      if (c == null || c.cut) {
        f = new Finished(episode.episode(), null, null, "its replay grew beyond this server's limit of " + capBytes
            + " bytes of recordings per session and was cut (the session went on); record fewer copies, use "
            + "shorter episodes, or ask the operator for a larger --max-recording-mb or a --record-dir");
      } else {
        f = new Finished(episode.episode(), c.buffer.toByteArray(), null, complete ? null
            : "it could not be written completely on the server (see the server's log)");
      }
    }
    Finished old;
    synchronized (s) {
      old = s.latest;
      s.latest = f;
    }
    if (old != null && old.bytes() != null) {
      heldBytes.addAndGet(-old.bytes().length);
    }
    s.finished++;
  }

  @Override
  public boolean wantsLines(int copy) {
    Slot s = slots[copy];
    return s != null && !s.watchers.isEmpty();
  }

  @Override
  public void line(Episode episode, String line, String header, java.util.function.Supplier<String> state) {
    for (Watcher w : slots[episode.copy()].watchers) {
      w.offer(line, header, state);
    }
  }

  /** Record directory: the files being written, by episode. */
  private final java.util.Map<Episode, Guarded> files = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * A file in the record directory whose write failures (a full disk, a directory removed) are
   * logged and remembered instead of thrown, so that the session steps on; the episode's replay
   * is then reported missing.
   */
  private final class Guarded extends OutputStream {
    private final Episode episode;
    private OutputStream out;
    volatile boolean failed;

    Guarded(Episode episode) {
      this.episode = episode;
      try {
        out = dir.open(episode);
      } catch (IOException | RuntimeException e) {
        fail(e);
      }
    }

    private void fail(Exception e) {
      if (!failed) {
        failed = true;
        log.atWarn().setMessage("cannot write a recorded replay; the session goes on without it")
            .addKeyValue("session", sessionId).addKeyValue("copy", episode.copy())
            .addKeyValue("episode", episode.episode()).addKeyValue("error", e.toString()).log();
      }
      out = null;
    }

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      if (out != null) {
        try {
          out.write(b, off, len);
        } catch (IOException e) {
          fail(e);
        }
      }
    }

    @Override
    public void flush() {
      if (out != null) {
        try {
          out.flush();
        } catch (IOException e) {
          fail(e);
        }
      }
    }

    @Override
    public void close() {
      if (out != null) {
        try {
          out.close();
        } catch (IOException e) {
          fail(e);
        }
        out = null;
      }
    }
  }

  /** A memory file that stops holding bytes once the session's recordings would exceed the cap. */
  private final class Capped extends OutputStream {
    final ByteArrayOutputStream buffer = new ByteArrayOutputStream(1 << 14);
    boolean cut;

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      if (cut) {
        return;
      }
      if (heldBytes.addAndGet(len) > capBytes) {
        heldBytes.addAndGet(-(len + (long) buffer.size()));
        buffer.reset();
        cut = true;
        log.atInfo().setMessage("recording cut: beyond the session's recording bytes").addKeyValue("session", sessionId)
            .addKeyValue("limit", capBytes).log();
        return;
      }
      buffer.write(b, off, len);
    }
  }

  // ---- watchers ----------------------------------------------------------------------------

  /**
   * Adds a watcher of {@code copy}: call under the session's lock (no step runs meanwhile), from
   * the WatchRecording call's handler.
   */
  void watch(long copy, Principal principal, ServerCallStreamObserver<ReplayLine> out) {
    Slot s = slot(copy);
    if (watcherCount() >= MAX_WATCHERS_PER_SESSION) {
      throw EnvException.exhausted("session '" + sessionId + "' already has " + MAX_WATCHERS_PER_SESSION
          + " watchers, this server's limit per session; end a watch (cancel its call) first");
    }
    watchers.acquire(principal);
    Watcher w = new Watcher(s, principal, out);
    out.setOnCancelHandler(w::cancelled);
    out.setOnReadyHandler(w::drain);
    world.flush(); // every line of the steps so far is delivered (to no watcher): this one starts from now
    String header = world.headerLine(s.copy);
    if (header != null) {
      w.enqueue(header);
      w.enqueue(world.stateLine(s.copy));
    }
    s.watchers.add(w);
    w.drain();
  }

  /** Ends every recording in progress and every watch (the session is closing, under its lock). */
  void close() {
    try {
      world.closeAll();
    } catch (RuntimeException e) {
      log.atWarn().setMessage("finishing a session's recordings failed").addKeyValue("session", sessionId).setCause(e)
          .log();
    }
    for (int c : recorded) {
      for (Watcher w : slots[c].watchers) {
        w.finish();
      }
    }
  }

  /** One WatchRecording call. */
  private final class Watcher {
    private final Slot slot;
    private final Principal principal;
    private final ServerCallStreamObserver<ReplayLine> out;
    private final ArrayDeque<String> queue = new ArrayDeque<>();
    private long dropped;
    private boolean closing;
    private boolean done;

    Watcher(Slot slot, Principal principal, ServerCallStreamObserver<ReplayLine> out) {
      this.slot = slot;
      this.principal = principal;
      this.out = out;
    }

    synchronized void enqueue(String line) {
      queue.add(line);
    }

    /**
     * A new line from the recorder's thread: buffered, or (buffer full) the backlog dropped and
     * replaced by the episode's header and the state after this line's step.
     */
    void offer(String line, String header, java.util.function.Supplier<String> state) {
      synchronized (this) {
        if (done || closing) {
          return;
        }
        if (queue.size() < WATCHER_BUFFER_LINES) {
          queue.add(line);
        } else {
          dropped += queue.size();
          queue.clear();
          if (startsWith(line, "{\"format\"") || startsWith(line, "{\"end\"")) {
            queue.add(line); // a new episode starts from its header; an end line needs no state
          } else {
            String st = state.get();
            queue.add(header);
            queue.add(st);
            dropped++; // this step line: the state line stands in for it
          }
        }
      }
      drain();
    }

    /** Sends what the call can take now; never blocks. */
    synchronized void drain() {
      if (done) {
        return;
      }
      try {
        while (!queue.isEmpty() && out.isReady()) {
          out.onNext(ReplayLine.newBuilder().setLine(queue.poll()).setDropped(dropped).build());
          dropped = 0;
        }
        if (closing && queue.isEmpty()) {
          done = true;
          out.onCompleted();
          release();
        }
      } catch (RuntimeException e) {
        log.debug("a watcher's line could not be sent (the call ended)", e);
        done = true;
        release();
      }
    }

    /** The session closed: send what is buffered, then end the call. */
    void finish() {
      synchronized (this) {
        closing = true;
      }
      drain();
    }

    void cancelled() {
      synchronized (this) {
        if (done) {
          return;
        }
        done = true;
      }
      release();
    }

    private void release() {
      if (slot.watchers.remove(this)) {
        watchers.release(principal);
      }
    }
  }

  private static boolean startsWith(CharSequence s, String prefix) {
    if (s.length() < prefix.length()) {
      return false;
    }
    for (int i = 0; i < prefix.length(); i++) {
      if (s.charAt(i) != prefix.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /** The server's watcher count per principal. */
  static final class Watchers {
    /** Watchers one principal may hold at once. */
    static final int MAX_PER_PRINCIPAL = 32;
    private final java.util.Map<String, Integer> byPrincipal = new java.util.HashMap<>();

    synchronized void acquire(Principal p) {
      int n = byPrincipal.getOrDefault(p.name(), 0);
      if (n >= MAX_PER_PRINCIPAL) {
        throw EnvException.exhausted(p.description() + " already watches " + n + " recordings, this server's limit "
            + "per principal; end a watch (cancel its call) first");
      }
      byPrincipal.put(p.name(), n + 1);
    }

    synchronized void release(Principal p) {
      byPrincipal.computeIfPresent(p.name(), (k, n) -> n <= 1 ? null : n - 1);
    }

    synchronized int of(Principal p) {
      return byPrincipal.getOrDefault(p.name(), 0);
    }
  }

  /** Seats of a match's recording: one per seat, played by a client. */
  static List<Seat> seats(List<dev.kindred.server.match.MatchLayout.SeatDef> defs) {
    List<Seat> out = new ArrayList<>();
    for (var d : defs) {
      out.add(new Seat(d.name(), d.agents(), Seat.Brain.client(d.name(), null)));
    }
    return out;
  }
}
