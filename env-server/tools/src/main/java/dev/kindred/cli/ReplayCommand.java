package dev.kindred.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.kindred.cli.support.Cli;
import dev.kindred.cli.support.PrintingCommand;
import dev.kindred.replay.Replay;
import dev.kindred.replay.ReplayException;
import dev.kindred.replay.ReplayReader;
import dev.kindred.replay.ReplayVerifier;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code kindred replay info|verify FILE}: what a replay file holds, and whether it re-simulates exactly. */
@Command(name = "replay",
    description = {"Replay files (*.replay.jsonl.gz, written by evaluate/tournament --replays; format: "
        + "docs/replay-format.md): replay info FILE summarises one, replay verify FILE re-simulates it."})
final class ReplayCommand {

  @Command(name = "info", description = {"Summarise a replay: world, seed, steps, who played (brains), returns, size.",
      "Exit 0; 2 when the file is not a valid replay (the message names the file and the line)."})
  static final class Info extends PrintingCommand {
    @Parameters(paramLabel = "FILE", description = "a replay file")
    Path file;

    @Override
    public Integer call() {
      Replay r;
      try {
        r = ReplayReader.read(file);
      } catch (ReplayException e) {
        err.println("kindred replay info: " + e.getMessage());
        return Cli.USAGE;
      }
      JsonObject h = r.header();
      out.printf(Locale.ROOT, "file         %s%n", file);
      out.printf(Locale.ROOT, "format       %s version %d%n", h.get("format").getAsString(),
          h.get("format_version").getAsInt());
      out.printf(Locale.ROOT, "world        %s (%s), %d %s%n", r.world(), r.kind(), r.agents(),
          r.isEnergy() ? "agents" : "controlled spins");
      out.printf(Locale.ROOT, "seed         %s (copy %s, episode %s)%n", h.get("seed").getAsString(), str(h, "copy"),
          str(h, "episode"));
      out.printf(Locale.ROOT, "recorded     by %s, code %s, %s%n", str(h, "recorder"), str(h, "code_version"),
          str(h, "created"));
      JsonObject end = r.end();
      String how = end.get("terminated").getAsBoolean() ? "terminated"
          : end.get("truncated").getAsBoolean() ? "truncated" : "cut short (the recording stopped before the episode ended)";
      out.printf(Locale.ROOT, "steps        %d, %s%n", r.steps(), how);
      JsonArray seats = h.has("seats") && h.get("seats").isJsonArray() ? h.getAsJsonArray("seats") : new JsonArray();
      for (JsonElement s : seats) {
        JsonObject seat = s.getAsJsonObject();
        JsonObject b = seat.getAsJsonObject("brain");
        StringBuilder brain = new StringBuilder(str(b, "kind")).append(' ').append(str(b, "name"));
        if (b.has("sha256")) {
          brain.append(", sha256 ").append(b.get("sha256").getAsString());
        }
        if (b.has("language")) {
          brain.append(", ").append(b.get("language").getAsString());
        }
        if (b.has("command")) {
          brain.append(", command ").append(b.get("command").getAsString());
        }
        out.printf(Locale.ROOT, "seat         %s: agents %s: %s%n", str(seat, "name"), seat.get("agents"), brain);
      }
      JsonArray returns = end.getAsJsonArray("returns");
      double sum = 0;
      double min = Double.POSITIVE_INFINITY;
      double max = Double.NEGATIVE_INFINITY;
      for (JsonElement e : returns) {
        double v = e.getAsDouble();
        sum += v;
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      if (returns.size() > 0) {
        out.printf(Locale.ROOT, "returns      mean %.4f, min %.4f, max %.4f over %d agents%n", sum / returns.size(), min,
            max, returns.size());
      }
      JsonObject copyStats = end.has("copy_stats") ? end.getAsJsonObject("copy_stats") : new JsonObject();
      if (copyStats.has("total_hearts")) {
        out.printf(Locale.ROOT, "hearts       %s in all%n", fmt(copyStats.get("total_hearts").getAsDouble()));
      }
      out.printf(Locale.ROOT, "size         %d bytes compressed, %d uncompressed (%.1f bytes per step), content "
          + "sha256 %s%n", r.compressedBytes(), r.uncompressedBytes(),
          r.steps() == 0 ? 0.0 : (double) r.compressedBytes() / r.steps(), r.contentSha256());
      return 0;
    }
  }

  @Command(name = "verify", description = {"Re-simulate a replay from its world, configuration, seed and actions, and "
      + "compare every recorded field exactly.",
      "Prints 'verified: N steps reproduce exactly' and exits 0; exits 1 with the first divergence (step, agent or "
          + "object, field, expected and actual); 2 when the file is not a valid replay."})
  static final class Verify extends PrintingCommand {
    @Parameters(paramLabel = "FILE", description = "a replay file")
    Path file;

    @Override
    public Integer call() {
      Replay r;
      ReplayVerifier.Result result;
      try {
        r = ReplayReader.read(file);
        result = ReplayVerifier.verify(r);
      } catch (ReplayException e) {
        err.println("kindred replay verify: " + e.getMessage());
        return Cli.USAGE;
      }
      if (!result.ok()) {
        err.println("kindred replay verify: " + file + ": diverges at " + result.divergence());
        err.println("  (" + result.steps() + " steps reproduced before it; world " + r.world() + ", seed " + r.seed()
            + ", recorded by code " + r.header().get("code_version").getAsString() + ")");
        return 1;
      }
      out.println("verified: " + result.steps() + " steps reproduce exactly (" + file + ", " + r.world() + ", seed "
          + r.seed() + ")");
      return 0;
    }
  }

  private static String str(JsonObject o, String key) {
    JsonElement e = o.get(key);
    return e == null || e.isJsonNull() ? "?" : e.isJsonPrimitive() ? e.getAsString() : e.toString();
  }

  private static String fmt(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}
