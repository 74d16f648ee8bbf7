package dev.kindred.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.google.protobuf.ByteString;
import dev.kindred.env.DType;
import dev.kindred.env.Scope;
import dev.kindred.env.StepBatch;
import dev.kindred.env.TensorSpec;
import dev.kindred.proto.v1.StepResponse;
import dev.kindred.proto.v1.Tensor;
import dev.kindred.proto.v1.TensorEncoding;
import dev.kindred.protocol.SparseBytes;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The client decodes sparse observations over its previous decode (zeroing only what that one
 * set), and falls back to a whole decode whenever the batch no longer vouches for its blocks.
 */
class CodecTest {
  private static final int COPIES = 3;
  private static final int AGENTS = 2;
  private static final TensorSpec GRID = new TensorSpec("grid", "", DType.UINT8, new int[] {4, 50}, Scope.AGENT,
      null, null, List.of());
  private static final int BYTES = COPIES * GRID.copyBytes(AGENTS);

  private static byte[] sparse(SplittableRandom r, double density) {
    byte[] a = new byte[BYTES];
    for (int i = 0; i < a.length; i++) {
      if (r.nextDouble() < density) {
        a[i] = (byte) (1 + r.nextInt(255));
      }
    }
    return a;
  }

  private static StepResponse response(byte[] grid, boolean sparse) {
    Tensor.Builder t = Tensor.newBuilder().setName("grid");
    SparseBytes.Encoded e = sparse ? SparseBytes.encodeIfSmaller(grid, 0, grid.length) : null;
    if (e != null) {
      t.setEncoding(TensorEncoding.TENSOR_ENCODING_SPARSE_BYTES).setSparseOffsets(ByteString.copyFrom(e.offsets()))
          .setData(ByteString.copyFrom(e.values()));
    } else {
      t.setData(ByteString.copyFrom(grid));
    }
    return StepResponse.newBuilder().addObservations(t)
        .setRewards(ByteString.copyFrom(new byte[4 * COPIES * AGENTS]))
        .setTerminated(ByteString.copyFrom(new byte[COPIES])).setTruncated(ByteString.copyFrom(new byte[COPIES]))
        .setActionSuccess(ByteString.copyFrom(new byte[COPIES * AGENTS]))
        .setResetMask(ByteString.copyFrom(new byte[COPIES])).build();
  }

  private static byte[] grid(StepBatch batch) {
    ByteBuffer b = batch.observation(0);
    return Arrays.copyOfRange(b.array(), b.arrayOffset(), b.arrayOffset() + b.capacity());
  }

  @Test
  void eachResponseIsDecodedWhateverCameBefore() {
    SplittableRandom r = new SplittableRandom(3);
    StepBatch batch = new StepBatch(COPIES, AGENTS, List.of(GRID), false);
    Codec.Positions positions = new Codec.Positions(1);
    for (int step = 0; step < 60; step++) {
      byte[] expected = sparse(r, new double[] {0.01, 0.05, 0.15, 0.6}[r.nextInt(4)]);
      // Mostly sparse, sometimes raw (a dense step, or a server that does not encode).
      Codec.decode(response(expected, r.nextInt(5) > 0), batch, positions);
      assertArrayEquals(expected, grid(batch), "step " + step);
    }
  }

  /** A caller who writes into the batch says so (forgetObservationWriters); the next decode is whole. */
  @Test
  void aBatchWrittenByTheCallerIsDecodedWhole() {
    SplittableRandom r = new SplittableRandom(4);
    StepBatch batch = new StepBatch(COPIES, AGENTS, List.of(GRID), false);
    Codec.Positions positions = new Codec.Positions(1);
    Codec.decode(response(sparse(r, 0.05), true), batch, positions);
    ByteBuffer b = batch.observation(0);
    Arrays.fill(b.array(), b.arrayOffset(), b.arrayOffset() + b.capacity(), (byte) 7);
    batch.forgetObservationWriters();
    byte[] expected = sparse(r, 0.05);
    Codec.decode(response(expected, true), batch, positions);
    assertArrayEquals(expected, grid(batch));
  }

  /** Another decoder's write into the same batch (another claim) makes this one's memory void. */
  @Test
  void anotherWriterOfTheBatchVoidsTheMemory() {
    SplittableRandom r = new SplittableRandom(5);
    StepBatch batch = new StepBatch(COPIES, AGENTS, List.of(GRID), false);
    Codec.Positions mine = new Codec.Positions(1);
    Codec.Positions theirs = new Codec.Positions(1);
    Codec.decode(response(sparse(r, 0.05), true), batch, mine);
    Codec.decode(response(sparse(r, 0.05), true), batch, theirs);
    byte[] expected = sparse(r, 0.05);
    Codec.decode(response(expected, true), batch, mine);
    assertArrayEquals(expected, grid(batch));
  }
}
