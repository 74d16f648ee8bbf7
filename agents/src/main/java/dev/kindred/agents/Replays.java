package dev.kindred.agents;

import dev.kindred.env.KindredException;
import dev.kindred.env.SessionOptions;
import dev.kindred.env.VectorEnv;
import dev.kindred.env.WorldRegistry;
import dev.kindred.env.DataFiles;
import dev.kindred.local.LocalVectorEnv;
import dev.kindred.replay.RecordingWorld;
import dev.kindred.replay.ReplaySink;
import dev.kindred.replay.Seat;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code --replays DIR} of evaluate and tournament: an in-process environment whose world records
 * the first K episodes started after each {@link #brain} call into DIR
 * ({@code <label>-c<copy>-e<episode>.replay.jsonl.gz}, docs/replay-format.md).
 */
public final class Replays {
  private final ReplaySink.DirectorySink sink;
  private final RecordingWorld.Budget budget;
  private final String recorder;
  private RecordingWorld world;

  /**
   * @param dir      where the files go (created on the first file)
   * @param episodes episodes recorded per {@link #brain} call
   * @param recorder the header's recorder: evaluate, tournament
   */
  public Replays(Path dir, int episodes, String recorder) {
    if (episodes < 1) {
      throw new IllegalArgumentException("the number of episodes to record must be at least 1; got " + episodes);
    }
    this.sink = ReplaySink.directory(dir);
    this.budget = new RecordingWorld.Budget(episodes);
    this.recorder = recorder;
  }

  /** An in-process environment whose world records (replays need the world in this process). */
  public VectorEnv open(String worldId, Map<String, ?> config, int copies, long seed) {
    try {
      return LocalVectorEnv.create(WorldRegistry.builtIn(), worldId, config, copies, seed, SessionOptions.defaults(),
          DataFiles.none(), (w, resolved) -> world = new RecordingWorld(w, resolved, sink, recorder, budget));
    } catch (KindredException e) {
      throw new IllegalArgumentException("cannot create " + worldId + ": " + e.getMessage(), e);
    }
  }

  /**
   * Ends the open recordings, then records the next K episodes as played by {@code seats},
   * their files named {@code label-c<copy>-e<episode>} with episodes counted from here.
   */
  public void brain(String label, List<Seat> seats) {
    world.closeAll();
    world.label(label);
    world.seats(seats);
    budget.restart();
  }

  /** Ends the open recordings (the caller stops driving the world). */
  public void finish() {
    if (world != null) {
      world.closeAll();
    }
  }

  /** The path of the replay of {@code label}'s episode {@code episode} of {@code copy}, or null when none was written. */
  public Path file(String label, int copy, long episode) {
    for (Map.Entry<ReplaySink.Episode, Path> e : sink.written().entrySet()) {
      ReplaySink.Episode k = e.getKey();
      if (k.label().equals(label) && k.copy() == copy && k.episode() == episode) {
        return e.getValue();
      }
    }
    return null;
  }

  /** The replay files written so far, by episode. */
  public Map<ReplaySink.Episode, Path> written() {
    return sink.written();
  }

  public Path directory() {
    return sink.directory();
  }
}
