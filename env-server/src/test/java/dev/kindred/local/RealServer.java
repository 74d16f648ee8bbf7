package dev.kindred.local;

import dev.kindred.env.WorldRegistry;
import java.lang.reflect.Method;

/**
 * Starts the real server ({@code dev.kindred.server.KindredServer}) on an ephemeral port, by
 * reflection on its agreed API: {@code ServerConfig.defaults()} with the port set to 0 (by a
 * {@code withPort(int)} wither, or {@code toBuilder().port(int).build()}, or
 * {@code ServerConfig.builder().port(int).build()}), {@code KindredServer.start(ServerConfig,
 * WorldRegistry)}, {@code int port()}, {@code void close()}. Reflection keeps this test module
 * compiling while the server is still being written; {@link #available()} is false until then
 * and the remote tests skip. Once the server is merged this can become direct calls.
 */
final class RealServer implements AutoCloseable {
  static final String SERVER = "dev.kindred.server.KindredServer";
  static final String CONFIG = "dev.kindred.server.ServerConfig";

  private final Object server;
  private final int port;

  private RealServer(Object server, int port) {
    this.server = server;
    this.port = port;
  }

  static boolean available() {
    try {
      Class.forName(SERVER);
      Class.forName(CONFIG);
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  static RealServer start(WorldRegistry registry) throws Exception {
    Class<?> configType = Class.forName(CONFIG);
    Object config = ephemeral(configType);
    Class<?> serverType = Class.forName(SERVER);
    Object server = serverType.getMethod("start", configType, WorldRegistry.class).invoke(null, config, registry);
    int port = (Integer) serverType.getMethod("port").invoke(server);
    return new RealServer(server, port);
  }

  private static Object ephemeral(Class<?> configType) throws Exception {
    Object defaults = configType.getMethod("defaults").invoke(null);
    Method wither = find(configType, "withPort");
    if (wither != null) {
      return wither.invoke(defaults, 0);
    }
    Method toBuilder = find(configType, "toBuilder");
    Object builder = toBuilder != null ? toBuilder.invoke(defaults)
        : find(configType, "builder") != null ? find(configType, "builder").invoke(null) : null;
    if (builder == null) {
      throw new IllegalStateException(CONFIG + " has neither withPort(int), toBuilder() nor builder()");
    }
    Method port = find(builder.getClass(), "port");
    if (port == null) {
      throw new IllegalStateException(builder.getClass().getName() + " has no port(int)");
    }
    Object b = port.invoke(builder, 0);
    return builder.getClass().getMethod("build").invoke(b == null ? builder : b);
  }

  private static Method find(Class<?> type, String name) {
    for (Method m : type.getMethods()) {
      if (m.getName().equals(name)
          && (m.getParameterCount() == 0 || (m.getParameterCount() == 1 && m.getParameterTypes()[0] == int.class))) {
        return m;
      }
    }
    return null;
  }

  int port() {
    return port;
  }

  @Override
  public void close() {
    try {
      server.getClass().getMethod("close").invoke(server);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot close the server", e);
    }
  }
}
