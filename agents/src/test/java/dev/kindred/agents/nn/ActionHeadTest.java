package dev.kindred.agents.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.ActionDimension;
import dev.kindred.env.ActionSpec;
import dev.kindred.env.Autoreset;
import dev.kindred.env.DType;
import dev.kindred.env.RewardSpec;
import dev.kindred.env.Scope;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.StepBatch;
import dev.kindred.env.TensorSpec;
import dev.kindred.env.WorldSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The joint, masked action head: its combinations, its masks, and the distribution it samples. */
class ActionHeadTest {
  static final List<ActionDimension> DIMS = List.of(new ActionDimension("action", "", 3, List.of()),
      new ActionDimension("argument", "", 4, List.of()));
  /** action 0 ignores its argument; action 1 takes 0..3; action 2 takes 0..1. */
  static final List<List<Integer>> VALID = List.of(List.of(0, 0), List.of(1, 0), List.of(1, 1), List.of(1, 2),
      List.of(1, 3), List.of(2, 0), List.of(2, 1));

  @Test
  void oneLogitPerValidCombinationOrPerCombinationWhenNoneAreListed() {
    ActionHead all = new ActionHead(new ActionSpec(DIMS, ""));
    assertEquals(12, all.size());
    assertArrayEquals(new int[] {0, 0}, all.combination(0));
    assertArrayEquals(new int[] {1, 2}, all.combination(6), "row-major over the dimensions");
    ActionHead valid = new ActionHead(new ActionSpec(DIMS, "", VALID, "mask"));
    assertEquals(7, valid.size());
    assertEquals("mask", valid.maskObservation());
    int[] a = new int[2];
    for (int k = 0; k < valid.size(); k++) {
      valid.decode(k, a, 0);
      assertEquals(k, valid.encode(a, 0));
    }
    assertEquals(-1, valid.encode(new int[] {0, 3}, 0), "an undefined argument is no combination");
    assertThrows(IllegalArgumentException.class,
        () -> new ActionHead(new ActionSpec(DIMS, "", List.of(List.of(1, 4)), "")));
    assertThrows(IllegalArgumentException.class, () -> new ActionHead(new ActionSpec(List.of(
        new ActionDimension("x", "", 100, List.of()), new ActionDimension("y", "", 100, List.of())), "")));
  }

  @Test
  void masksAreReadFromTheMaskObservationByProductIndex() {
    ActionHead head = new ActionHead(new ActionSpec(DIMS, "", VALID, "mask"));
    StepBatch batch = batchWithMask(2, 1);
    // Agent 0: (1, 2) and (2, 1) can succeed; agent 1: nothing (treated as everything).
    batch.observation("mask").put(1 * 4 + 2, (byte) 1).put(2 * 4 + 1, (byte) 1);
    byte[] masks = new byte[2 * 7 + 1];
    head.readMasks(batch, 2, masks, 1);
    assertArrayEquals(new byte[] {0, 0, 0, 0, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1}, masks);
    // Without the mask observation every combination is allowed.
    ActionHead unmasked = new ActionHead(new ActionSpec(DIMS, "", VALID, ""));
    byte[] all = new byte[14];
    unmasked.readMasks(batch, 2, all, 0);
    for (byte b : all) {
      assertEquals(1, b);
    }
  }

  @Test
  void samplingNeverTakesAMaskedCombinationAndFollowsTheMaskedSoftmax() {
    ActionHead head = new ActionHead(new ActionSpec(DIMS, "", VALID, "mask"));
    int n = head.size();
    float[] logits = {2.0f, 1.5f, -1f, 0.3f, 3f, 0.7f, 0f};
    byte[] mask = {1, 0, 1, 1, 0, 1, 0};
    // Reference: the softmax over the allowed combinations only.
    double z = 0;
    for (int k = 0; k < n; k++) {
      z += mask[k] * Math.exp(logits[k]);
    }
    int draws = 200_000;
    int[] counts = new int[n];
    int[] combo = new int[1];
    int[] action = new int[2];
    float[] logp = new float[1];
    SplitMix random = new SplitMix(5);
    for (int i = 0; i < draws; i++) {
      head.sample(logits, mask, 0, 1, random, false, combo, action, logp);
      int k = combo[0];
      assertEquals(1, mask[k], "sampled a masked combination");
      assertArrayEquals(head.combination(k), action);
      assertEquals(Math.log(Math.exp(logits[k]) / z), logp[0], 1e-5, "log-probability under the masked softmax");
      counts[k]++;
    }
    for (int k = 0; k < n; k++) {
      double p = mask[k] * Math.exp(logits[k]) / z;
      double sd = Math.sqrt(draws * p * (1 - p));
      assertEquals(draws * p, counts[k], 5 * sd + 1e-9, "frequency of combination " + k);
    }
    // Greedy: the most probable allowed combination (3.0 at index 4 is masked out).
    head.sample(logits, mask, 0, 1, random, true, combo, action, logp);
    assertEquals(0, combo[0]);
    assertNotEquals(4, combo[0]);
  }

  @Test
  void divergedLogitsAreAClearError() {
    ActionHead head = new ActionHead(new ActionSpec(DIMS, "", VALID, ""));
    float[] logits = new float[7];
    java.util.Arrays.fill(logits, Float.NaN);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> head.sample(logits, null, 0, 1, new SplitMix(1), false, null, new int[2], null));
    assertTrue(e.getMessage().contains("not finite"), e.getMessage());
  }

  private static StepBatch batchWithMask(int agents, int copies) {
    TensorSpec mask = new TensorSpec("mask", "", DType.UINT8, new int[] {12}, Scope.AGENT, 0.0, 1.0, List.of());
    WorldSpec world = new WorldSpec("w", java.util.Collections.nCopies(agents, "a"), List.of(mask),
        new ActionSpec(DIMS, "", VALID, "mask"), new RewardSpec("", null, null), 10, false, "", List.of(), Map.of());
    return StepBatch.forSpec(new SessionSpec(world, copies, Autoreset.NEXT_STEP, Map.of()));
  }
}
