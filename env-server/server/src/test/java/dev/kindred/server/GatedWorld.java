package dev.kindred.server;

import dev.kindred.env.Config;
import dev.kindred.env.ConfigSchema;
import dev.kindred.env.CounterWorld;
import dev.kindred.env.World;
import dev.kindred.env.WorldBuffers;
import dev.kindred.env.WorldContext;
import dev.kindred.env.WorldSpec;
import dev.kindred.env.WorldType;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The counter world under another id, whose steps note the thread that runs them and, while the
 * gate is shut, wait until it opens: what a test needs to see where the server steps a session,
 * and to hold a step as long as it likes.
 */
final class GatedWorld implements WorldType {
  private final String id;
  private final CounterWorld.Type inner = new CounterWorld.Type();
  /** The name of the thread of every step of copy 0, in order. */
  final List<String> stepThreads = new CopyOnWriteArrayList<>();
  private volatile CountDownLatch gate = new CountDownLatch(0);
  /** Counted down when a step starts waiting at the shut gate. */
  volatile CountDownLatch waiting = new CountDownLatch(1);

  GatedWorld(String id) {
    this.id = id;
  }

  /** Steps from now on wait until {@link #open}. */
  void shut() {
    waiting = new CountDownLatch(1);
    gate = new CountDownLatch(1);
  }

  void open() {
    gate.countDown();
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public String title() {
    return "Gated counter " + id;
  }

  @Override
  public String description() {
    return "the counter world, whose steps can be held";
  }

  @Override
  public ConfigSchema schema() {
    return inner.schema();
  }

  @Override
  public World create(Config config, int copies, WorldContext context) {
    World w = inner.create(config, copies);
    return new World() {
      @Override
      public WorldSpec spec() {
        return w.spec();
      }

      @Override
      public int copies() {
        return w.copies();
      }

      @Override
      public void reset(int copy, long seed, WorldBuffers out) {
        w.reset(copy, seed, out);
      }

      @Override
      public void step(int copy, WorldBuffers io) {
        if (copy == 0) {
          stepThreads.add(Thread.currentThread().getName());
          CountDownLatch g = gate;
          if (g.getCount() > 0) {
            waiting.countDown();
            try {
              if (!g.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the gate stayed shut for 30 s");
              }
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new IllegalStateException(e);
            }
          }
        }
        w.step(copy, io);
      }

      @Override
      public void episodeStats(int copy, double[] agentStats, double[] copyStats) {
        w.episodeStats(copy, agentStats, copyStats);
      }
    };
  }
}
