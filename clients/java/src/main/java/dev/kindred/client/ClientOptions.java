package dev.kindred.client;

import java.time.Duration;
import java.util.Objects;

/**
 * Connection settings of a {@link KindredClient}. Immutable; build with {@link #builder()}.
 *
 * <ul>
 *   <li>{@code deadline} (default 60 s): the limit of every unary call, and the longest
 *       {@link RemoteVectorEnv#receive()} waits for one streamed response;
 *   <li>{@code maxInboundMessageBytes} (default 64 MiB): the largest response accepted;
 *   <li>{@code verifyOnConnect} (default true): {@link KindredClient#connect} asks the server
 *       for its {@code ServerInfo} at once, so an unreachable server or a server speaking another
 *       protocol version fails at connect time rather than at the first use.
 * </ul>
 * Calls never wait for the server to become ready (gRPC's wait-for-ready is off): a server that
 * is not there fails fast with {@code UNAVAILABLE}.
 */
public final class ClientOptions {
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(60);
  public static final int DEFAULT_MAX_INBOUND_MESSAGE_BYTES = 64 << 20;

  private final Duration deadline;
  private final int maxInboundMessageBytes;
  private final boolean verifyOnConnect;

  private ClientOptions(Builder b) {
    this.deadline = b.deadline;
    this.maxInboundMessageBytes = b.maxInboundMessageBytes;
    this.verifyOnConnect = b.verifyOnConnect;
  }

  public static ClientOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder().deadline(deadline).maxInboundMessageBytes(maxInboundMessageBytes)
        .verifyOnConnect(verifyOnConnect);
  }

  public Duration deadline() {
    return deadline;
  }

  public int maxInboundMessageBytes() {
    return maxInboundMessageBytes;
  }

  public boolean verifyOnConnect() {
    return verifyOnConnect;
  }

  @Override
  public String toString() {
    return "ClientOptions{deadline=" + deadline + ", maxInboundMessageBytes=" + maxInboundMessageBytes
        + ", verifyOnConnect=" + verifyOnConnect + "}";
  }

  public static final class Builder {
    private Duration deadline = DEFAULT_DEADLINE;
    private int maxInboundMessageBytes = DEFAULT_MAX_INBOUND_MESSAGE_BYTES;
    private boolean verifyOnConnect = true;

    private Builder() {}

    /** Limit of every unary call and of each wait for a streamed response; positive. */
    public Builder deadline(Duration deadline) {
      Objects.requireNonNull(deadline, "deadline");
      if (deadline.isNegative() || deadline.isZero()) {
        throw new IllegalArgumentException("deadline must be positive, got " + deadline);
      }
      this.deadline = deadline;
      return this;
    }

    /** Largest response message accepted, in bytes; positive. */
    public Builder maxInboundMessageBytes(int bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxInboundMessageBytes must be positive, got " + bytes);
      }
      this.maxInboundMessageBytes = bytes;
      return this;
    }

    /** Whether {@link KindredClient#connect} contacts the server at once (default true). */
    public Builder verifyOnConnect(boolean verify) {
      this.verifyOnConnect = verify;
      return this;
    }

    public ClientOptions build() {
      return new ClientOptions(this);
    }
  }
}
