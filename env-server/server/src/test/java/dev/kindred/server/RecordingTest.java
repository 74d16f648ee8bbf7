package dev.kindred.server;

import static dev.kindred.server.Harness.assertStatus;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kindred.client.ClientOptions;
import dev.kindred.client.KindredClient;
import dev.kindred.client.RemoteVectorEnv;
import dev.kindred.env.KindredException;
import dev.kindred.env.SessionOptions;
import dev.kindred.env.WorldType;
import dev.kindred.env.energy.EnergyWorldType;
import dev.kindred.proto.v1.AutoresetMode;
import dev.kindred.proto.v1.CloseSessionRequest;
import dev.kindred.proto.v1.CreateSessionRequest;
import dev.kindred.proto.v1.EnvServiceGrpc;
import dev.kindred.proto.v1.FetchReplayRequest;
import dev.kindred.proto.v1.ListRecordingsRequest;
import dev.kindred.proto.v1.ListRecordingsResponse;
import dev.kindred.proto.v1.RecordOptions;
import dev.kindred.proto.v1.RecordedSession;
import dev.kindred.proto.v1.RenderFormat;
import dev.kindred.proto.v1.RenderRequest;
import dev.kindred.proto.v1.ReplayChunk;
import dev.kindred.proto.v1.ReplayLine;
import dev.kindred.proto.v1.WatchRecordingRequest;
import dev.kindred.protocol.Protos;
import dev.kindred.replay.Replay;
import dev.kindred.replay.ReplayReader;
import dev.kindred.replay.ReplayVerifier;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Server-side recording: replays fetched from a recorded session re-simulate exactly, a record
 * directory gets one file per episode named by the server alone, a watcher that never reads does
 * not hold the world up and is resynchronised with a state line, and nobody but the session's
 * principal sees its recordings.
 */
class RecordingTest {
  static final WorldType S1 = new EnergyWorldType.S1();

  static CreateSessionRequest.Builder energy(int copies, long seed, int maxSteps, RecordOptions record) {
    CreateSessionRequest.Builder b = CreateSessionRequest.newBuilder().setWorldId("energy.s1").setNumCopies(copies)
        .setSeed(seed).setAutoreset(AutoresetMode.AUTORESET_NEXT_STEP).setClientName("../../evil name")
        .setConfig(Protos.toStruct(Map.of("max_steps", (double) maxSteps)));
    if (record != null) {
      b.setRecord(record);
    }
    return b;
  }

  static RecordOptions copies(int... c) {
    RecordOptions.Builder b = RecordOptions.newBuilder();
    for (int x : c) {
      b.addCopies(x);
    }
    return b.build();
  }

  /** Actions that move, turn and use: something happens in every step. */
  static int[] actions(int copies, int agents, int t) {
    int[] a = new int[copies * agents * 2];
    for (int i = 0; i < a.length; i += 2) {
      a[i] = 1 + (t * 3 + i) % 3;
      a[i + 1] = (t * 7 + i) % 4;
    }
    return a;
  }

