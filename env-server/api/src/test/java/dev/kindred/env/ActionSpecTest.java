package dev.kindred.env;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Valid combinations and the flat layout of the action mask. */
class ActionSpecTest {

  private static final List<ActionDimension> DIMS = List.of(
      new ActionDimension("action", "", 3, List.of()), new ActionDimension("argument", "", 4, List.of()));

  @Test
  void theShortFormListsNoCombinationsAndNoMask() {
    ActionSpec a = new ActionSpec(DIMS, "d");
    assertFalse(a.hasValidCombinations());
    assertEquals(List.of(), a.validCombinations());
    assertEquals("", a.maskObservation());
    assertEquals(12, a.combinations());
  }

  @Test
  void theMaskIsRowMajorWithTheLastDimensionFastest() {
    ActionSpec a = new ActionSpec(DIMS, "d", List.of(List.of(0, 0), List.of(2, 3)), "mask");
    assertTrue(a.hasValidCombinations());
    assertEquals("mask", a.maskObservation());
    assertEquals(0, a.flatIndex(0, 0));
    assertEquals(7, a.flatIndex(1, 3));
    assertEquals(11, a.flatIndex(2, 3));
    assertThrows(IllegalArgumentException.class, () -> a.flatIndex(1));
  }

  @Test
  void combinationsAreCopiedAndChecked() {
    List<Integer> c = new ArrayList<>(List.of(1, 2));
    ActionSpec a = new ActionSpec(DIMS, "d", List.of(c), null);
    c.set(0, 2);
    assertEquals(List.of(List.of(1, 2)), a.validCombinations(), "a defensive copy");
    assertEquals("", a.maskObservation(), "null means none");
    assertThrows(IllegalArgumentException.class, () -> new ActionSpec(DIMS, "d", List.of(List.of(1)), ""));
    assertThrows(IllegalArgumentException.class, () -> new ActionSpec(DIMS, "d", List.of(List.of(3, 0)), ""));
    assertThrows(IllegalArgumentException.class, () -> new ActionSpec(DIMS, "d", List.of(List.of(0, -1)), ""));
  }
}
