package dev.kindred.env;

/** Which batch dimensions precede a tensor's own shape. */
public enum Scope {
  /** Packed as {@code [copies, agents, *shape]}. */
  AGENT,
  /** Packed as {@code [copies, *shape]}. */
  COPY
}
