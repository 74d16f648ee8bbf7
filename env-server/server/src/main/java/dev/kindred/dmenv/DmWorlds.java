package dev.kindred.dmenv;

import dev.kindred.env.Autoreset;
import dev.kindred.env.BatchedEnv;
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
import dev.kindred.server.match.Match;
import dev.kindred.server.match.MatchDeadlines;
import dev.kindred.server.match.MatchLayout;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dm_env_rpc worlds in the server's {@link SessionRegistry}, by name. Names are
 * {@code <world id>-<16 random hex digits>}: unique, and not guessable by a client that was not
 * told them, so one client cannot address another's world by accident. Worlds are sessions: they
 * count against the server's session limit and their creator's quota and expire when idle, as
 * kindred.v1 sessions do, and they belong to the principal whose connection created them: to any
 * other principal a world's name is NOT_FOUND, exactly as a name that does not exist, except
 * to a JoinWorld with a seat of a seated world (its token is the permission).
 */
final class DmWorlds implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DmWorlds.class);
  static final SessionKind<DmSession> KIND = new SessionKind<>("dm_env_rpc", 16,
      "destroy worlds you no longer use (DestroyWorld)");

  private final SessionRegistry registry;
  private final WorldFactory factory;
  private final MatchDeadlines deadlines = new MatchDeadlines("kindred-dm-seat-deadline");
  /** Monotonic nanoseconds: the seated worlds' deadlines and waits. */
  private final LongSupplier clock = System::nanoTime;

  DmWorlds(SessionRegistry registry, WorldFactory factory) {
    this.registry = registry;
    this.factory = factory;
  }

  long now() {
    return clock.getAsLong();
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
  Session<DmSession> create(DmSettings.Creation c, Object creator, Principal owner) {
    if (c.seating() != null) {
      return createSeated(c, creator, owner);
    }
    String worldId = c.type().id();
    try (Reservation<DmSession> slot = registry.reserve(KIND, worldId + "-", worldId, creator.toString(),
        new Caller(owner, null), 1)) {
      DmWorld w = new DmWorld(slot.id(), c.type(), c.raw(), c.config(), c.seed(), factory, slot.cancellation());
      slot.charge(Cells.of(w.env().spec(), 1));
      int agents = w.agents();
      Session<DmSession> s = slot.open(w);
      log.atInfo().setMessage("dm_env_rpc world created").addKeyValue("world", s.id())
          .addKeyValue("agents", agents).addKeyValue("worlds", size()).log();
      return s;
    }
  }

  /** A seated world: its seats are checked against the world before its cells are charged. */
  private Session<DmSession> createSeated(DmSettings.Creation c, Object creator, Principal owner) {
    String worldId = c.type().id();
    try (Reservation<DmSession> slot = registry.reserve(KIND, worldId + "-", worldId, creator.toString(),
        new Caller(owner, null), 1)) {
      BatchedEnv env = DmWorld.environment(c.type(), c.config(), c.seed(), Autoreset.NEXT_STEP, factory,
          slot.cancellation());
      MatchLayout layout = DmSeatedWorld.layout(c.seating(), env);
      slot.charge(Cells.of(env.spec(), 1));
      String name = slot.id();
      DmSeatedWorld w = new DmSeatedWorld(name, env, c.config(), layout, c.seating().tokens(),
          deadlines.timer(step -> deadlinePassed(name, step)));
      Session<DmSession> s = slot.open(w);
      log.atInfo().setMessage("dm_env_rpc world created").addKeyValue("world", s.id())
          .addKeyValue("agents", env.spec().numAgents()).addKeyValue("seats", layout.seatNames())
          .addKeyValue("worlds", size()).log();
      return s;
    }
  }

  private void deadlinePassed(String name, long step) {
    Session<DmSession> s = registry.findAnyOwner(KIND, name);
    if (s == null) {
      return; // destroyed meanwhile: its seats were answered then
    }
    try {
      registry.useShared(s, () -> new Gone(), w -> ((DmSeatedWorld) w).deadline(step, now())).run();
    } catch (Gone e) {
      // destroyed between the lookup and the lock
    } catch (RuntimeException e) {
      log.atError().setMessage("a seated world's deadline step failed").addKeyValue("world", name).setCause(e).log();
    }
  }

  /** The world closed between a lookup and its lock. */
  private static final class Gone extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Gone() {
      super(null, null, false, false);
    }
  }

  /** The named world of {@code caller}, or NOT_FOUND (also when it is another principal's). */
  Session<DmSession> get(String name, Principal caller) {
    if (name.isEmpty()) {
      throw EnvException.notFound("world_name is empty; use the world_name that CreateWorld returned");
    }
    Session<DmSession> s = registry.find(KIND, name, caller);
    if (s == null) {
      throw notFound(name);
    }
    return s;
  }

  /**
   * The named world, whoever created it, for a JoinWorld with a seat (whose token, checked next,
   * is the permission); NOT_FOUND as {@link #get}.
   */
  Session<DmSession> findForSeat(String name) {
    if (name.isEmpty()) {
      throw EnvException.notFound("world_name is empty; use the world_name that CreateWorld returned");
    }
    Session<DmSession> s = registry.findAnyOwner(KIND, name);
    if (s == null) {
      throw notFound(name);
    }
    return s;
  }

  /** The NOT_FOUND of a name that names no world (of the caller's). */
  EnvException notFoundError(String name) {
    return notFound(name);
  }

  private EnvException notFound(String name) {
    return EnvException.notFound("no world named '" + Quote.excerpt(name) + "' on this server: it was destroyed, "
        + "its creating connection closed, it expired (worlds expire after " + registry.idleTimeoutText()
        + " idle), or it never existed; use the world_name that CreateWorld returned");
  }

  /** Runs {@code action} on the world while holding its lock; NOT_FOUND once it is gone. */
  <T> T use(Session<DmSession> s, Function<DmSession, T> action) {
    return registry.use(s, () -> gone(s), action);
  }

  /**
   * As {@link #use}, for a seated world's work that other seats share (a step one seat's call
   * may trigger for all): the calling connection's cancellation does not stop it once started.
   */
  <T> T useShared(Session<DmSession> s, Function<DmSession, T> action) {
    return registry.useShared(s, () -> gone(s), action);
  }

  private EnvException gone(Session<DmSession> s) {
    return EnvException.notFound("world '" + s.id() + "' has been destroyed, or it expired (worlds expire after "
        + registry.idleTimeoutText() + " idle)");
  }

  /**
   * DestroyWorld: refused for a world one connection controls while its agent is joined; a
   * seated world goes at once (its waiting seats are answered ABORTED).
   */
  Session<DmSession> destroy(String name, Object conn, Principal caller) {
    Session<DmSession> s = get(name, caller);
    use(s, w -> {
      if (w instanceof DmWorld plain) {
        plain.checkDestroyable(conn);
      }
      return registry.close(s, "destroyed");
    });
    return s;
  }

  /** {@code conn} leaves the world if it is joined; the world goes when its creator already has. */
  void leave(Session<DmSession> s, Object conn) {
    registry.ifOpen(s, w -> {
      if (w instanceof DmWorld plain && plain.leave(conn)) {
        registry.close(s, "closed after its creating connection");
      }
    });
  }

  /** A connection gives its seat up (LeaveWorld, or its stream ended); nothing when the world is gone. */
  void leaveSeat(Session<DmSession> s, DmSeatedWorld.Held held) {
    Match.Effects[] effects = {null};
    registry.ifOpen(s, w -> effects[0] = ((DmSeatedWorld) w).leave(held, now()));
    if (effects[0] != null) {
      effects[0].run();
    }
  }

  /**
   * The world's creating connection closed: a world one connection controls goes now, or when
   * its agent leaves; a seated world stays (until DestroyWorld or idle expiry).
   */
  void creatorClosed(Session<DmSession> s) {
    registry.ifOpen(s, w -> {
      if (w instanceof DmWorld plain && plain.creatorClosed()) {
        registry.close(s, "closed with its creating connection");
      }
    });
  }

  /** Stops the seated worlds' deadlines (the server is stopping; its sessions close). */
  @Override
  public void close() {
    deadlines.close();
  }
}
