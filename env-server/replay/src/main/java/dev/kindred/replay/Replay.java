package dev.kindred.replay;

import com.google.gson.JsonObject;
import java.util.List;

/**
 * A replay file read into memory by {@link ReplayReader}: the header and end line as JSON, and
 * per step the actions, successes and rewards, with the full state reconstructed at every step
 * (frame 0: after reset; frame t: after step t).
 *
 * @param source            the file's name, as given to the reader
 * @param header            line 1
 * @param kind              {@code "energy"} or {@code "spin"}
 * @param actions           per step (index t - 1), the flat actions of every agent
 * @param success           per step, per agent 0/1
 * @param rewards           per step, per agent
 * @param energyFrames      energy worlds: frames 0..T; else null
 * @param spinFrames        spin worlds: frames 0..T; else null
 * @param end               the end line's {@code end} object
 * @param compressedBytes   the file's size
 * @param uncompressedBytes bytes after decompression, the trailer included
 * @param contentSha256     the trailer's hash (checked)
 */
public record Replay(String source, JsonObject header, String kind, List<int[]> actions, List<byte[]> success,
    List<float[]> rewards, List<EnergyFrame> energyFrames, List<SpinFrame> spinFrames, JsonObject end,
    long compressedBytes, long uncompressedBytes, String contentSha256) {

  /** This replay with {@code compressedBytes} set. */
  Replay withSize(long compressed) {
    return new Replay(source, header, kind, actions, success, rewards, energyFrames, spinFrames, end, compressed,
        uncompressedBytes, contentSha256);
  }

  public String world() {
    return header.get("world").getAsString();
  }

  public long seed() {
    return Long.parseLong(header.get("seed").getAsString());
  }

  /** Agents (energy) or controlled spins (spin). */
  public int agents() {
    return header.get("agents").getAsInt();
  }

  /** Steps recorded. */
  public int steps() {
    return actions.size();
  }

  public boolean isEnergy() {
    return kind.equals("energy");
  }
}
