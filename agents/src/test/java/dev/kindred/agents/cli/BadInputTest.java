package dev.kindred.agents.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.agents.nn.ActorCritic;
import dev.kindred.agents.ppo.Checkpoint;
import dev.kindred.agents.ppo.PpoTrainer;
import dev.kindred.agents.ppo.TrainConfig;
import dev.kindred.bench.LoopbackServer;
import dev.kindred.env.VectorEnv;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input and failures end with one clear line that says what to do, never a hang: a missing
 * or corrupt checkpoint, one from another world, an unknown config key, an unreachable server,
 * a server going away mid-training; a checkpoint write cut short leaves the previous one
 * loadable; and training over gRPC, on one server or sharded over two, sees the same first rollout
 * as in process.
 */
class BadInputTest {
  static final String ENERGY = "{\"width\": 7, \"height\": 7, \"agents\": 2, \"altars\": 1, \"converters\": 1,"
      + " \"green_generators\": 1, \"yellow_generators\": 1, \"walls\": 0, \"max_steps\": 40}";
  static final String TINY = "{\"world\": \"energy.room\", \"world_config\": " + ENERGY + ", \"copies\": 4,"
      + " \"horizon\": 16, \"epochs\": 1, \"minibatches\": 2, \"hidden\": 16, \"conv_channels\": 4,"
      + " \"checkpoint_every\": 1}";

  record Result(int code, String out, String err, double seconds) {}

  /** Runs a command of AgentsMain with stdout and stderr captured (and echoed). */
  static synchronized Result run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream outBuf = new ByteArrayOutputStream();
    ByteArrayOutputStream errBuf = new ByteArrayOutputStream();
    long t0 = System.nanoTime();
    int code;
    try (PrintStream o = new PrintStream(outBuf, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(errBuf, true, StandardCharsets.UTF_8)) {
      System.setOut(o);
      System.setErr(e);
      code = AgentsMain.run(args);
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
    String out = outBuf.toString(StandardCharsets.UTF_8);
    String err = errBuf.toString(StandardCharsets.UTF_8);
    oldOut.print(out);
    oldErr.print(err);
    return new Result(code, out, err, (System.nanoTime() - t0) / 1e9);
  }

  static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void missingCheckpoint(@TempDir Path dir) {
    Result r = run("evaluate", "--checkpoint", dir.resolve("nothing").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("no checkpoint") && r.err().contains("./kindred train --out"), r.err());
    r = run("train", "--out", dir.resolve("nothing").toString(), "--resume");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("no checkpoint"), r.err());
  }

  @Test
  void unknownConfigKey(@TempDir Path dir) {
    Result r = run("train", "--config", "{\"learning_rat\": 0.1}", "--out", dir.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("unknown config key 'learning_rat'") && r.err().contains("learning_rate"), r.err());
  }

  @Test
  void corruptCheckpoints(@TempDir Path dir) throws Exception {
    Path run = dir.resolve("run");
    assertEquals(0, run("train", "--config", TINY, "--steps", "64", "--out", run.toString()).code());
    Path meta = run.resolve(Checkpoint.METADATA);
    Path params;
    try (var s = Files.list(run)) {
      params = s.filter(p -> p.toString().endsWith(".params")).findFirst().orElseThrow();
    }
    byte[] goodParams = Files.readAllBytes(params);
    String goodMeta = Files.readString(meta);
    Checkpoint.read(run); // sound

    // Truncated parameters: the recorded SHA-256 no longer matches.
    Files.write(params, Arrays.copyOf(goodParams, goodParams.length / 2));
    Result r = run("evaluate", "--checkpoint", run.toString(), "--episodes", "1");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("SHA-256") && r.err().contains("corrupt") && r.err().contains("train again"), r.err());

