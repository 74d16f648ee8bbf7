package dev.kindred.crosslang;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import com.google.gson.reflect.TypeToken;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The flags of the cross-language participants that say which session to open (a picocli
 * mixin): {@code --target HOST:PORT --world ID --config JSON}.
 */
final class SessionFlags {
  @Option(names = "--target", paramLabel = "HOST:PORT", description = "the server (default ${DEFAULT-VALUE})")
  String target = "localhost:50051";

  @Option(names = "--world", paramLabel = "ID", description = "world id (default ${DEFAULT-VALUE})")
  String world = "spin.lattice";

  @Option(names = "--config", paramLabel = "JSON", description = "the world's configuration (default ${DEFAULT-VALUE})")
  String config = "{}";

  /** {@code --config} as plain values (numbers are doubles, as in a protobuf Struct). */
  Map<String, Object> config() {
    try {
      Map<String, Object> m = new Gson().fromJson(config, new TypeToken<LinkedHashMap<String, Object>>() {}.getType());
      if (m == null) {
        throw new IllegalArgumentException("--config needs a JSON object, got '" + config + "'");
      }
      return m;
    } catch (JsonParseException e) {
      throw new IllegalArgumentException("--config needs a JSON object: " + e.getMessage(), e);
    }
  }
}
