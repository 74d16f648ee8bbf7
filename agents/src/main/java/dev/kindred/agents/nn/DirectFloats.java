package dev.kindred.agents.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A reusable direct buffer that NDArrays are made from without a native allocation: DJL's
 * PyTorch engine wraps a direct, native-order ByteBuffer in place, whereas from a heap array it
 * allocates a new direct buffer per call, freed only when the garbage collector gets to it (the
 * resident set then creeps up between collections). The array made from it must be closed
 * before the next {@link #array} call on the same instance overwrites the data.
 */
public final class DirectFloats {
  private ByteBuffer buffer = ByteBuffer.allocateDirect(0);

  /** An NDArray of {@code m} viewing {@code data[offset, offset + shape.size())} copied here. */
  public NDArray array(NDManager m, float[] data, int offset, Shape shape) {
    int n = Math.toIntExact(shape.size());
    if (buffer.capacity() < 4 * n) {
      buffer = ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder());
    }
    ByteBuffer b = buffer.duplicate().order(ByteOrder.nativeOrder());
    b.clear().limit(4 * n);
    b.asFloatBuffer().put(data, offset, n);
    return m.create(b.slice().order(ByteOrder.nativeOrder()), shape, DataType.FLOAT32);
  }
}
