package dev.kindred.env;

/**
 * Derivation of independent seeds from a session seed, so that every copy and every episode
 * has its own random stream whatever the number of copies or threads.
 */
public final class Seeds {
  private Seeds() {}

  /** SplitMix64's finaliser: a bijective mix of 64 bits with full avalanche. */
  public static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** The seed of copy {@code copy}'s {@code episode}-th episode under {@code sessionSeed}. */
  public static long episodeSeed(long sessionSeed, int copy, long episode) {
    long h = mix(sessionSeed + 0x9e3779b97f4a7c15L);
    h = mix(h ^ (copy * 0xc2b2ae3d27d4eb4fL + 0x165667b19e3779f9L));
    return mix(h ^ (episode * 0xd6e8feb86659fd93L + 0x27d4eb2f165667c5L));
  }
}
