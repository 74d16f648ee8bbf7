package dev.kindred.env;

/** Element types of packed tensors; multi-byte types are little-endian. */
public enum DType {
  UINT8(1),
  INT8(1),
  INT32(4),
  FLOAT32(4),
  FLOAT64(8),
  INT64(8);

  private final int bytes;

  DType(int bytes) {
    this.bytes = bytes;
  }

  /** Size of one element in bytes. */
  public int bytes() {
    return bytes;
  }
}
