package dev.kindred.client;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Connection settings of a {@link KindredClient}. Immutable; build with {@link #builder()}.
 *
 * <ul>
 *   <li>{@code deadline} (default 60 s): the limit of every unary call, and the longest
 *       {@link RemoteVectorEnv#receive()} waits for one streamed response;
 *   <li>{@code maxInboundMessageBytes} (default 64 MiB): the largest response accepted;
 *   <li>{@code verifyOnConnect} (default true): {@link KindredClient#connect} asks the server
 *       for its {@code ServerInfo} at once, so an unreachable server or a server speaking another
 *       protocol version fails at connect time rather than at the first use;
 *   <li>{@code tls} (default off): connect over TLS, verifying the server's certificate against
 *       {@code tlsRootCert} (a PEM file of the authority that issued it, e.g. the server's own
 *       self-signed certificate) or, without one, against the system's trusted authorities;
 *   <li>{@code tlsClientCert}/{@code tlsClientKey} (default none): a PEM certificate and PKCS#8
 *       PEM key to present, for servers that require client certificates;
 *   <li>{@code token} (default none): the bearer token sent with every call (metadata
 *       {@code authorization: Bearer <token>}), for servers with token authentication. Without
 *       TLS it travels in the clear: use it without TLS only on a trusted network or loopback.
 * </ul>
 * <pre>{@code
 * ClientOptions o = ClientOptions.builder()
 *     .tlsRootCert(Path.of("server.pem"))
 *     .token(System.getenv("KINDRED_TOKEN"))
 *     .build();
 * KindredClient client = KindredClient.connect("envs.example.org:50051", o);
 * }</pre>
 * Calls never wait for the server to become ready (gRPC's wait-for-ready is off): a server that
 * is not there fails fast with {@code UNAVAILABLE}.
 */
public final class ClientOptions {
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(60);
  public static final int DEFAULT_MAX_INBOUND_MESSAGE_BYTES = 64 << 20;

  private final Duration deadline;
  private final int maxInboundMessageBytes;
  private final boolean verifyOnConnect;
  private final boolean tls;
  private final Path tlsRootCert;
  private final Path tlsClientCert;
  private final Path tlsClientKey;
  private final String token;

  private ClientOptions(Builder b) {
    this.deadline = b.deadline;
    this.maxInboundMessageBytes = b.maxInboundMessageBytes;
    this.verifyOnConnect = b.verifyOnConnect;
    this.tls = b.tls;
    this.tlsRootCert = b.tlsRootCert;
    this.tlsClientCert = b.tlsClientCert;
    this.tlsClientKey = b.tlsClientKey;
    this.token = b.token;
  }

  public static ClientOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder().deadline(deadline).maxInboundMessageBytes(maxInboundMessageBytes)
        .verifyOnConnect(verifyOnConnect).tls(tls).tlsRootCert(tlsRootCert).token(token);
    return tlsClientCert == null ? b : b.tlsClientCert(tlsClientCert, tlsClientKey);
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

  /** Whether the client connects over TLS. */
  public boolean tls() {
    return tls;
  }

  /** PEM file of the authorities that verify the server's certificate; null: the system's. */
  public Path tlsRootCert() {
    return tlsRootCert;
  }

  /** PEM certificate the client presents; null: none. */
  public Path tlsClientCert() {
    return tlsClientCert;
  }

  /** PKCS#8 PEM private key of {@link #tlsClientCert()}; null: none. */
  public Path tlsClientKey() {
    return tlsClientKey;
  }

  /** The bearer token sent with every call; null: none. */
  public String token() {
    return token;
  }

  @Override
  public String toString() {
    // Never the token itself: options end up in logs.
    return "ClientOptions{deadline=" + deadline + ", maxInboundMessageBytes=" + maxInboundMessageBytes
        + ", verifyOnConnect=" + verifyOnConnect + ", tls=" + tls
        + (tlsRootCert == null ? "" : ", tlsRootCert=" + tlsRootCert)
        + (tlsClientCert == null ? "" : ", tlsClientCert=" + tlsClientCert)
        + ", token=" + (token == null ? "none" : "(set)") + "}";
  }

  public static final class Builder {
    private Duration deadline = DEFAULT_DEADLINE;
    private int maxInboundMessageBytes = DEFAULT_MAX_INBOUND_MESSAGE_BYTES;
    private boolean verifyOnConnect = true;
    private boolean tls;
    private Path tlsRootCert;
    private Path tlsClientCert;
    private Path tlsClientKey;
    private String token;

    /** RFC 6750's token characters; anything else (a space, a newline) cannot travel in the header. */
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._~+/-]+=*");

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

    /** Connect over TLS (with the system's trusted authorities unless {@link #tlsRootCert} is set). */
    public Builder tls(boolean tls) {
      this.tls = tls;
      return this;
    }

    /**
     * Connect over TLS, verifying the server's certificate against this PEM file (the authority
     * that issued it, or the server's self-signed certificate itself). Null: unset.
     */
    public Builder tlsRootCert(Path pemFile) {
      this.tlsRootCert = pemFile;
      if (pemFile != null) {
        this.tls = true;
      }
      return this;
    }

    /** Present this PEM certificate and PKCS#8 PEM key (for servers that require client certificates); implies TLS. */
    public Builder tlsClientCert(Path certPem, Path keyPem) {
      Objects.requireNonNull(certPem, "certPem");
      Objects.requireNonNull(keyPem, "keyPem");
      this.tlsClientCert = certPem;
      this.tlsClientKey = keyPem;
      this.tls = true;
      return this;
    }

    /**
     * The bearer token to send with every call (null: none).
     *
     * @throws IllegalArgumentException when it is empty or has a character a token cannot have
     *                                  (the message does not repeat it)
     */
    public Builder token(String token) {
      if (token != null && !TOKEN.matcher(token).matches()) {
        throw new IllegalArgumentException("token must be non-empty and made of A-Z a-z 0-9 - . _ ~ + / "
            + "(with '=' padding at its end); got " + token.length() + " characters that are not");
      }
      this.token = token;
      return this;
    }

    public ClientOptions build() {
      return new ClientOptions(this);
    }
  }
}
