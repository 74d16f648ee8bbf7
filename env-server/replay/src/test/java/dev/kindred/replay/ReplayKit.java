package dev.kindred.replay;

import dev.kindred.env.Config;
import dev.kindred.env.PlainValues;
import dev.kindred.env.StepBatch;
import dev.kindred.env.World;
import dev.kindred.env.WorldBuffers;
import dev.kindred.env.WorldRegistry;
import dev.kindred.env.WorldType;
import dev.kindred.env.energy.EnergyWorld;
import dev.kindred.env.spin.SpinWorld;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/** Test helpers: one recorded episode of random play, with what the world did captured beside it. */
final class ReplayKit {
  private ReplayKit() {}

  /** What a recording run produced: the file's bytes and the states, actions and rewards seen directly. */
  record Recorded(byte[] file, List<EnergyFrame> energyFrames, List<SpinFrame> spinFrames, List<int[]> actions,
      List<float[]> rewards, List<byte[]> success) {}

  static Config resolve(WorldType type, Map<String, ?> config) {
    return type.schema().resolve(PlainValues.normalize(config));
  }

  /** Plays {@code steps} steps of uniformly random actions in copy 0 after reset with {@code seed}, recording it. */
  static Recorded record(String worldId, Map<String, ?> config, long seed, int steps) {
    WorldType type = WorldRegistry.builtIn().get(worldId);
    Config cfg = resolve(type, config);
    World inner = type.create(cfg, 1);
    ReplaySink.MemorySink sink = ReplaySink.memory();
    RecordingWorld world = new RecordingWorld(inner, cfg, sink, "test", RecordingWorld.EpisodeFilter.all());
    world.seats(List.of(Seat.all(inner.spec().numAgents(), Seat.Brain.builtin("random"))));
    int agents = inner.spec().numAgents();
    WorldBuffers io = new WorldBuffers(inner.spec(), 1, new boolean[inner.spec().observations().size()],
        new StepBatch(1, agents, List.of(), false));
    List<EnergyFrame> ef = new ArrayList<>();
    List<SpinFrame> sf = new ArrayList<>();
    List<int[]> actions = new ArrayList<>();
    List<float[]> rewards = new ArrayList<>();
    List<byte[]> success = new ArrayList<>();
    world.reset(0, seed, io);
    capture(inner, ef, sf, false);
    SplittableRandom rng = new SplittableRandom(seed ^ 0x5eed);
    int dims = inner.spec().actions().dimensions().size();
    int[] a = io.actions();
    for (int t = 1; t <= steps; t++) {
      for (int i = 0; i < agents; i++) {
        for (int d = 0; d < dims; d++) {
          a[i * dims + d] = rng.nextInt(inner.spec().actions().dimensions().get(d).numValues());
        }
      }
      world.step(0, io);
      actions.add(java.util.Arrays.copyOf(a, agents * dims));
      rewards.add(java.util.Arrays.copyOf(io.rewards(), agents));
      success.add(java.util.Arrays.copyOf(io.actionSuccess(), agents));
      capture(inner, ef, sf, true);
      if (io.truncated(0) || io.terminated(0)) {
        break;
      }
    }
    world.closeAll();
    byte[] file = sink.files().get(0).getValue();
    return new Recorded(file, ef.isEmpty() ? null : ef, sf.isEmpty() ? null : sf, actions, rewards, success);
  }

  private static void capture(World w, List<EnergyFrame> ef, List<SpinFrame> sf, boolean withAgents) {
    if (w instanceof EnergyWorld e) {
      EnergyFrame f = new EnergyFrame(e.spec().numAgents(), e.view(0).objects());
      f.capture(e.view(0));
      ef.add(f);
    } else {
      SpinWorld s = (SpinWorld) w;
      SpinFrame f = new SpinFrame(s.view(0).n(), s.spec().numAgents());
      f.capture(s.view(0), withAgents);
      sf.add(f);
    }
  }

  /** The uncompressed lines of a replay file. */
  static List<String> lines(byte[] gz) {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return new ArrayList<>(List.of(text.split("\n")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A replay file of {@code lines} (trailer excluded) with a correct trailer, so only the content is wrong. */
  static byte[] rehash(List<String> content) {
    try {
      StringBuilder sb = new StringBuilder();
      for (String l : content) {
        sb.append(l).append('\n');
      }
      byte[] body = sb.toString().getBytes(StandardCharsets.UTF_8);
      String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
        gz.write(body);
        gz.write(("{\"content_sha256\":\"" + hex + "\"}\n").getBytes(StandardCharsets.US_ASCII));
      }
      return out.toByteArray();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Gzips {@code lines} as they are (trailer included, unchanged). */
  static byte[] gzip(List<String> lines) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
        for (String l : lines) {
          gz.write((l + "\n").getBytes(StandardCharsets.UTF_8));
        }
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
