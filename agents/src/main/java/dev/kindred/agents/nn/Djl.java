package dev.kindred.agents.nn;

import ai.djl.engine.Engine;

/**
 * Loads DJL's PyTorch engine without touching the network: {@code ai.djl.offline=true} makes
 * DJL use the native library of the {@code pytorch-native-cpu} jar on the classpath (unpacked
 * once into its cache directory, {@code ~/.djl.ai} or {@code DJL_CACHE_DIR}) and fail instead
 * of downloading anything. Thread counts default to one intra-op and one inter-op thread:
 * the batches here are small, and the environment needs the other core.
 */
public final class Djl {
  private static Engine engine;

  private Djl() {}

  /** The PyTorch engine, loaded offline on first use. */
  public static synchronized Engine engine() {
    if (engine == null) {
      System.setProperty("ai.djl.offline", "true");
      setDefault("ai.djl.pytorch.num_threads", "1");
      setDefault("ai.djl.pytorch.num_interop_threads", "1");
      setDefault("ai.djl.default_engine", "PyTorch");
      try {
        engine = Engine.getEngine("PyTorch");
      } catch (RuntimeException | UnsatisfiedLinkError e) {
        throw new IllegalStateException("could not load DJL's PyTorch engine offline (the jars "
            + "ai.djl.pytorch:pytorch-native-cpu:2.7.1:linux-x86_64 and pytorch-jni must be on the classpath; "
            + "run ./kindred build): " + e.getMessage(), e);
      }
    }
    return engine;
  }

  /**
   * Sets PyTorch's intra-op threads for the whole process ({@code 0}: one per available core).
   * Training sets it (the update's batches are large enough to use both cores); inference alone
   * keeps the default of one.
   */
  public static synchronized void setThreads(int threads) {
    engine();
    int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    if (ai.djl.pytorch.jni.JniUtils.getNumThreads() != n) {
      ai.djl.pytorch.jni.JniUtils.setNumThreads(n);
    }
  }

  private static void setDefault(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
