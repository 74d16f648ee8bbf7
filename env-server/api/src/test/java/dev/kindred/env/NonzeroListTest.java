package dev.kindred.env;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class NonzeroListTest {

  @Test
  void entriesAddedOneByOneOrStoredInBulkReadBackInOrder() {
    NonzeroList list = new NonzeroList();
    for (int k = 0; k < 100; k++) { // past the first growth (64 entries)
      list.add(3 * k, (byte) (k + 1));
    }
    list.reserve(1000);
    assertTrue(list.values().length >= 1100, "room for the reserved entries past the count");
    byte[] offsets = list.offsets();
    byte[] values = list.values();
    ByteBuffer le = ByteBuffer.wrap(offsets).order(ByteOrder.LITTLE_ENDIAN);
    for (int k = 100; k < 1100; k++) { // stored straight into the arrays, as a world's listing does
      le.putInt(4 * k, 3 * k);
      values[k] = (byte) (k + 1);
    }
    list.setCount(1100);
    assertEquals(1100, list.count());
    for (int k = 0; k < 1100; k++) {
      assertEquals(3 * k, list.offset(k), "offset of entry " + k);
      assertEquals((byte) (k + 1), list.values()[k], "value of entry " + k);
    }
    // The protocol's layout: uint32 little-endian offsets, four bytes per entry.
    assertArrayEquals(new byte[] {3, 0, 0, 0}, Arrays.copyOfRange(list.offsets(), 4, 8));
  }

  @Test
  void clearKeepsTheArraysAndBadCountsAreRefused() {
    NonzeroList list = new NonzeroList();
    list.add(5, (byte) 9);
    byte[] values = list.values();
    list.clear();
    assertEquals(0, list.count());
    list.add(7, (byte) 2);
    assertEquals(values, list.values(), "no new array for a list refilled within its room");
    assertEquals(7, list.offset(0));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> list.setCount(values.length + 1));
    assertTrue(e.getMessage().contains("outside the list's room"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> list.setCount(-1));
    assertThrows(IllegalArgumentException.class, () -> list.reserve(Integer.MAX_VALUE));
  }
}
