package dev.kindred.env;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The worlds a server (or an in-process environment) can create, by id. Built-in worlds are
 * found with {@link ServiceLoader} ({@code META-INF/services/dev.kindred.env.WorldType}), so a
 * new world is a new class and one line in that file.
 */
public final class WorldRegistry {
  private final Map<String, WorldType> types = new LinkedHashMap<>();

  public WorldRegistry(Collection<? extends WorldType> types) {
    for (WorldType t : types) {
      if (this.types.put(t.id(), t) != null) {
        throw new IllegalArgumentException("two worlds share the id " + t.id());
      }
    }
  }

  /** Every world on the class path, sorted by id. */
  public static WorldRegistry builtIn() {
    List<WorldType> found = ServiceLoader.load(WorldType.class).stream()
        .map(ServiceLoader.Provider::get)
        .sorted((a, b) -> a.id().compareTo(b.id()))
        .toList();
    return new WorldRegistry(found);
  }

  /** The world type with this id, or NOT_FOUND naming the ids that exist. */
  public WorldType get(String id) {
    WorldType t = types.get(id);
    if (t == null) {
      throw EnvException.notFound("unknown world '" + Quote.excerpt(id) + "'; this server hosts: "
          + String.join(", ", types.keySet()));
    }
    return t;
  }

  public Collection<WorldType> all() {
    return Collections.unmodifiableCollection(types.values());
  }

  public List<String> ids() {
    return List.copyOf(types.keySet());
  }
}
