package dev.kindred.env;

/** A statistic a world reports per episode, per agent ({@link Scope#AGENT}) or per copy. */
public record StatSpec(String name, String description, Scope scope) {}
