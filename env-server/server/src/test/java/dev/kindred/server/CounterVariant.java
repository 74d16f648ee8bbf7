package dev.kindred.server;

import dev.kindred.env.Config;
import dev.kindred.env.ConfigSchema;
import dev.kindred.env.CounterWorld;
import dev.kindred.env.World;
import dev.kindred.env.WorldBuffers;
import dev.kindred.env.WorldContext;
import dev.kindred.env.WorldSpec;
import dev.kindred.env.WorldType;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The counter world under another id, counting the worlds it builds and running a hook before
 * every step of a copy: a world that fails, or blocks, where a test needs it to.
 */
final class CounterVariant implements WorldType {
  private final String id;
  private final Runnable beforeStep;
  private final CounterWorld.Type inner = new CounterWorld.Type();
  final AtomicInteger built = new AtomicInteger();

  CounterVariant(String id, Runnable beforeStep) {
    this.id = id;
    this.beforeStep = beforeStep;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public String title() {
    return "Counter variant " + id;
  }

  @Override
  public String description() {
    return "the counter world with a hook before each step";
  }

  @Override
  public ConfigSchema schema() {
    return inner.schema();
  }

  @Override
  public World create(Config config, int copies, WorldContext context) {
    built.incrementAndGet();
    World w = inner.create(config, copies, context);
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
        beforeStep.run();
        w.step(copy, io);
      }

      @Override
      public void episodeStats(int copy, double[] agentStats, double[] copyStats) {
        w.episodeStats(copy, agentStats, copyStats);
      }
    };
  }
}
