package dev.kindred.env.energy;

import static dev.kindred.env.energy.EnergyKit.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import dev.kindred.env.Autoreset;
import dev.kindred.env.BatchedEnv;
import dev.kindred.env.StepBatch;
import dev.kindred.env.WorldRegistry;
import dev.kindred.proto.v1.AutoresetMode;
import dev.kindred.proto.v1.CreateSessionRequest;
import dev.kindred.proto.v1.CreateSessionResponse;
import dev.kindred.proto.v1.EnvServiceGrpc;
import dev.kindred.proto.v1.ResetRequest;
import dev.kindred.proto.v1.StepRequest;
import dev.kindred.proto.v1.StepResponse;
import dev.kindred.proto.v1.Tensor;
import dev.kindred.proto.v1.TensorEncoding;
import dev.kindred.protocol.Protos;
import dev.kindred.protocol.SparseBytes;
import dev.kindred.server.KindredServer;
import dev.kindred.server.ServerConfig;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Same seed and actions give the same bytes in-process and over gRPC (loopback TCP). */
class EnergyGrpcParityTest {

  @ParameterizedTest(name = "sparse observations: {0}")
  @ValueSource(booleans = {false, true})
  void inProcessAndGrpcTrajectoriesAreIdentical(boolean sparse) {
    Map<String, Object> config = Map.of("kinship", "random", "groups", 2, "max_steps", 40.0,
        "move_cost", List.of(0.0, 2.0), "initial_energy", List.of(100.0, 250.0));
    // The grid is mostly zeros: a session that allows it gets it sparse; raw otherwise.
    compare(config, sparse, sparse ? TensorEncoding.TENSOR_ENCODING_SPARSE_BYTES : TensorEncoding.TENSOR_ENCODING_RAW,
        false);
  }

  /**
   * The same over one StepStream with every request sent before any answer is read: the server
   * answers them one by one, each response serialized before the session steps again, so no
   * answer shows bytes of a later step (responses share the session's buffers instead of copies).
   */
  @ParameterizedTest(name = "sparse observations: {0}")
  @ValueSource(booleans = {false, true})
  void pipelinedStreamAnswersEachStepWithItsOwnBytes(boolean sparse) {
    Map<String, Object> config = Map.of("kinship", "random", "groups", 2, "max_steps", 40.0,
        "move_cost", List.of(0.0, 2.0), "initial_energy", List.of(100.0, 250.0));
    compare(config, sparse, sparse ? TensorEncoding.TENSOR_ENCODING_SPARSE_BYTES : TensorEncoding.TENSOR_ENCODING_RAW,
        true);
    compare(Map.of("observation", "tokens", "token_budget", 48.0, "max_steps", 40.0), sparse,
        TensorEncoding.TENSOR_ENCODING_RAW, true);
  }

  /**
   * A session of a tokens world returns the tokens ([token_budget, 3] uint8 per agent, unused
   * slots 255) through the same generic tensors, byte for byte as in process, on both encodings;
   * mostly 255, they are never worth sending sparse.
   */
  @ParameterizedTest(name = "sparse observations: {0}")
  @ValueSource(booleans = {false, true})
  void tokensTravelAsAnyOtherTensor(boolean sparse) {
    Map<String, Object> config = Map.of("observation", "tokens", "token_budget", 48.0, "kinship", "random",
        "groups", 2, "max_steps", 40.0, "move_cost", List.of(0.0, 2.0));
    compare(config, sparse, TensorEncoding.TENSOR_ENCODING_RAW, false);
  }

