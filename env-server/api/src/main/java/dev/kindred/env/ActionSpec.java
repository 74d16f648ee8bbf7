package dev.kindred.env;

import java.util.List;

/** An agent's multi-discrete action: one int per dimension. */
public record ActionSpec(List<ActionDimension> dimensions, String description) {
  public ActionSpec {
    dimensions = List.copyOf(dimensions);
  }

  public int size() {
    return dimensions.size();
  }
}