    // Truncated parameters whose SHA-256 was recorded too: they do not fit the network.
    byte[] cut = Arrays.copyOf(goodParams, goodParams.length - 100);
    Files.write(params, cut);
    Files.writeString(meta, goodMeta.replaceAll("\"parameters_sha256\": \"[0-9a-f]+\"",
        "\"parameters_sha256\": \"" + Checkpoint.sha256(cut) + "\""));
    r = run("evaluate", "--checkpoint", run.toString(), "--episodes", "1");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("do not fit") && r.err().contains("train again"), r.err());

    // Truncated JSON.
    Files.write(params, goodParams);
    Files.writeString(meta, goodMeta.substring(0, goodMeta.length() / 2));
    r = run("evaluate", "--checkpoint", run.toString(), "--episodes", "1");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("corrupt") && r.err().contains("delete the directory"), r.err());

    // A recorded SHA-256 that is not the parameters'.
    Files.writeString(meta, goodMeta.replaceAll("\"parameters_sha256\": \"[0-9a-f]+\"",
        "\"parameters_sha256\": \"" + "0".repeat(64) + "\""));
    r = run("train", "--out", run.toString(), "--resume", "--steps", "128");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("do not match their recorded SHA-256"), r.err());
  }

  @Test
  void checkpointOfAnotherWorld(@TempDir Path dir) throws Exception {
    Path run = dir.resolve("run");
    assertEquals(0, run("train", "--config", TINY, "--steps", "64", "--out", run.toString()).code());
    Checkpoint ck = Checkpoint.read(run);
    try (VectorEnv spin = Envs.open(null, "spin.lattice", Map.of("width", 4, "height", 4, "controlled", List.of(0)),
        2, 1);
        VectorEnv bigger = Envs.open(null, "energy.room", TrainConfig.readJson(ENERGY.replace("\"agents\": 2",
            "\"agents\": 3")), 2, 1);
        VectorEnv narrower = Envs.open(null, "energy.room", TrainConfig.readJson(ENERGY.replace("\"agents\": 2",
            "\"agents\": 2, \"view_size\": 5")), 2, 1)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ck.policy(spin.spec(), 1));
      assertTrue(e.getMessage().contains("trained on energy.room but the world is spin.lattice: it has no observation "
          + "'grid'") && e.getMessage().contains("--world energy.room"), e.getMessage());
      // The policy acts per agent: another number of agents is fine, a different window is not.
      ck.policy(bigger.spec(), 1).close();
      e = assertThrows(IllegalArgumentException.class, () -> ck.policy(narrower.spec(), 1));
      assertTrue(e.getMessage().contains("this energy.room differs: its observation 'grid' has shape [17, 5, 5]; the "
          + "policy was trained on [17, 11, 11]"), e.getMessage());
    }
  }

  @Test
  void unreachableServerFailsQuickly(@TempDir Path dir) throws Exception {
    int port = closedPort();
    Result r = run("train", "--config", TINY, "--server", "127.0.0.1:" + port, "--out", dir.resolve("r").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("cannot reach a Kindred server at 127.0.0.1:" + port)
        && r.err().contains("./kindred serve"), r.err());
    assertTrue(r.seconds() < 15, "took " + r.seconds() + " s");
  }

  @Test
  void serverGoingAwayMidTrainingEndsWithAClearError(@TempDir Path dir) throws Exception {
    Path run = dir.resolve("run");
    // A short shutdown grace: the default lets calls in flight drain for 10 s first.
    LoopbackServer server = LoopbackServer.start(java.time.Duration.ofMillis(500));
    boolean closed = false;
    int port = server.port();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<Result> training = pool.submit(() -> run("train", "--config", TINY, "--steps", "100000000",
          "--server", "127.0.0.1:" + port, "--out", run.toString()));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!Files.exists(run.resolve(Checkpoint.METADATA)) && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertTrue(Files.exists(run.resolve(Checkpoint.METADATA)), "no checkpoint within 60 s");
      server.close();
      closed = true;
      Result r = training.get(60, TimeUnit.SECONDS); // never a hang
      assertEquals(1, r.code());
      assertTrue(r.err().contains("the server at 127.0.0.1:" + port + " stopped answering")
          && r.err().contains("--resume"), r.err());
      Checkpoint.read(run); // the last checkpoint is sound
    } finally {
      if (!closed) {
        server.close();
      }
      pool.shutdownNow();
    }
  }

  @Test
  void interruptedCheckpointWriteLeavesThePreviousOne(@TempDir Path dir) throws Exception {
    try (VectorEnv env = Envs.open(null, "energy.room", TrainConfig.readJson(ENERGY), 2, 1);
        ActorCritic a = new ActorCritic(env.spec(), List.of(), 16, 4, 1);
        ActorCritic b = new ActorCritic(env.spec(), List.of(), 16, 4, 2)) {
      TrainConfig cfg = new TrainConfig().apply(TrainConfig.readJson(TINY));
      new Checkpoint(cfg.toMap(), 1, 64, 1, "test", env.spec(), new double[] {0, 1, 0}, a.saveParameters()).write(dir);
      Checkpoint second = new Checkpoint(cfg.toMap(), 1, 128, 2, "test", env.spec(), new double[] {0, 1, 0},
          b.saveParameters());
      // Cut short after the new parameters are written, before the JSON naming them is renamed in
      // (its temp file cannot be written: a directory stands in its way).
      Files.createDirectory(dir.resolve(Checkpoint.METADATA + ".tmp"));
      assertThrows(java.io.IOException.class, () -> second.write(dir));
      Checkpoint back = Checkpoint.read(dir);
      assertEquals(1, back.updates());
      try (ActorCritic p = back.policy(env.spec(), 3)) {
        assertArrayEquals(a.saveParameters(), p.saveParameters());
      }
      // Cut short while the parameters themselves are written: still the first.
      Files.delete(dir.resolve(Checkpoint.METADATA + ".tmp"));
      Files.createDirectory(dir.resolve("policy-000002.params.tmp"));
      Files.deleteIfExists(dir.resolve("policy-000002.params"));
      assertThrows(java.io.IOException.class, () -> second.write(dir));
      assertEquals(1, Checkpoint.read(dir).updates());
      // A later write succeeds and clears the debris of the failed ones' parameters.
      Files.delete(dir.resolve("policy-000002.params.tmp"));
      second.write(dir);
      assertEquals(2, Checkpoint.read(dir).updates());
      try (var s = Files.list(dir)) {
        assertEquals(List.of("checkpoint.json", "policy-000002.params"),
            s.map(p -> p.getFileName().toString()).sorted().toList());
      }
    }
  }

  @Test
  void grpcShardedAndInProcessTrainingSeeTheSameFirstRollout() {
    TrainConfig cfg = new TrainConfig().apply(TrainConfig.readJson(TINY));
    cfg.seed = 42;
    long[] digest = new long[3];
    byte[][] params = new byte[3][];
    try (LoopbackServer server = LoopbackServer.start(); LoopbackServer second = LoopbackServer.start()) {
      // In process; one server; the copies sharded over two servers (what --server a,b opens).
      String[] where = {null, "127.0.0.1:" + server.port(), "127.0.0.1:" + server.port() + ",127.0.0.1:" + second.port()};
      for (int k = 0; k < 3; k++) {
        try (VectorEnv env = Envs.open(where[k], cfg.world, cfg.worldConfig, cfg.copies, cfg.seed);
            ActorCritic policy = cfg.newPolicy(env.spec(), cfg.seed);
            PpoTrainer trainer = new PpoTrainer(env, policy, cfg, 0, 0)) {
          trainer.iterate();
          digest[k] = trainer.rolloutDigest();
          params[k] = policy.saveParameters();
        }
      }
    }
    assertEquals(digest[0], digest[1], "the first rollouts differ between in-process and gRPC");
    assertEquals(digest[0], digest[2], "the first rollouts differ between in-process and 2 shards");
    assertNotEquals(0, digest[0]);
    assertArrayEquals(params[0], params[1], "the same rollout gave different updates");
    assertArrayEquals(params[0], params[2], "the same rollout gave different updates over shards");
  }
}
