package dev.kindred.replay;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.kindred.build.BuildInfo;
import dev.kindred.env.Config;
import dev.kindred.env.StatSpec;
import dev.kindred.env.World;
import dev.kindred.env.WorldBuffers;
import dev.kindred.env.WorldSpec;
import dev.kindred.env.energy.EnergyWorld;
import dev.kindred.env.spin.SpinWorld;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link World} that records replays of the world it wraps (docs/replay-format.md): for each
 * episode its {@link EpisodeFilter} accepts, the header and initial state after reset, a step line
 * after each step, and when the episode ends the end line with the world's episode statistics and
 * the trailer; the copy's next reset starts the next file. Files go to a caller-given
 * {@link ReplaySink}. A copy reset before its episode ended gets an end line with
 * {@code terminated} and {@code truncated} both false (the recording was cut short).
 *
 * <p>The stepping thread only copies each step's actions, successes, rewards and state into
 * preallocated batches of {@value #BATCH} steps; a background thread formats the lines, hashes
 * and compresses them, waited for when it falls {@value #BATCHES} batches behind. A file is
 * complete once its episode ended and that thread caught up: {@link #closeAll} waits for it.
 *
 * <p>Everything else is delegated, so the wrapped world's trajectory is unchanged. Different
 * copies may be stepped concurrently (each copy's recorder is its own); the seats and the filter
 * are read at reset.
 */
public final class RecordingWorld implements World {
  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

  /** Which episodes to record. */
  @FunctionalInterface
  public interface EpisodeFilter {
    /** Whether to record episode {@code episode} (0 = the copy's first) of {@code copy}, called at its reset. */
    boolean record(int copy, long episode);

    /** Every episode of every copy. */
    static EpisodeFilter all() {
      return (c, e) -> true;
    }

    /** No episode. */
    static EpisodeFilter none() {
      return (c, e) -> false;
    }
  }

  /** An {@link EpisodeFilter} that records the first {@code k} episodes started after each {@link #restart}. */
  public static final class Budget implements EpisodeFilter {
    private final int k;
    private final AtomicInteger left;

    public Budget(int k) {
      this.k = k;
      this.left = new AtomicInteger(k);
    }

    /** Starts counting anew (e.g. for the next brain). */
    public void restart() {
      left.set(k);
    }

    @Override
    public boolean record(int copy, long episode) {
      return left.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
    }
  }

  private final World world;
  private final Config config;
  /** The configuration as the headers write it, built once (never changed afterwards). */
  private final Map<String, Object> configJson;
  private final ReplaySink sink;
  private final String recorder;
  private final CopyState<?>[] copies;
  /** Formats, hashes and compresses every copy's files off the stepping threads. */
  private final ReplayThread background = new ReplayThread();
  private volatile EpisodeFilter filter;
  /** The seats as the headers write them, rebuilt when the seats change (never changed afterwards). */
  private volatile List<Map<String, Object>> seatsJson;
  private volatile String label = "";

  /**
   * @param world    an energy or spin world
   * @param config   its resolved configuration (written to every header)
   * @param sink     where the files go
   * @param recorder the header's {@code recorder}: evaluate, tournament, server, ...
   * @param filter   which episodes to record
   * @throws IllegalArgumentException for a world that is neither an energy nor a spin world
   */
  public RecordingWorld(World world, Config config, ReplaySink sink, String recorder, EpisodeFilter filter) {
    if (!(world instanceof EnergyWorld) && !(world instanceof SpinWorld)) {
      throw new IllegalArgumentException("replays record energy and spin worlds; " + world.spec().worldId()
          + " is " + world.getClass().getSimpleName());
    }
    this.world = world;
    this.config = Objects.requireNonNull(config, "config");
    this.configJson = plainConfig(config);
    this.sink = Objects.requireNonNull(sink, "sink");
    this.recorder = Objects.requireNonNull(recorder, "recorder");
    this.filter = Objects.requireNonNull(filter, "filter");
    int agents = world.spec().numAgents();
    seats(List.of(Seat.all(agents, Seat.Brain.client("unknown", null))));
    this.copies = new CopyState<?>[world.copies()];
    for (int c = 0; c < copies.length; c++) {
      copies[c] = new CopyState<>(c);
    }
  }

  /** The seats written into the headers of episodes that start from now on. */
  public void seats(List<Seat> seats) {
    List<Map<String, Object>> json = new ArrayList<>();
    for (Seat seat : seats) {
      json.add(seat.toJson());
    }
    this.seatsJson = List.copyOf(json);
  }

  /**
   * The label given to the sink for episodes that start from now on (e.g. the brain's name);
   * each copy's episode numbers count from 0 again from its next reset.
   */
  public void label(String label) {
    this.label = label == null ? "" : label;
    for (CopyState<?> s : copies) {
      synchronized (s) {
        s.episodes = 0;
      }
    }
  }

  /** Which episodes that start from now on are recorded. */
  public void filter(EpisodeFilter filter) {
    this.filter = Objects.requireNonNull(filter, "filter");
  }

  /** The wrapped world. */
  public World world() {
    return world;
  }

  /**
   * Ends every open recording as cut short (an end line with both flags false, and the trailer)
   * and waits until every file is complete. Call when the caller stops driving the world, and
   * before reading the files.
   */
  public void closeAll() {
    for (CopyState<?> s : copies) {
      synchronized (s) {
        s.cut();
      }
    }
    background.drain();
    for (CopyState<?> s : copies) {
      s.checkFailure();
    }
  }

  @Override
  public WorldSpec spec() {
    return world.spec();
  }

  @Override
  public int copies() {
    return world.copies();
  }

  @Override
  public void reset(int copy, long seed, WorldBuffers out) {
    world.reset(copy, seed, out);
    CopyState<?> s = copies[copy];
    s.cut();
    long episode = s.episodes++;
    if (filter.record(copy, episode)) {
      s.start(seed, episode);
    }
  }

  @Override
  public void step(int copy, WorldBuffers io) {
    world.step(copy, io);
    CopyState<?> s = copies[copy];
    if (s.recording()) {
      s.step(io);
    }
  }

  @Override
  public void episodeStats(int copy, double[] agentStats, double[] copyStats) {
    world.episodeStats(copy, agentStats, copyStats);
  }

  @Override
  public dev.kindred.env.WorldRenderer renderer() {
    return world.renderer();
  }

  @Override
  public boolean nonzeros(int copy, int observation, java.nio.ByteBuffer buffer, int offset,
      dev.kindred.env.NonzeroList sink) {
    return world.nonzeros(copy, observation, buffer, offset, sink);
  }

  /**
   * Hands every step recorded so far to the background thread and waits until it has written
   * them (and completed the files of ended episodes, telling the sink). Call while no copy is
   * being stepped.
   */
  public void flush() {
    for (CopyState<?> s : copies) {
      synchronized (s) {
        s.handOff();
      }
    }
    background.drain();
  }

  /**
   * The header line of {@code copy}'s episode being recorded, or null when none is. Call only
   * while the copy is not being stepped.
   */
  public String headerLine(int copy) {
    CopyState<?> s = copies[copy];
    synchronized (s) {
      return s.recording() ? s.headerLine.json() : null;
    }
  }

  /**
   * A state line ({@code {"t":t,"state":{...}}}) with {@code copy}'s full current state, or null
   * when no episode of it is being recorded. Call only while the copy is not being stepped.
   */
  public String stateLine(int copy) {
    CopyState<?> s = copies[copy];
    synchronized (s) {
      return s.recording() ? s.currentStateLine() : null;
    }
  }

  /** Steps per batch handed to the background thread. */
  static final int BATCH = 64;
  /** Batches per recorded copy: the stepping thread waits when the background thread is this far behind. */
  static final int BATCHES = 3;

  /** One step as the stepping thread captured it. */
  private static final class Snapshot<F> {
    int t;
    final int[] actions;
    final byte[] success;
    final float[] rewards;
    final F frame;

    Snapshot(int actionValues, int agents, F frame) {
      actions = new int[actionValues];
      success = new byte[agents];
      rewards = new float[agents];
      this.frame = frame;
    }
  }

  /**
   * Up to {@value #BATCH} steps of one copy handed to the background thread at once, with what
   * else it must write: the header first (a new file), the end line and trailer last.
   */
  /**
   * An episode's header (or end line), built as a map on the stepping thread and turned into its
   * JSON line once, on first use — normally by the background thread — so that serialising it (a
   * few kB of JSON per episode) stays out of the step loop. The map is never changed after
   * construction.
   */
  private static final class Header {
    private final Map<String, Object> map;
    private String json;

    Header(Map<String, Object> map) {
      this.map = map;
    }

    synchronized String json() {
      if (json == null) {
        json = GSON.toJson(map);
      }
      return json;
    }

    static String json(Header h) {
      return h == null ? null : h.json();
    }
  }

  /** Where an episode's file goes: opened by the background thread at its first batch. */
  private static final class Output {
    final ReplaySink.Episode episode;
    /** Background thread only. */
    ReplayWriter writer;
    boolean failed;

    Output(ReplaySink.Episode episode) {
      this.episode = episode;
    }
  }

  private static final class Batch<F> implements Runnable {
    final CopyState<F> owner;
    final Snapshot<F>[] steps;
    int count;
    Output writer;
    Header header;
    F initial;
    Header endLine;
    ReplaySink.Episode episode;
    /** The episode these steps belong to and its header (live lines). */
    ReplaySink.Episode of;
    Header ofHeader;

    @SuppressWarnings("unchecked")
    Batch(CopyState<F> owner, CopyRecorder<F> rec, int actionValues, int agents) {
      this.owner = owner;
      this.steps = new Snapshot[BATCH];
      for (int i = 0; i < BATCH; i++) {
        steps[i] = new Snapshot<>(actionValues, agents, rec.newFrame());
      }
    }

    @Override
    public void run() {
      try {
        owner.write(this);
      } finally {
        count = 0;
        writer = null;
        header = null;
        initial = null;
        endLine = null;
        episode = null;
        of = null;
        ofHeader = null;
        owner.free.offer(this);
      }
    }
  }

  /**
   * One copy's recording. The stepping thread fills batches (arrays copied, state captured); the
   * background thread writes them: it alone touches the writer, the line buffer and the
   * recorder's previous state.
   */
  private final class CopyState<F> {
    private final int copy;
    private final CopyRecorder<F> rec;
    private final int agents;
    private final int actionValues;
    private final double[] returns;
    private final double[] agentStats;
    private final double[] copyStats;
    private final java.util.concurrent.LinkedBlockingQueue<Batch<F>> free =
        new java.util.concurrent.LinkedBlockingQueue<>();
    private int allocated;
    private Batch<F> batch;
    private ReplaySink.Episode episode;
    private Output writer;
    /** The header of the episode being recorded (stepping thread). */
    private Header headerLine;
    private long episodes;
    private int t;
    /** Background thread only. */
    private final JsonLine line = new JsonLine();
    /** The first failure of the background thread, reported on the stepping thread. */
    private volatile IOException failure;

    @SuppressWarnings("unchecked")
    CopyState(int copy) {
      this.copy = copy;
      this.rec = (CopyRecorder<F>) (world instanceof EnergyWorld e
          ? new EnergyRecorder(e.view(copy), e.spec().actions().dimensions().get(0).valueNames())
          : new SpinRecorder(((SpinWorld) world).view(copy), config));
      WorldSpec spec = world.spec();
      this.agents = rec.agents();
      this.actionValues = agents * rec.actionDims();
      this.returns = new double[spec.numAgents()];
      this.agentStats = new double[spec.numAgents() * spec.agentStats().size()];
      this.copyStats = new double[spec.copyStats().size()];
    }

    boolean recording() {
      return writer != null;
    }

    /** A free batch; waits while {@value #BATCHES} are with the background thread. */
    private Batch<F> takeBatch() {
      Batch<F> b = free.poll();
      if (b != null) {
        return b;
      }
      if (allocated < BATCHES) {
        allocated++;
        return new Batch<>(this, rec, actionValues, agents);
      }
      try {
        return free.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the replay writer", e);
      }
    }

    private void checkFailure() {
      IOException e = failure;
      if (e != null) {
        failure = null;
        throw new UncheckedIOException("writing the replay of copy " + copy + " failed: " + e.getMessage(), e);
      }
    }

    void start(long seed, long index) {
      checkFailure();
      episode = new ReplaySink.Episode(world.spec().worldId(), label, copy, index, seed);
      t = 0;
      java.util.Arrays.fill(returns, 0.0);
      Map<String, Object> header = new LinkedHashMap<>();
      header.put("format", ReplayWriter.FORMAT);
      header.put("format_version", ReplayWriter.FORMAT_VERSION);
      header.put("world", world.spec().worldId());
      header.put("world_kind", rec.kind());
      header.put("config", configJson);
      header.put("seed", Long.toString(seed));
      header.put("copy", copy);
      header.put("episode", index);
      header.put("code_version", BuildInfo.current().codeVersion());
      header.put("created", Instant.now().toString());
      header.put("recorder", recorder);
      header.put("agents", rec.agents());
      header.put("seats", seatsJson);
      F initial = rec.newFrame();
      header.put(rec.kind(), rec.section(initial));
      writer = new Output(episode); // opened on the background thread, off the step loop
      batch = takeBatch();
      batch.writer = writer;
      headerLine = new Header(header); // serialised on the background thread, off the step loop
      batch.header = headerLine;
      batch.initial = initial;
      batch.of = episode;
      batch.ofHeader = headerLine;
    }

    /** Hands the steps batched so far to the background thread (stepping thread, between steps). */
    void handOff() {
      Batch<F> b = batch;
      if (recording() && b != null && (b.count > 0 || b.header != null)) {
        if (b.writer == null) {
          b.writer = writer;
          b.of = episode;
          b.ofHeader = headerLine;
        }
        background.submit(b);
        batch = takeBatch();
      }
    }

    /** The copy's current state as a state line (stepping thread, between steps). */
    String currentStateLine() {
      F now = rec.newFrame();
      rec.capture(now);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("t", t);
      m.put("state", rec.state(now));
      return GSON.toJson(m);
    }

    void step(WorldBuffers io) {
      checkFailure();
      Batch<F> b = batch;
      if (b.writer == null) {
        b.writer = writer;
        b.of = episode;
        b.ofHeader = headerLine;
      }
      Snapshot<F> s = b.steps[b.count++];
      s.t = ++t;
      System.arraycopy(io.actions(), io.actionOffset(copy), s.actions, 0, actionValues);
      int ro = io.agentOffset(copy);
      System.arraycopy(io.actionSuccess(), ro, s.success, 0, agents);
      float[] rewards = io.rewards();
      System.arraycopy(rewards, ro, s.rewards, 0, agents);
      for (int a = 0; a < agents; a++) {
        returns[a] += rewards[ro + a];
      }
      rec.capture(s.frame);
      boolean terminated = io.terminated(copy);
      boolean truncated = io.truncated(copy);
      if (terminated || truncated) {
        end(terminated, truncated);
      } else if (b.count == BATCH || sink.wantsLines(copy)) { // watched live: every step at once
        background.submit(b);
        batch = takeBatch();
      }
    }

    /** Ends an open recording whose episode did not end (the copy was reset, or the caller stopped). */
    void cut() {
      if (recording()) {
        end(false, false);
      }
    }

    private void end(boolean terminated, boolean truncated) {
      world.episodeStats(copy, agentStats, copyStats);
      WorldSpec spec = world.spec();
      Map<String, Object> agentMap = new LinkedHashMap<>();
      List<StatSpec> as = spec.agentStats();
      int n = as.size();
      for (int s = 0; s < n; s++) {
        double[] v = new double[returns.length];
        for (int a = 0; a < v.length; a++) {
          v[a] = agentStats[a * n + s];
        }
        agentMap.put(as.get(s).name(), v);
      }
      Map<String, Object> copyMap = new LinkedHashMap<>();
      List<StatSpec> cs = spec.copyStats();
      for (int s = 0; s < cs.size(); s++) {
        copyMap.put(cs.get(s).name(), copyStats[s]);
      }
      Map<String, Object> end = new LinkedHashMap<>();
      end.put("steps", t);
      end.put("terminated", terminated);
      end.put("truncated", truncated);
      end.put("returns", returns.clone());
      end.put("agent_stats", agentMap);
      end.put("copy_stats", copyMap);
      Batch<F> b = batch;
      b.writer = writer;
      if (b.of == null) {
        b.of = episode;
        b.ofHeader = headerLine;
      }
      b.endLine = new Header(Map.of("end", end)); // serialised on the background thread
      b.episode = episode;
      background.submit(b);
      batch = null;
      writer = null;
    }

    /** A state line from a captured frame (background thread). */
    private String stateLine(int step, F frame) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("t", step);
      m.put("state", rec.state(frame));
      return GSON.toJson(m);
    }

    /** Background thread: writes a batch (header first, end line and trailer last). */
    void write(Batch<F> b) {
      Output out = b.writer;
      if (out == null) {
        return;
      }
      if (out.failed) { // opening or an earlier write failed: reported once, on the stepping thread
        if (b.episode != null) {
          sink.finished(b.episode, false);
        }
        return;
      }
      ReplayWriter w = out.writer;
      try {
        if (w == null) {
          try {
            w = out.writer = new ReplayWriter(sink.open(out.episode));
          } catch (IOException e) {
            throw new IOException("cannot write the replay of copy " + copy + " episode " + out.episode.episode()
                + ": " + e.getMessage(), e);
          }
        }
        boolean live = b.of != null && sink.wantsLines(copy);
        if (b.header != null) {
          w.line(b.header.json());
          rec.begin(b.initial);
          if (live) {
            F initial = b.initial;
            sink.line(b.of, b.header.json(), Header.json(b.ofHeader), () -> stateLine(0, initial));
          }
        }
        JsonLine l = line;
        for (int i = 0; i < b.count; i++) {
          Snapshot<F> s = b.steps[i];
          l.clear();
          l.raw("{\"t\":").integer(s.t);
          l.key("actions").ints(s.actions, 0, actionValues);
          l.key("success").bytes(s.success, 0, agents);
          l.key("rewards").floats(s.rewards, 0, agents);
          rec.appendStep(l, s.frame);
          l.raw('}');
          w.line(l);
          if (live) {
            sink.line(b.of, l.toString(), Header.json(b.ofHeader), () -> stateLine(s.t, s.frame));
          }
        }
        if (b.endLine != null) {
          w.line(b.endLine.json());
          if (live) {
            sink.line(b.of, b.endLine.json(), Header.json(b.ofHeader), () -> null);
          }
          w.finish();
          sink.finished(b.episode, true);
        }
      } catch (IOException e) {
        out.failed = true;
        if (failure == null) {
          failure = e;
        }
        try {
          if (w != null) {
            w.close();
          }
        } catch (IOException ignored) {
          // the first failure is the one reported
        }
        if (b.episode != null) {
          sink.finished(b.episode, false);
        }
      }
    }
  }

  /** The configuration as JSON values, whole numbers without a fraction. */
  static Map<String, Object> plainConfig(Config config) {
    Map<String, Object> out = new LinkedHashMap<>();
    config.toPlain().forEach((k, v) -> out.put(k, integral(v)));
    return out;
  }

  private static Object integral(Object v) {
    if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 9.007199254740992E15) {
      return d.longValue();
    }
    if (v instanceof List<?> l) {
      return l.stream().map(RecordingWorld::integral).toList();
    }
    return v;
  }
}
