package dev.kindred.server.core;

import com.google.protobuf.Message;
import dev.kindred.env.Quote;
import io.grpc.Attributes;
import io.grpc.BindableService;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.SecurityLevel;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requests whose bytes do not parse as the method's message (garbage, a truncated message, a
 * wrong message type, a Struct nested deeper than protobuf's recursion limit) are answered
 * INVALID_ARGUMENT naming the expected message type and what was wrong, and logged as one
 * rate-limited WARN line (see {@link LogThrottle}). The service's handler never sees them; a
 * stream ends at its first malformed request, and its handler is told the call was cancelled.
 *
 * <p>Why a wrapper: grpc-java parses a request in the method's marshaller, before any service
 * code or interceptor listener runs, and answers a parse failure with UNKNOWN "Application
 * error processing RPC" plus a SEVERE log record with a stack trace per request. So each method
 * is re-bound with a request marshaller that passes the bytes through, and parsed here, where
 * the failure can be answered properly. The rebuilt descriptors keep the originals' names and
 * schema descriptors, so reflection and health see the same services.
 */
public final class MalformedRequests {
  private static final Logger log = LoggerFactory.getLogger(MalformedRequests.class);
  /** At most one log line per period however many malformed requests arrive. */
  static final Duration LOG_PERIOD = Duration.ofSeconds(10);

  /** The request bytes as they arrived; parsed by {@link ParsingListener}. */
  private static final MethodDescriptor.Marshaller<InputStream> PASS_THROUGH = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(InputStream value) {
      return value;
    }

