package dev.kindred.env;

/** The meaning of one index along a tensor's last axis. */
public record FeatureSpec(String name, String description, int index, double scale) {
  public FeatureSpec(String name, String description, int index) {
    this(name, description, index, 1.0);
  }
}
