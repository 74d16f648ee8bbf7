package dev.kindred.dmenv;

import dev.kindred.env.EnvException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dm_env_rpc worlds of a server, by name, with their limit. Names are
 * {@code <world id>-<16 random hex digits>}: unique, and not guessable by a client that was not
 * told them, so one client cannot address another's world by accident.
 */
final class DmWorlds {
  private static final Logger log = LoggerFactory.getLogger(DmWorlds.class);

  private final int maxWorlds;
  private final Map<String, DmWorld> worlds = new ConcurrentHashMap<>();
  private final AtomicInteger reserved = new AtomicInteger();
  private final SecureRandom random = new SecureRandom();

  DmWorlds(int maxWorlds) {
    this.maxWorlds = maxWorlds;
  }

  int size() {
    return worlds.size();
  }

  /** Creates a world, counting it against the limit before it is built. */
  DmWorld create(String worldId, Function<String, DmWorld> factory) {
    if (reserved.incrementAndGet() > maxWorlds) {
      reserved.decrementAndGet();
      throw EnvException.exhausted("this server already holds its limit of " + maxWorlds + " dm_env_rpc worlds; "
          + "destroy worlds you no longer use (DestroyWorld), or restart the server with a larger --max-sessions");
    }
    try {
      DmWorld w;
      String name;
      do {
        byte[] b = new byte[8];
        random.nextBytes(b);
        name = worldId + "-" + HexFormat.of().formatHex(b);
      } while (worlds.containsKey(name));
      w = factory.apply(name);
      worlds.put(name, w);
      log.atInfo().setMessage("dm_env_rpc world created").addKeyValue("world", name)
          .addKeyValue("agents", w.agents()).addKeyValue("worlds", worlds.size()).log();
      return w;
    } catch (RuntimeException | Error e) {
      reserved.decrementAndGet();
      throw e;
    }
  }

  /** The named world, or NOT_FOUND. */
  DmWorld get(String name) {
    if (name.isEmpty()) {
      throw EnvException.notFound("world_name is empty; use the world_name that CreateWorld returned");
    }
    DmWorld w = worlds.get(name);
    if (w == null) {
      throw EnvException.notFound("no world named '" + (name.length() > 80 ? name.substring(0, 80) + "..." : name)
          + "' on this server: it was destroyed, its creating connection closed, or it never existed; use the "
          + "world_name that CreateWorld returned");
    }
    return w;
  }

  /** DestroyWorld: refused while an agent is joined. */
  void destroy(String name, Object caller) {
    DmWorld w = get(name);
    w.destroy(caller);
    remove(w, "destroyed");
  }

  /** Forgets a world already marked destroyed. */
  void remove(DmWorld w, String why) {
    w.markDestroyed();
    if (worlds.remove(w.name(), w)) {
      reserved.decrementAndGet();
      log.atInfo().setMessage("dm_env_rpc world " + why).addKeyValue("world", w.name())
          .addKeyValue("summary", w.summary()).addKeyValue("worlds", worlds.size()).log();
    }
  }

  /** Destroys every world (at shutdown or in tests). */
  int clear() {
    int n = 0;
    for (DmWorld w : worlds.values()) {
      remove(w, "closed");
      n++;
    }
    return n;
  }
}
