package dev.kindred.replay;

import java.util.Map;

/**
 * The world-specific part of recording one copy: the header's section (with the state after
 * reset) and each step line's own fields. One instance per copy; it keeps the previous state in
 * preallocated arrays and writes only what changed.
 */
interface CopyRecorder {
  /** {@code "energy"} or {@code "spin"}: the header's {@code world_kind} and section name. */
  String kind();

  /** Agents (energy) or controlled spins (spin). */
  int agents();

  /** Action values per agent in the step line's flat {@code actions}. */
  int actionDims();

  /** Called right after reset: the header's section, {@code initial} included; remembers that state. */
  Map<String, Object> section();

  /**
   * The state after the last step (or the reset) in the header's {@code initial} shape, for a
   * state line; changes nothing.
   */
  Map<String, Object> state();

  /** Appends this step's own fields (each as {@code ,"name":value}) and remembers the new state. */
  void appendStep(JsonLine line);
}
