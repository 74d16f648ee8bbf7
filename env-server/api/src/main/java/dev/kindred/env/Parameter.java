package dev.kindred.env;

import java.util.List;

/**
 * One configuration parameter of a world.
 *
 * @param defaultValue value used when the key is absent; null makes the parameter optional
 *                     with no value (worlds check {@link Config#has})
 * @param min          inclusive lower bound for numbers and for list elements, or null
 * @param max          inclusive upper bound for numbers and for list elements, or null
 * @param choices      allowed values of a string parameter (empty: any string)
 */
public record Parameter(
    String name,
    String description,
    ParameterType type,
    Object defaultValue,
    Double min,
    Double max,
    List<String> choices) {

  public Parameter {
    choices = List.copyOf(choices);
  }

  public static Parameter bool(String name, boolean defaultValue, String description) {
    return new Parameter(name, description, ParameterType.BOOL, defaultValue, null, null, List.of());
  }

  public static Parameter integer(String name, long defaultValue, long min, long max, String description) {
    return new Parameter(name, description, ParameterType.INT, defaultValue, (double) min, (double) max, List.of());
  }

  public static Parameter number(String name, double defaultValue, double min, double max, String description) {
    return new Parameter(name, description, ParameterType.FLOAT, defaultValue, min, max, List.of());
  }

  public static Parameter choice(String name, String defaultValue, List<String> choices, String description) {
    return new Parameter(name, description, ParameterType.STRING, defaultValue, null, null, choices);
  }

  public static Parameter string(String name, String defaultValue, String description) {
    return new Parameter(name, description, ParameterType.STRING, defaultValue, null, null, List.of());
  }

  /** An optional parameter without default, of any type, with element bounds (nullable). */
  public static Parameter optional(String name, ParameterType type, Double min, Double max, String description) {
    return new Parameter(name, description, type, null, min, max, List.of());
  }
}
