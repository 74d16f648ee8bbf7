package dev.kindred.env;

import java.util.List;

/** One dimension of a multi-discrete action: values in {@code [0, numValues)}. */
public record ActionDimension(String name, String description, int numValues, List<String> valueNames) {
  public ActionDimension {
    valueNames = List.copyOf(valueNames);
    if (numValues < 1) {
      throw new IllegalArgumentException("numValues must be >= 1, got " + numValues);
    }
  }
}
