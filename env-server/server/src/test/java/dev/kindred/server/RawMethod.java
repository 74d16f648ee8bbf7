package dev.kindred.server;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** A gRPC method called with raw bytes: requests go out unchecked, responses come back unparsed. */
final class RawMethod {
  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  private RawMethod() {
  }

  /** {@code m}, with the same name and type, sending and receiving bytes. */
  static MethodDescriptor<byte[], byte[]> of(MethodDescriptor<?, ?> m) {
    return MethodDescriptor.newBuilder(BYTES, BYTES).setFullMethodName(m.getFullMethodName()).setType(m.getType())
        .build();
  }
}
