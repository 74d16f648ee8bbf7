package dev.kindred.env;

/**
 * The meaning of one index along a tensor's last axis; {@code low} and {@code high} (null when
 * the tensor's own bounds are all that is known) bound this feature's elements more tightly.
 */
public record FeatureSpec(String name, String description, int index, double scale, Double low, Double high) {
  public FeatureSpec(String name, String description, int index) {
    this(name, description, index, 1.0);
  }

  public FeatureSpec(String name, String description, int index, double scale) {
    this(name, description, index, scale, null, null);
  }
}
