import dev.kindred.proto.v1.CloseSessionRequest;
import dev.kindred.proto.v1.CreateSessionRequest;
import dev.kindred.proto.v1.CreateSessionResponse;
import dev.kindred.proto.v1.EnvServiceGrpc;
import dev.kindred.proto.v1.GetServerInfoRequest;
import dev.kindred.proto.v1.RenderFormat;
import dev.kindred.proto.v1.RenderRequest;
import dev.kindred.proto.v1.RenderResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Checks a Kindred server from outside, as Kubernetes and a client would (scripts/test-container.sh
 * runs it against the server in the image): waits until the standard gRPC health service answers
 * SERVING, prints the server's version, then creates an energy session and renders one RGB frame,
 * whose title and legend are text: drawing it needs the image's fonts and fontconfig.
 *
 * <p>Usage, with the server jar (grpc-java and the kindred.v1 stubs) on the class path:
 * {@code java -cp env-server/target/kindred-server.jar scripts/ContainerProbe.java HOST:PORT TIMEOUT_S}.
 * Prints {@code health SERVING after N ms}, {@code server_version V} and {@code render WxH N colours};
 * exits 1 with the reason on failure.
 */
public final class ContainerProbe {
  public static void main(String[] args) throws InterruptedException {
    if (args.length != 2) {
      fail("usage: ContainerProbe HOST:PORT TIMEOUT_S");
    }
    String target = args[0];
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[1]));
    ManagedChannel channel = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build();
    try {
      long start = System.nanoTime();
      String last = "no answer yet";
      while (true) {
        try {
          HealthCheckResponse.ServingStatus status = HealthGrpc.newBlockingStub(channel)
              .withDeadlineAfter(2, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()).getStatus();
          if (status == HealthCheckResponse.ServingStatus.SERVING) {
            break;
          }
          last = "status " + status;
        } catch (StatusRuntimeException e) {
          last = e.getStatus().getCode() + ": " + e.getStatus().getDescription();
        }
        if (System.nanoTime() > deadline) {
          fail("the server at " + target + " did not answer the gRPC health check SERVING in " + args[1]
              + " s (last: " + last + ")");
        }
        Thread.sleep(250);
      }
      System.out.printf("health SERVING after %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));

      EnvServiceGrpc.EnvServiceBlockingStub env = EnvServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(60, TimeUnit.SECONDS);
      System.out.println("server_version " + env.getServerInfo(GetServerInfoRequest.getDefaultInstance()).getServerVersion());
      CreateSessionResponse session = env.createSession(CreateSessionRequest.newBuilder()
          .setWorldId("energy.s1").setNumCopies(1).setSeed(7).setClientName("test-container").build());
      RenderResponse frame = env.render(RenderRequest.newBuilder().setSessionId(session.getSessionId())
          .setFormat(RenderFormat.RENDER_FORMAT_RGB).build());
      env.closeSession(CloseSessionRequest.newBuilder().setSessionId(session.getSessionId()).build());
      byte[] rgb = frame.getRgb().toByteArray();
      if (frame.getWidth() == 0 || rgb.length != frame.getWidth() * frame.getHeight() * 3) {
        fail("Render returned " + rgb.length + " bytes for a " + frame.getWidth() + "x" + frame.getHeight() + " frame");
      }
      Set<Integer> colours = new HashSet<>();
      for (int i = 0; i < rgb.length; i += 3) {
        colours.add((rgb[i] & 0xff) << 16 | (rgb[i + 1] & 0xff) << 8 | (rgb[i + 2] & 0xff));
      }
      System.out.printf("render %dx%d %d colours%n", frame.getWidth(), frame.getHeight(), colours.size());
    } catch (StatusRuntimeException e) {
      fail("a call to the server at " + target + " failed: " + e.getStatus().getCode() + ": "
          + e.getStatus().getDescription());
    } finally {
      channel.shutdownNow();
    }
  }

  private static void fail(String message) {
    System.err.println("ContainerProbe: " + message);
    System.exit(1);
  }
}
