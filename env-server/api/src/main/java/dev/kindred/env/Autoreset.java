package dev.kindred.env;

/** What happens after a copy's episode ends; see the protocol's AutoresetMode. */
public enum Autoreset {
  /** The next step resets the copy instead of stepping it (Gymnasium's default). */
  NEXT_STEP,
  /** The ending step resets the copy at once; its final observation is kept aside. */
  SAME_STEP,
  /** Nothing is reset automatically: stepping an ended copy is FAILED_PRECONDITION. */
  DISABLED
}