  private static void compare(Map<String, Object> config, boolean sparse, TensorEncoding windowEncoding,
      boolean pipelined) {
    int copies = 3;
    long seed = 1234L;
    EnergyWorld w = world(new EnergyWorldType.S3(), config, copies);
    BatchedEnv local = new BatchedEnv(w, Autoreset.NEXT_STEP, seed, List.of());
    int agents = w.spec().numAgents();
    try (KindredServer server = KindredServer.start(ServerConfig.builder().host("127.0.0.1").port(0)
        .shutdownGrace(Duration.ofMillis(200)).build(), WorldRegistry.builtIn())) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext()
          .maxInboundMessageSize(64 << 20).build();
      try {
        var stub = EnvServiceGrpc.newBlockingStub(channel);
        CreateSessionResponse created = stub.createSession(CreateSessionRequest.newBuilder().setWorldId("energy.s3")
            .setConfig(Protos.toStruct(config)).setNumCopies(copies).setSeed(seed)
            .setAutoreset(AutoresetMode.AUTORESET_NEXT_STEP).setClientName("parity").setSparseObservations(sparse).build());
        String id = created.getSessionId();
        // The spec survives the wire: the 22 valid pairs and the mask's name included.
        assertEquals(w.spec().actions(), Protos.sessionSpec(created.getSpec()).world().actions());
        assertEquals(22, created.getSpec().getActions().getValidCombinationsCount());
        assertEquals("action_mask", created.getSpec().getActions().getActionMaskObservation());
        assertEquals(w.spec().observations(), Protos.sessionSpec(created.getSpec()).world().observations());
        StepResponse remote = stub.reset(ResetRequest.newBuilder().setSessionId(id).build());
        StepBatch mine = local.reset(null, null);
        same(mine, remote, 0, windowEncoding);
        SplittableRandom rng = new SplittableRandom(99);
        int steps = 120;
        List<int[]> actionRows = new java.util.ArrayList<>();
        List<StepRequest> requests = new java.util.ArrayList<>();
        for (int t = 1; t <= steps; t++) {
          int[] actions = new int[copies * agents * 2];
          for (int i = 0; i < actions.length; i += 2) {
            actions[i] = rng.nextInt(ActionTable.COUNT);
            actions[i + 1] = rng.nextInt(ActionTable.ARGUMENTS);
          }
          ByteBuffer packed = ByteBuffer.allocate(actions.length * 4).order(ByteOrder.LITTLE_ENDIAN);
          for (int a : actions) {
            packed.putInt(a);
          }
          actionRows.add(actions);
          requests.add(StepRequest.newBuilder().setSessionId(id).setActions(ByteString.copyFrom(packed.array())).build());
        }
        List<StepResponse> answers = new java.util.ArrayList<>();
        if (pipelined) {
          java.util.concurrent.LinkedBlockingQueue<Object> queue = new java.util.concurrent.LinkedBlockingQueue<>();
          var requestStream = EnvServiceGrpc.newStub(channel).stepStream(new io.grpc.stub.StreamObserver<>() {
            @Override
            public void onNext(StepResponse value) {
              queue.add(value);
            }

            @Override
            public void onError(Throwable t) {
              queue.add(t);
            }

            @Override
            public void onCompleted() {}
          });
          requests.forEach(requestStream::onNext);
          for (int t = 1; t <= steps; t++) {
            Object item;
            try {
              item = queue.poll(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              throw new AssertionError(e);
            }
            if (!(item instanceof StepResponse answer)) {
              throw new AssertionError("step " + t + ": " + item);
            }
            answers.add(answer);
          }
          requestStream.onCompleted();
        } else {
          for (StepRequest request : requests) {
            answers.add(stub.step(request));
          }
        }
        for (int t = 1; t <= steps; t++) {
          mine = local.step(actionRows.get(t - 1));
          same(mine, answers.get(t - 1), t, windowEncoding);
        }
      } finally {
        channel.shutdownNow();
      }
    }
  }

  private static void same(StepBatch mine, StepResponse remote, int t, TensorEncoding windowEncoding) {
    assertEquals(3, remote.getObservationsCount(), "grid or tokens, globals, action_mask");
    assertEquals(windowEncoding, remote.getObservations(0).getEncoding());
    for (int i = 0; i < remote.getObservationsCount(); i++) {
      Tensor tensor = remote.getObservations(i);
      byte[] bytes = tensor.getData().toByteArray();
      if (tensor.getEncoding() == TensorEncoding.TENSOR_ENCODING_SPARSE_BYTES) {
        byte[] dense = new byte[mine.observation(i).capacity()];
        SparseBytes.decode(tensor.getSparseOffsets().toByteArray(), bytes, dense, 0, dense.length);
        bytes = dense;
      }
      assertArrayEquals(mine.observation(i).array(), bytes, "observation " + i + " at step " + t);
    }
    ByteBuffer r = ByteBuffer.allocate(mine.rewards().length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : mine.rewards()) {
      r.putFloat(f);
    }
    assertArrayEquals(r.array(), remote.getRewards().toByteArray(), "rewards at step " + t);
    assertArrayEquals(mine.actionSuccess(), remote.getActionSuccess().toByteArray(), "success at step " + t);
    assertArrayEquals(mine.truncated(), remote.getTruncated().toByteArray(), "truncated at step " + t);
    assertEquals(Arrays.toString(mine.resetMask()), Arrays.toString(remote.getResetMask().toByteArray()));
  }
}
