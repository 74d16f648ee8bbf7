package dev.kindred.env;

/** Types of world configuration parameters (JSON-compatible). */
public enum ParameterType {
  BOOL,
  /** A number with an integral value. */
  INT,
  FLOAT,
  /** A string, restricted to the parameter's choices when it has any. */
  STRING,
  INT_LIST,
  FLOAT_LIST,
  /** A list of equal-length lists of numbers. */
  FLOAT_MATRIX
}
