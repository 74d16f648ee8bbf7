package dev.kindred.dmenv;

import dev.kindred.env.EnvException;
import dev.kindred.env.Quote;
import dev.kindred.server.core.Caller;
import dev.kindred.server.core.Cells;
import dev.kindred.server.core.Principal;
import dev.kindred.server.core.Session;
import dev.kindred.server.core.SessionKind;
import dev.kindred.server.core.SessionRegistry;
import dev.kindred.server.core.SessionRegistry.Reservation;
import dev.kindred.server.core.WorldFactory;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dm_env_rpc worlds in the server's {@link SessionRegistry}, by name. Names are
 * {@code <world id>-<16 random hex digits>}: unique, and not guessable by a client that was not
 * told them, so one client cannot address another's world by accident. Worlds are sessions: they
 * count against the server's session limit and their creator's quota and expire when idle, as
 * kindred.v1 sessions do, and they belong to the principal whose connection created them: to any
 * other principal a world's name is NOT_FOUND, exactly as a name that does not exist.
 */
final class DmWorlds {
  private static final Logger log = LoggerFactory.getLogger(DmWorlds.class);
  static final SessionKind<DmWorld> KIND = new SessionKind<>("dm_env_rpc", 16,
      "destroy worlds you no longer use (DestroyWorld)");

  private final SessionRegistry registry;
  private final WorldFactory factory;

  DmWorlds(SessionRegistry registry, WorldFactory factory) {
    this.registry = registry;
    this.factory = factory;
  }

  int size() {
    return registry.size(KIND);
  }

  /**
   * Creates a world, taking its slot of the session limit and of its owner's quota before it is
   * built.
   *
   * @param creator the creating connection (the world dies with its stream, not by the
   *                registry's connection tracking)
   * @param owner   the principal of the creating connection
   */
  Session<DmWorld> create(DmSettings.Creation c, Object creator, Principal owner) {
    String worldId = c.type().id();
    try (Reservation<DmWorld> slot = registry.reserve(KIND, worldId + "-", worldId, creator.toString(),
        new Caller(owner, null), 1)) {
      DmWorld w = new DmWorld(slot.id(), c.type(), c.raw(), c.config(), c.seed(), factory, slot.cancellation());
      slot.charge(Cells.of(w.env().spec(), 1));
      int agents = w.agents();
      Session<DmWorld> s = slot.open(w);
      log.atInfo().setMessage("dm_env_rpc world created").addKeyValue("world", s.id())
          .addKeyValue("agents", agents).addKeyValue("worlds", size()).log();
      return s;
    }
  }

  /** The named world of {@code caller}, or NOT_FOUND (also when it is another principal's). */
  Session<DmWorld> get(String name, Principal caller) {
    if (name.isEmpty()) {
      throw EnvException.notFound("world_name is empty; use the world_name that CreateWorld returned");
    }
    Session<DmWorld> s = registry.find(KIND, name, caller);
    if (s == null) {
      throw EnvException.notFound("no world named '" + Quote.excerpt(name) + "' on this server: it was destroyed, its creating connection closed, it expired (worlds expire after "
          + registry.idleTimeoutText() + " idle), or it never existed; use the world_name that CreateWorld returned");
    }
    return s;
  }

  /** Runs {@code action} on the world while holding its lock; NOT_FOUND once it is gone. */
  <T> T use(Session<DmWorld> s, Function<DmWorld, T> action) {
    return registry.use(s, () -> EnvException.notFound("world '" + s.id() + "' has been destroyed, or it expired "
        + "(worlds expire after " + registry.idleTimeoutText() + " idle)"), action);
  }

  /** DestroyWorld: refused while an agent is joined. */
  Session<DmWorld> destroy(String name, Object conn, Principal caller) {
    Session<DmWorld> s = get(name, caller);
    use(s, w -> {
      w.checkDestroyable(conn);
      return registry.close(s, "destroyed");
    });
    return s;
  }

  /** {@code conn} leaves the world if it is joined; the world goes when its creator already has. */
  void leave(Session<DmWorld> s, Object conn) {
    registry.ifOpen(s, w -> {
      if (w.leave(conn)) {
        registry.close(s, "closed after its creating connection");
      }
    });
  }

  /** The world's creating connection closed: the world goes now, or when its agent leaves. */
  void creatorClosed(Session<DmWorld> s) {
    registry.ifOpen(s, w -> {
      if (w.creatorClosed()) {
        registry.close(s, "closed with its creating connection");
      }
    });
  }
}