    @Override
    public InputStream parse(InputStream stream) {
      return stream;
    }
  };

  private final LogThrottle throttle;

  /** @param clock monotonic time in nanoseconds, for the log's rate limit */
  public MalformedRequests(LongSupplier clock) {
    this.throttle = new LogThrottle(LOG_PERIOD, clock);
  }

  /** The service with every method guarded. */
  public ServerServiceDefinition guard(BindableService service) {
    return guard(service.bindService());
  }

  /** The service with every method guarded. */
  public ServerServiceDefinition guard(ServerServiceDefinition service) {
    ServiceDescriptor original = service.getServiceDescriptor();
    ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(original.getName())
        .setSchemaDescriptor(original.getSchemaDescriptor());
    List<ServerMethodDefinition<InputStream, ?>> methods = new ArrayList<>();
    for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
      ServerMethodDefinition<InputStream, ?> guarded = guard(m);
      methods.add(guarded);
      descriptor.addMethod(guarded.getMethodDescriptor());
    }
    ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(b::addMethod);
    return b.build();
  }

  private <Req, Resp> ServerMethodDefinition<InputStream, Resp> guard(ServerMethodDefinition<Req, Resp> m) {
    MethodDescriptor<Req, Resp> method = m.getMethodDescriptor();
    MethodDescriptor<InputStream, Resp> raw = method.toBuilder(PASS_THROUGH, method.getResponseMarshaller()).build();
    ServerCallHandler<Req, Resp> next = m.getServerCallHandler();
    return ServerMethodDefinition.create(raw, (call, headers) -> {
      TypedCall<Req, Resp> typed = new TypedCall<>(call, method);
      return new ParsingListener<>(typed, method, next.startCall(typed, headers));
    });
  }

  /** What went wrong, for the client: the message type expected and the parser's complaint. */
  static String describe(MethodDescriptor<?, ?> method, RuntimeException failure) {
    Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
    String reason = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    if (reason.contains("too many levels of nesting")) {
      // protobuf's own text advises CodedInputStream.setRecursionLimit, which a client cannot call.
      reason = "it is nested more than 100 levels deep (a config Struct can hold about 30 levels)";
    }
    return "the request is not a valid " + requestType(method) + " message: " + Quote.excerpt(reason, 200)
        + "; send a " + requestType(method) + " encoded with the .proto files this server was built from";
  }

  private static String requestType(MethodDescriptor<?, ?> method) {
    if (method.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<?> p
        && p.getMessagePrototype() instanceof Message m) {
      return m.getDescriptorForType().getFullName();
    }
    return "request of " + method.getFullMethodName();
  }

  private void logRejected(MethodDescriptor<?, ?> method, String description) {
    long unlogged = throttle.admit();
    if (unlogged < 0) {
      return;
    }
    log.atWarn().setMessage("rejected a request that does not parse (INVALID_ARGUMENT); at most one such line per "
            + LOG_PERIOD.toSeconds() + " s")
        .addKeyValue("method", method.getFullMethodName())
        .addKeyValue("reason", description)
        .addKeyValue("unlogged_since_last", unlogged)
        .log();
  }

  /**
   * Parses each request and hands it to the service's listener; at the first that does not
   * parse, closes the call and forwards nothing more but the call's end, as a cancellation (the
   * handler's call did not complete normally). gRPC calls a listener from one thread at a time.
   */
  private final class ParsingListener<Req> extends ServerCall.Listener<InputStream> {
    private final TypedCall<Req, ?> call;
    private final MethodDescriptor<Req, ?> method;
    private final ServerCall.Listener<Req> next;
    private boolean rejected;

    ParsingListener(TypedCall<Req, ?> call, MethodDescriptor<Req, ?> method, ServerCall.Listener<Req> next) {
      this.call = call;
      this.method = method;
      this.next = next;
    }

    @Override
    public void onMessage(InputStream bytes) {
      if (rejected) {
        return;
      }
      Req request;
      try {
        request = method.parseRequest(bytes);
      } catch (RuntimeException e) {
        rejected = true;
        String description = describe(method, e);
        logRejected(method, description);
        call.close(Status.INVALID_ARGUMENT.withDescription(description), new Metadata());
        return;
      }
      next.onMessage(request);
    }

    @Override
    public void onHalfClose() {
      if (!rejected) {
        next.onHalfClose();
      }
    }

    @Override
    public void onCancel() {
      next.onCancel();
    }

    @Override
    public void onComplete() {
      if (rejected) {
        next.onCancel();
      } else {
        next.onComplete();
      }
    }

    @Override
    public void onReady() {
      if (!rejected) {
        next.onReady();
      }
    }
  }

  /**
   * The call as the service sees it: typed requests, the original method descriptor. Closing is
   * idempotent because the service may still end a call that was closed here (e.g. a stream
   * ended at shutdown from another thread); the first close wins.
   */
  private static final class TypedCall<Req, Resp> extends ServerCall<Req, Resp> {
    private final ServerCall<InputStream, Resp> call;
    private final MethodDescriptor<Req, Resp> method;
    private final AtomicBoolean closed = new AtomicBoolean();

    TypedCall(ServerCall<InputStream, Resp> call, MethodDescriptor<Req, Resp> method) {
      this.call = call;
      this.method = method;
    }

    @Override
    public void request(int numMessages) {
      call.request(numMessages);
    }

    @Override
    public void sendHeaders(Metadata headers) {
      call.sendHeaders(headers);
    }

    @Override
    public void sendMessage(Resp message) {
      call.sendMessage(message);
    }

    @Override
    public boolean isReady() {
      return call.isReady();
    }

    @Override
    public void close(Status status, Metadata trailers) {
      if (closed.compareAndSet(false, true)) {
        call.close(status, trailers);
      }
    }

    @Override
    public boolean isCancelled() {
      return call.isCancelled();
    }

    @Override
    public void setMessageCompression(boolean enabled) {
      call.setMessageCompression(enabled);
    }

    @Override
    public void setCompression(String compressor) {
      call.setCompression(compressor);
    }

    @Override
    public void setOnReadyThreshold(int numBytes) {
      call.setOnReadyThreshold(numBytes);
    }

    @Override
    public SecurityLevel getSecurityLevel() {
      return call.getSecurityLevel();
    }

    @Override
    public Attributes getAttributes() {
      return call.getAttributes();
    }

    @Override
    public String getAuthority() {
      return call.getAuthority();
    }

    @Override
    public MethodDescriptor<Req, Resp> getMethodDescriptor() {
      return method;
    }
  }
}
