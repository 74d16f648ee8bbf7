package dev.kindred.env;

/**
 * Receives the nonzero bytes of an observation tensor, in increasing offset order: what a world
 * that knows where its observations are nonzero hands the encoder of the protocol's sparse
 * tensors instead of a scan of the whole tensor ({@link World#nonzeros}).
 */
public interface NonzeroSink {
  /** The byte at {@code offset} (from the tensor's start) is {@code value}, not 0. */
  void add(int offset, byte value);
}
