package dev.kindred.replay;

import java.util.Map;

/**
 * The world-specific part of recording one copy. The stepping thread captures the copy's state
 * into frames ({@link #capture}: a few array copies); the background thread turns them into step
 * lines ({@link #appendStep}), keeping the previous state to write only what changed.
 *
 * @param <F> the captured state of one step
 */
interface CopyRecorder<F> {
  /** {@code "energy"} or {@code "spin"}: the header's {@code world_kind} and section name. */
  String kind();

  /** Agents (energy) or controlled spins (spin). */
  int agents();

  /** Action values per agent in the step line's flat {@code actions}. */
  int actionDims();

  /** A frame to capture into (allocated once per buffer slot). */
  F newFrame();

  /** Stepping thread, after a step: the copy's state into {@code frame}. */
  void capture(F frame);

  /** Stepping thread, right after reset: the header's section, with the state after reset captured into {@code initial}. */
  Map<String, Object> section(F initial);

  /** A captured state in the header's {@code initial} shape, for a state line (any thread; changes nothing). */
  Map<String, Object> state(F frame);

  /** Background thread: the episode starts from {@code initial}. */
  void begin(F initial);

  /** Background thread: this step's own fields (each as {@code ,"name":value}); remembers the state. */
  void appendStep(JsonLine line, F current);
}