  static byte[] fetch(EnvServiceGrpc.EnvServiceBlockingStub stub, String id, int copy) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    Iterator<ReplayChunk> it = stub.fetchReplay(FetchReplayRequest.newBuilder().setSessionId(id).setCopy(copy).build());
    long total = -1;
    while (it.hasNext()) {
      ReplayChunk c = it.next();
      total = c.getTotalBytes();
      out.writeBytes(c.getData().toByteArray());
    }
    byte[] bytes = out.toByteArray();
    assertEquals(total, bytes.length);
    return bytes;
  }

  static void drain(Iterator<?> it) {
    while (it.hasNext()) {
      it.next();
    }
  }

  @Test
  void aFetchedReplayReSimulatesExactlyAndRenderStillWorks() {
    try (Harness h = Harness.inProcess(Harness.testConfig().build(), System::nanoTime, S1)) {
      var created = h.stub.createSession(energy(2, 7, 30, copies(1)).build());
      String id = created.getSessionId();
      String plain = h.stub.createSession(energy(2, 7, 30, null).build()).getSessionId();
      int agents = created.getSpec().getNumAgents();
      h.reset(id);
      h.reset(plain);
      assertStatus(Status.Code.FAILED_PRECONDITION, () -> drain(h.stub.fetchReplay(
          FetchReplayRequest.newBuilder().setSessionId(id).setCopy(1).build())), "no finished episode of copy 1 yet");
      for (int t = 0; t < 30; t++) {
        h.step(id, actions(2, agents, t));
        h.step(plain, actions(2, agents, t));
        if (t % 10 == 0) {
          // Rendering goes through the recording decorator to the world's own renderer.
          RenderRequest text = RenderRequest.newBuilder().setCopy(1).setFormat(RenderFormat.RENDER_FORMAT_TEXT).build();
          assertEquals(h.stub.render(text.toBuilder().setSessionId(plain).build()).getText(),
              h.stub.render(text.toBuilder().setSessionId(id).build()).getText());
          assertTrue(h.stub.render(RenderRequest.newBuilder().setSessionId(id).setCopy(1).build()).getRgb().size() > 0);
        }
      }
      byte[] bytes = fetch(h.stub, id, 1);
      Replay replay = ReplayReader.read("fetched", bytes);
      assertEquals(30, replay.steps());
      assertEquals("server", replay.header().get("recorder").getAsString());
      assertEquals(1, replay.header().get("copy").getAsInt());
      ReplayVerifier.Result r = ReplayVerifier.verify(replay);
      assertTrue(r.ok(), () -> r.divergence());
      assertEquals(30, r.steps());

      assertStatus(Status.Code.FAILED_PRECONDITION, () -> fetch(h.stub, id, 0), "copy 0 is not recorded");
      assertStatus(Status.Code.INVALID_ARGUMENT, () -> fetch(h.stub, id, 2), "copy 2 is out of range");
      assertStatus(Status.Code.FAILED_PRECONDITION, () -> fetch(h.stub, plain, 0), "is not recorded");
    }
  }

  @Test
  void theJavaClientRecordsFetchesAndSavesReplays(@TempDir Path dir) throws Exception {
    try (Harness h = Harness.inProcess(Harness.testConfig().build(), System::nanoTime, S1);
        KindredClient client = KindredClient.wrap(h.channel, "in-process", ClientOptions.defaults());
        RemoteVectorEnv env = client.make("energy.s1", Map.of("max_steps", 12), 2, 4,
            SessionOptions.builder().record(1).build())) {
      env.reset();
      int agents = env.spec().agents();
      KindredException none = org.junit.jupiter.api.Assertions.assertThrows(KindredException.class,
          () -> env.fetchReplay(1));
      assertEquals("FAILED_PRECONDITION", none.code());
      for (int t = 0; t < 12; t++) {
        env.step(actions(2, agents, t));
      }
      byte[] bytes = env.fetchReplay(1);
      Replay replay = ReplayReader.read("fetched", bytes);
      assertEquals(12, replay.steps());
      assertTrue(ReplayVerifier.verify(replay).ok());
      Path file = dir.resolve("copy1.replay.jsonl.gz");
      assertEquals(bytes.length, env.saveReplay(1, file));
      assertArrayEquals(bytes, Files.readAllBytes(file));
      // Watching through the client. Copy 1's episode has ended: the next step starts the next
      // episode (its header), the one after is its step 1.
      assertEquals(List.of(env.sessionId()), client.listRecordings().stream()
          .map(RecordedSession::getSessionId).toList());
      LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
      LinkedBlockingQueue<Object> ended = new LinkedBlockingQueue<>();
      try (AutoCloseable watch = client.watchRecording(env.sessionId(), 1, lines::add,
          e -> ended.add(e == null ? "closed" : e))) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (client.listRecordings().get(0).getWatchers() == 0 && System.nanoTime() < deadline) {
          Thread.sleep(5);
        }
        env.step(actions(2, agents, 0));
        env.step(actions(2, agents, 1));
        JsonObject header = JsonParser.parseString(lines.poll(10, TimeUnit.SECONDS)).getAsJsonObject();
        assertEquals(1, header.get("episode").getAsInt());
        assertEquals(1, JsonParser.parseString(lines.poll(10, TimeUnit.SECONDS)).getAsJsonObject().get("t").getAsInt());
      }
      client.watchRecording(env.sessionId(), 0, lines::add, e -> ended.add(e));
      Object refused = ended.poll(10, TimeUnit.SECONDS);
      assertTrue(refused instanceof KindredException k && k.code().equals("FAILED_PRECONDITION"), "" + refused);
      KindredException notRecorded = org.junit.jupiter.api.Assertions.assertThrows(KindredException.class,
          () -> env.fetchReplay(0));
      assertEquals("FAILED_PRECONDITION", notRecorded.code());
      assertTrue(notRecorded.getMessage().contains("copy 0 is not recorded"), notRecorded.getMessage());
    }
  }

  @Test
  void aRecordDirectoryGetsOneFilePerEpisodeNamedByTheServer(@TempDir Path dir) throws Exception {
    Path records = dir.resolve("records");
    try (Harness h = Harness.inProcess(Harness.testConfig().recordDir(records).build(), System::nanoTime, S1)) {
      var created = h.stub.createSession(energy(2, 3, 10, RecordOptions.newBuilder().setAllCopies(true).build())
          .build());
      String id = created.getSessionId();
      int agents = created.getSpec().getNumAgents();
      h.reset(id);
      for (int t = 0; t < 25; t++) { // episodes end at steps 10 and 21 (step 11 resets)
        h.step(id, actions(2, agents, t));
      }
      // Files are written by the recorder's background thread; FetchReplay waits for every ended
      // episode's file (it flushes the recorder), so the directory is complete after it.
      byte[] fetched = fetch(h.stub, id, 1);
      Set<String> names;
      try (Stream<Path> files = Files.list(records)) {
        names = files.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
      }
      // Episode 2 of each copy is still being written: its file appears once the recorder's
      // background thread opens it (at its first batch of steps), and has no trailer yet.
      Set<String> finished = new TreeSet<>(List.of(id + "-c0-e0.replay.jsonl.gz", id + "-c0-e1.replay.jsonl.gz",
          id + "-c1-e0.replay.jsonl.gz", id + "-c1-e1.replay.jsonl.gz"));
      assertTrue(names.containsAll(finished), names.toString());
      Set<String> allowed = new TreeSet<>(finished);
      allowed.addAll(List.of(id + "-c0-e2.replay.jsonl.gz", id + "-c1-e2.replay.jsonl.gz"));
      assertTrue(allowed.containsAll(names), "only server-made names: " + names);
      for (String n : List.of("c0-e0", "c0-e1", "c1-e0", "c1-e1")) {
        Replay replay = ReplayReader.read(records.resolve(id + "-" + n + ".replay.jsonl.gz"));
        assertEquals(10, replay.steps(), n);
        assertTrue(ReplayVerifier.verify(replay).ok(), n);
      }
      assertArrayEquals(Files.readAllBytes(records.resolve(id + "-c1-e1.replay.jsonl.gz")), fetched);
      h.stub.closeSession(CloseSessionRequest.newBuilder().setSessionId(id).build());
      // Closing ends the episode in progress as cut short: a complete, valid file.
      Replay cut = ReplayReader.read(records.resolve(id + "-c0-e2.replay.jsonl.gz"));
      assertEquals(3, cut.steps()); // steps 23..25 (step 22 reset the copy)
      assertFalse(cut.end().get("terminated").getAsBoolean() || cut.end().get("truncated").getAsBoolean());
    }
  }

  @Test
  void aRecordDirectoryThatCannotBeWrittenLeavesTheSessionRunning(@TempDir Path dir) throws Exception {
    Path records = dir.resolve("records");
    try (Harness h = Harness.inProcess(Harness.testConfig().recordDir(records).build(), System::nanoTime, S1)) {
      assertTrue(Files.isDirectory(records), "the server creates its record directory at start");
      var created = h.stub.createSession(energy(1, 3, 5, copies(0)).build());
      String id = created.getSessionId();
      int agents = created.getSpec().getNumAgents();
      Files.delete(records);
      Files.writeString(records, "a file where the directory was"); // no replay can be created now
      h.reset(id);
      for (int t = 0; t < 5; t++) {
        h.step(id, actions(1, agents, t));
      }
      assertStatus(Status.Code.FAILED_PRECONDITION, () -> fetch(h.stub, id, 0), "episode 0",
          "could not be written completely on the server");
      assertEquals(6, h.step(id, actions(1, agents, 5)).getSessionStep());
    }
  }

  @Test
  void aPrincipalWatchesAtMostItsLimitAcrossSessions() throws Exception {
    try (Harness h = Harness.inProcess(Harness.testConfig().build(), System::nanoTime, S1)) {
      int perSession = SessionRecording.MAX_WATCHERS_PER_SESSION;
      int sessions = SessionRecording.Watchers.MAX_PER_PRINCIPAL / perSession;
      List<SlowWatcher> watchers = new ArrayList<>();
      for (int i = 0; i <= sessions; i++) {
        String id = h.stub.createSession(energy(1, i, 10, copies(0)).build()).getSessionId();
        h.reset(id);
        int n = i < sessions ? perSession : 0;
        for (int k = 0; k < n; k++) {
          SlowWatcher w = new SlowWatcher();
          h.async.watchRecording(WatchRecordingRequest.newBuilder().setSessionId(id).setCopy(0).build(), w);
          w.take(); // registered: its header came
          watchers.add(w);
        }
        if (i == sessions) {
          assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> drain(h.stub.watchRecording(
              WatchRecordingRequest.newBuilder().setSessionId(id).setCopy(0).build())),
              "already watches " + SessionRecording.Watchers.MAX_PER_PRINCIPAL + " recordings");
        }
      }
      for (SlowWatcher w : watchers) {
        w.call.cancel("done", null);
      }
    }
  }

  /** A WatchRecording call whose client asks for lines only when told (manual flow control). */
  static final class SlowWatcher implements ClientResponseObserver<WatchRecordingRequest, ReplayLine> {
    final LinkedBlockingQueue<ReplayLine> lines = new LinkedBlockingQueue<>();
    final CountDownLatch done = new CountDownLatch(1);
    volatile Throwable error;
    ClientCallStreamObserver<WatchRecordingRequest> call;

    @Override
    public void beforeStart(ClientCallStreamObserver<WatchRecordingRequest> call) {
      this.call = call;
      call.disableAutoRequestWithInitial(0);
    }

    @Override
    public void onNext(ReplayLine value) {
      lines.add(value);
    }

    @Override
    public void onError(Throwable t) {
      error = t;
      done.countDown();
    }

    @Override
    public void onCompleted() {
      done.countDown();
    }

    ReplayLine take() throws InterruptedException {
      call.request(1);
      ReplayLine l = lines.poll(10, TimeUnit.SECONDS);
      assertTrue(l != null, "a line within 10 s");
      return l;
    }
  }

  static JsonObject json(ReplayLine l) {
    return JsonParser.parseString(l.getLine()).getAsJsonObject();
  }

  @Test
  @org.junit.jupiter.api.Timeout(120) // a server that waited for the watcher would never finish the steps
  void aWatcherThatDoesNotReadNeverSlowsTheWorldAndResumesFromAStateLine() throws Exception {
    try (Harness h = Harness.inProcess(Harness.testConfig().build(), System::nanoTime, S1)) {
      var created = h.stub.createSession(energy(1, 5, 100_000, copies(0)).build());
      String id = created.getSessionId();
      int agents = created.getSpec().getNumAgents();
      h.reset(id);
      h.step(id, actions(1, agents, 0));
      SlowWatcher w = new SlowWatcher();
      h.async.watchRecording(WatchRecordingRequest.newBuilder().setSessionId(id).setCopy(0).build(), w);
      JsonObject header = json(w.take());
      assertEquals("kindred-replay", header.get("format").getAsString());
      JsonObject state = json(w.take());
      assertEquals(1, state.get("t").getAsInt());
      assertTrue(state.has("state"));

      int steps = 2000; // far beyond the watcher's buffer of 256 lines
      long start = System.nanoTime();
      for (int t = 1; t <= steps; t++) {
        h.step(id, actions(1, agents, t));
      }
      double watchedMs = (System.nanoTime() - start) / 1e6;
      assertTrue(watchedMs < 60_000, "2000 steps with a stalled watcher took " + watchedMs + " ms");

      // Reading again: the backlog was dropped; what is left starts with the header and a fresh state.
      ReplayLine first = w.take();
      assertTrue(first.getDropped() > 0, "lines were dropped");
      assertEquals("kindred-replay", json(first).get("format").getAsString());
      JsonObject resync = json(w.take());
      int t0 = resync.get("t").getAsInt();
      assertTrue(resync.has("state") && t0 > 1 && t0 <= steps + 1, "state line at " + t0);
      for (int t = t0 + 1; t <= steps + 1; t++) {
        assertEquals(t, json(w.take()).get("t").getAsInt(), "step lines follow the state line in order");
      }
      // Nothing more until the world steps again, then that step.
      h.step(id, actions(1, agents, 0));
      assertEquals(steps + 2, json(w.take()).get("t").getAsInt());
      assertEquals(1, h.stub.listRecordings(ListRecordingsRequest.getDefaultInstance()).getSessions(0).getWatchers());

      // The stream ends with the session.
      w.call.request(1000);
      h.stub.closeSession(CloseSessionRequest.newBuilder().setSessionId(id).build());
      assertTrue(w.done.await(10, TimeUnit.SECONDS));
      assertNull(w.error);
      List<ReplayLine> rest = new ArrayList<>(w.lines);
      assertTrue(json(rest.get(rest.size() - 1)).has("end"), "the cut-short episode's end line comes last");
    }
  }

  @Test
  void onlyTheSessionsPrincipalListsWatchesOrFetches() throws Exception {
    try (Harness h = Harness.inProcess(Harness.testConfig().build(), System::nanoTime, S1)) {
      var created = h.stub.createSession(energy(3, 9, 5, copies(0, 2)).build());
      String id = created.getSessionId();
      h.reset(id);
      for (int t = 0; t < 5; t++) {
        h.step(id, actions(3, created.getSpec().getNumAgents(), t));
      }
      fetch(h.stub, id, 2); // waits for the episodes' files, written in the background
      ListRecordingsResponse mine = h.stub.listRecordings(ListRecordingsRequest.getDefaultInstance());
      assertEquals(1, mine.getSessionsCount());
      RecordedSession s = mine.getSessions(0);
      assertEquals(id, s.getSessionId());
      assertEquals("energy.s1", s.getWorldId());
      assertEquals(3, s.getNumCopies());
      assertEquals(List.of(0, 2), s.getRecordedCopiesList());
      assertEquals(List.of(1L, 1L), s.getFinishedEpisodesList());
      assertEquals(5, s.getSessionStep());
      fetch(h.stub, id, 2);

      ManagedChannel other = h.newChannel();
      try {
        var stub = EnvServiceGrpc.newBlockingStub(other);
        assertEquals(0, stub.listRecordings(ListRecordingsRequest.getDefaultInstance()).getSessionsCount());
        assertStatus(Status.Code.NOT_FOUND, () -> fetch(stub, id, 0), "session '" + id + "' not found");
        assertStatus(Status.Code.NOT_FOUND, () -> drain(stub.watchRecording(
            WatchRecordingRequest.newBuilder().setSessionId(id).setCopy(0).build())), "not found");
      } finally {
        other.shutdownNow();
      }
    }
  }

  @Test
  void limitsHoldAndTheSessionGoesOnWhenARecordingIsCut() throws Exception {
    // 3000 bytes of recordings per session: a 40-step S1 episode does not fit.
    try (Harness h = Harness.inProcess(Harness.testConfig().maxRecordingBytes(3000).build(), System::nanoTime, S1)) {
      assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> h.stub.createSession(energy(65, 1, 10,
          RecordOptions.newBuilder().setAllCopies(true).build()).build()), "limit of 64 recorded copies");
      assertStatus(Status.Code.INVALID_ARGUMENT, () -> h.stub.createSession(energy(2, 1, 10, copies(1, 1)).build()),
          "copy 1 is listed twice");
      assertStatus(Status.Code.INVALID_ARGUMENT, () -> h.stub.createSession(energy(2, 1, 10, copies(2)).build()),
          "copy 2 is out of range");
      assertStatus(Status.Code.INVALID_ARGUMENT, () -> h.stub.createSession(energy(2, 1, 10,
          RecordOptions.getDefaultInstance()).build()), "names no copy");
      assertStatus(Status.Code.INVALID_ARGUMENT, () -> h.stub.createSession(Harness.create(1, 1)
          .setRecord(copies(0)).build()), "cannot be recorded");

      var created = h.stub.createSession(energy(1, 2, 40, copies(0)).build());
      String id = created.getSessionId();
      h.reset(id);
      for (int t = 0; t < 40; t++) {
        h.step(id, actions(1, created.getSpec().getNumAgents(), t));
      }
      assertStatus(Status.Code.FAILED_PRECONDITION, () -> fetch(h.stub, id, 0), "episode 0", "was cut",
          "--max-recording-mb");
      h.step(id, actions(1, created.getSpec().getNumAgents(), 0)); // the session goes on

      List<SlowWatcher> watchers = new ArrayList<>();
      for (int i = 0; i < SessionRecording.MAX_WATCHERS_PER_SESSION; i++) {
        SlowWatcher w = new SlowWatcher();
        h.async.watchRecording(WatchRecordingRequest.newBuilder().setSessionId(id).setCopy(0).build(), w);
        w.take();
        watchers.add(w);
      }
      assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> drain(h.stub.watchRecording(
          WatchRecordingRequest.newBuilder().setSessionId(id).setCopy(0).build())), "8 watchers");
      watchers.get(0).call.cancel("done", null);
      // The cancelled watcher's place comes free.
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (h.stub.listRecordings(ListRecordingsRequest.getDefaultInstance()).getSessions(0).getWatchers() > 7
          && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      SlowWatcher again = new SlowWatcher();
      h.async.watchRecording(WatchRecordingRequest.newBuilder().setSessionId(id).setCopy(0).build(), again);
      assertEquals("kindred-replay", json(again.take()).get("format").getAsString());
    }
  }
}
