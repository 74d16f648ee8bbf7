package dev.kindred.crosslang;

import dev.kindred.cli.support.Cli;
import dev.kindred.cli.support.PrintingCommand;
import dev.kindred.client.KindredClient;
import dev.kindred.client.RemoteVectorEnv;
import dev.kindred.env.SessionOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The Java side of the client benchmark (clients/python/bench/bench_clients.py): one JVM for the
 * whole benchmark run, driven round by round over stdin, so that its timed rounds alternate with
 * the Python client's against the same server, each measured the same way (same world, config,
 * copies, fixed actions, warm-up, steps per round).
 *
 * <pre>
 * java -cp kindred-server.jar dev.kindred.crosslang.ClientBench --target HOST:PORT --world ID --config JSON
 * </pre>
 *
 * It prints {@code ready <pid>}, then answers each command line with one line:
 * <ul>
 *   <li>{@code open NAME COPIES stream|unary}: a session (seed 1) over StepStream or unary Step,
 *       reset; {@code ok}
 *   <li>{@code warmup NAME STEPS}: untimed batched steps; {@code ok}
 *   <li>{@code time NAME STEPS}: timed batched steps; {@code steps_per_s <batched steps per second>}
 *   <li>{@code close NAME}: {@code ok}
 * </ul>
 * At the end of its input it closes every session and exits 0. A bad command or a failed call
 * prints {@code error <message>} and exits 1. The actions are fixed: {@code i % 2} for action
 * entry i, valid for any world whose action dimensions have at least two values.
 */
@Command(name = "dev.kindred.crosslang.ClientBench",
    description = "Batched steps per second through the Java client in rounds read from stdin: the Java side of "
        + "bench_clients.py.")
public final class ClientBench extends PrintingCommand {
  @Mixin
  SessionFlags session = new SessionFlags();

  /** Where the commands come from: stdin, or a test's script. */
  BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

  public static void main(String[] args) {
    Cli.main(new ClientBench(), args);
  }

  /** One open session and its fixed actions. */
  private record Open(RemoteVectorEnv env, int[] actions) {}

  @Override
  public Integer call() {
    Map<String, Open> open = new LinkedHashMap<>();
    try (KindredClient client = KindredClient.connect(session.target)) {
      out.println("ready " + ProcessHandle.current().pid());
      out.flush();
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        out.println(answer(client, open, line.trim().split("\\s+")));
        out.flush();
      }
      return 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      out.println("error " + (e.getMessage() == null ? e.toString() : e.getMessage()).replace('\n', ' '));
      out.flush();
      return 1;
    } finally {
      open.values().forEach(o -> o.env().close());
    }
  }

  private String answer(KindredClient client, Map<String, Open> open, String[] cmd) {
    switch (cmd[0]) {
      case "open" -> {
        expectArgs(cmd, 4, "open NAME COPIES stream|unary");
        if (open.containsKey(cmd[1])) {
          throw new IllegalArgumentException("a session named '" + cmd[1] + "' is already open");
        }
        boolean streaming = switch (cmd[3]) {
          case "stream" -> true;
          case "unary" -> false;
          default -> throw new IllegalArgumentException("transport must be stream or unary, got '" + cmd[3] + "'");
        };
        int copies = positive(cmd[2], "COPIES");
        SessionOptions options = SessionOptions.builder().streaming(streaming).clientName("kindred-java-bench").build();
        RemoteVectorEnv env = client.make(session.world, session.config(), copies, 1L, options);
        int[] actions = new int[copies * env.agents() * env.actionDimensions()];
        for (int i = 0; i < actions.length; i++) {
          actions[i] = i % 2;
        }
        open.put(cmd[1], new Open(env, actions));
        env.reset();
        return "ok";
      }
      case "warmup" -> {
        expectArgs(cmd, 3, "warmup NAME STEPS");
        steps(session(open, cmd[1]), positive(cmd[2], "STEPS"));
        return "ok";
      }
      case "time" -> {
        expectArgs(cmd, 3, "time NAME STEPS");
        Open o = session(open, cmd[1]);
        int steps = positive(cmd[2], "STEPS");
        long t0 = System.nanoTime();
        steps(o, steps);
        return "steps_per_s " + steps / ((System.nanoTime() - t0) / 1e9);
      }
      case "close" -> {
        expectArgs(cmd, 2, "close NAME");
        session(open, cmd[1]).env().close();
        open.remove(cmd[1]);
        return "ok";
      }
      default -> throw new IllegalArgumentException("unknown command '" + cmd[0] + "' (open, warmup, time, close)");
    }
  }

  private static void steps(Open o, int steps) {
    for (int i = 0; i < steps; i++) {
      o.env().step(o.actions());
    }
  }

  private static Open session(Map<String, Open> open, String name) {
    Open o = open.get(name);
    if (o == null) {
      throw new IllegalArgumentException("no open session named '" + name + "' (open: " + open.keySet() + ")");
    }
    return o;
  }

  private static void expectArgs(String[] cmd, int n, String usage) {
    if (cmd.length != n) {
      throw new IllegalArgumentException("usage: " + usage + "; got '" + String.join(" ", cmd) + "'");
    }
  }

  private static int positive(String s, String what) {
    try {
      int v = Integer.parseInt(s);
      if (v > 0) {
        return v;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new IllegalArgumentException(what + " must be a positive integer, got '" + s + "'");
  }
}
