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
 * {@code terminated} and {@code truncated} both false (the recording was cut short). Files are
 * hashed and compressed on a background thread (the stepping thread only formats lines); a file
 * is complete once its episode ended and that thread caught up: {@link #closeAll} waits for it.
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
  private final ReplaySink sink;
  private final String recorder;
  private final CopyState[] copies;
  /** Hashes and compresses every copy's files off the stepping threads. */
  private final Compressor compressor = new Compressor();
  private volatile EpisodeFilter filter;
  private volatile List<Seat> seats;
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
    this.sink = Objects.requireNonNull(sink, "sink");
    this.recorder = Objects.requireNonNull(recorder, "recorder");
    this.filter = Objects.requireNonNull(filter, "filter");
    int agents = world.spec().numAgents();
    this.seats = List.of(Seat.all(agents, Seat.Brain.client("unknown", null)));
    this.copies = new CopyState[world.copies()];
    for (int c = 0; c < copies.length; c++) {
      copies[c] = new CopyState(c);
    }
  }

  /** The seats written into the headers of episodes that start from now on. */
  public void seats(List<Seat> seats) {
    this.seats = List.copyOf(seats);
  }

  /**
   * The label given to the sink for episodes that start from now on (e.g. the brain's name);
   * each copy's episode numbers count from 0 again from its next reset.
   */
  public void label(String label) {
    this.label = label == null ? "" : label;
    for (CopyState s : copies) {
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
    for (CopyState s : copies) {
      synchronized (s) {
        s.cut();
      }
    }
    compressor.drain();
  }

  /**
   * Waits until every replay file whose episode has ended is complete (its trailer written and
   * the sink told): hashing and compression run on a background thread. Call while no copy is
   * being stepped.
   */
  public void flush() {
    compressor.drain();
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
    CopyState s = copies[copy];
    s.cut();
    long episode = s.episodes++;
    if (filter.record(copy, episode)) {
      s.start(seed, episode);
    }
  }

  @Override
  public void step(int copy, WorldBuffers io) {
    world.step(copy, io);
    CopyState s = copies[copy];
    if (s.writer != null) {
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

  /**
   * The header line of {@code copy}'s episode being recorded, or null when none is. Call only
   * while the copy is not being stepped.
   */
  public String headerLine(int copy) {
    CopyState s = copies[copy];
    synchronized (s) {
      return s.writer == null ? null : s.headerLine;
    }
  }

  /**
   * A state line ({@code {"t":t,"state":{...}}}) with {@code copy}'s full current state, or null
   * when no episode of it is being recorded. Call only while the copy is not being stepped, or
   * from the {@link ReplaySink#line} call of its step.
   */
  public String stateLine(int copy) {
    CopyState s = copies[copy];
    synchronized (s) {
      if (s.writer == null) {
        return null;
      }
      Map<String, Object> line = new LinkedHashMap<>();
      line.put("t", s.t);
      line.put("state", s.rec.state());
      return GSON.toJson(line);
    }
  }

  /** One copy's recording: its recorder, its open file, its reused line buffer. */
  private final class CopyState {
    private final int copy;
    private final CopyRecorder rec;
    private final JsonLine line = new JsonLine();
    private final double[] returns;
    private final double[] agentStats;
    private final double[] copyStats;
    private ReplaySink.Episode episode;
    private ReplayWriter writer;
    private String headerLine;
    private long episodes;
    private int t;

    CopyState(int copy) {
      this.copy = copy;
      this.rec = world instanceof EnergyWorld e
          ? new EnergyRecorder(e.view(copy), e.spec().actions().dimensions().get(0).valueNames())
          : new SpinRecorder(((SpinWorld) world).view(copy), config);
      WorldSpec spec = world.spec();
      this.returns = new double[spec.numAgents()];
      this.agentStats = new double[spec.numAgents() * spec.agentStats().size()];
      this.copyStats = new double[spec.copyStats().size()];
    }

    void start(long seed, long index) {
      episode = new ReplaySink.Episode(world.spec().worldId(), label, copy, index, seed);
      t = 0;
      java.util.Arrays.fill(returns, 0.0);
      Map<String, Object> header = new LinkedHashMap<>();
      header.put("format", ReplayWriter.FORMAT);
      header.put("format_version", ReplayWriter.FORMAT_VERSION);
      header.put("world", world.spec().worldId());
      header.put("world_kind", rec.kind());
      header.put("config", plainConfig(config));
      header.put("seed", Long.toString(seed));
      header.put("copy", copy);
      header.put("episode", index);
      header.put("code_version", BuildInfo.current().codeVersion());
      header.put("created", Instant.now().toString());
      header.put("recorder", recorder);
      header.put("agents", rec.agents());
      List<Map<String, Object>> seatList = new ArrayList<>();
      for (Seat seat : seats) {
        seatList.add(seat.toJson());
      }
      header.put("seats", seatList);
      header.put(rec.kind(), rec.section());
      try {
        writer = new ReplayWriter(sink.open(episode), compressor);
        headerLine = GSON.toJson(header);
        writer.line(headerLine);
        if (sink.wantsLines(copy)) {
          sink.line(episode, headerLine);
        }
      } catch (IOException e) {
        writer = null;
        throw new UncheckedIOException("cannot write the replay of copy " + copy + " episode " + index + ": "
            + e.getMessage(), e);
      }
    }

    void step(WorldBuffers io) {
      JsonLine b = line;
      b.clear();
      b.raw("{\"t\":").integer(++t);
      int agents = rec.agents();
      int[] actions = io.actions();
      int ao = io.actionOffset(copy);
      b.key("actions").ints(actions, ao, ao + agents * rec.actionDims());
      int ro = io.agentOffset(copy);
      b.key("success").bytes(io.actionSuccess(), ro, ro + agents);
      float[] rewards = io.rewards();
      b.key("rewards").floats(rewards, ro, ro + agents);
      for (int a = 0; a < agents; a++) {
        returns[a] += rewards[ro + a];
      }
      rec.appendStep(b);
      b.raw('}');
      try {
        writer.line(b);
        if (sink.wantsLines(copy)) {
          sink.line(episode, b.toString());
        }
        boolean terminated = io.terminated(copy);
        boolean truncated = io.truncated(copy);
        if (terminated || truncated) {
          end(terminated, truncated);
        }
      } catch (IOException e) {
        abandon();
        throw new UncheckedIOException("cannot write the replay of copy " + copy + ": " + e.getMessage(), e);
      }
    }

    /** Ends an open recording whose episode did not end (the copy was reset, or the caller stopped). */
    void cut() {
      if (writer != null) {
        try {
          end(false, false);
        } catch (IOException e) {
          abandon();
          throw new UncheckedIOException("cannot finish the replay of copy " + copy + ": " + e.getMessage(), e);
        }
      }
    }

    private void end(boolean terminated, boolean truncated) throws IOException {
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
      String endLine = GSON.toJson(Map.of("end", end));
      writer.line(endLine);
      if (sink.wantsLines(copy)) {
        sink.line(episode, endLine);
      }
      ReplaySink.Episode done = episode;
      writer.finish(() -> sink.finished(done, true));
      writer = null;
    }

    private void abandon() {
      try {
        writer.close();
      } catch (IOException ignored) {
        // already failing; the first error is the one reported
      }
      writer = null;
      sink.finished(episode, false);
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
