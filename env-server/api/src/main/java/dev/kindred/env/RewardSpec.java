package dev.kindred.env;

/** What rewards mean, with optional inclusive bounds (null when unbounded). */
public record RewardSpec(String description, Double low, Double high) {}
