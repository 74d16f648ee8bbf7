package dev.kindred.server;

import dev.kindred.env.Config;
import dev.kindred.env.ConfigSchema;
import dev.kindred.env.CounterWorld;
import dev.kindred.env.KindredException;
import dev.kindred.env.World;
import dev.kindred.env.WorldContext;
import dev.kindred.env.WorldType;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The counter world under another id, whose building stalls until {@link #release} while
 * polling its cancellation as a large world's building does: what a test needs to hold a
 * creation thread, or to see a cancelled build stop.
 */
final class StallingWorld implements WorldType {
  private final String id;
  private final CounterWorld.Type inner = new CounterWorld.Type();
  final CountDownLatch building = new CountDownLatch(1);
  private final CountDownLatch released = new CountDownLatch(1);
  /** Why the building stopped early, once it has. */
  final AtomicReference<KindredException> stopped = new AtomicReference<>();

  StallingWorld(String id) {
    this.id = id;
  }

  void release() {
    released.countDown();
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public String title() {
    return "Stalling counter " + id;
  }

  @Override
  public String description() {
    return "the counter world, slow to build";
  }

  @Override
  public ConfigSchema schema() {
    return inner.schema();
  }

  @Override
  public World create(Config config, int copies, WorldContext context) {
    building.countDown();
    try {
      while (released.getCount() > 0) {
        context.cancellation().check();
        Thread.sleep(5);
      }
    } catch (KindredException e) {
      stopped.set(e);
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return inner.create(config, copies);
  }
}
