package dev.kindred.env;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StepBatchTest {

  @Test
  void typedReadersConvertEveryDType() {
    DType[] types = {DType.UINT8, DType.INT8, DType.INT32, DType.FLOAT32, DType.FLOAT64, DType.INT64};
    String[] names = {"u8", "i8", "i32", "f32", "f64", "i64"};
    List<TensorSpec> specs = new ArrayList<>();
    for (int i = 0; i < types.length; i++) {
      specs.add(new TensorSpec(names[i], "", types[i], new int[] {2}, Scope.COPY, null, null, List.of()));
    }
    StepBatch b = new StepBatch(1, 1, specs, false);
    b.observation(0).put(0, (byte) 255).put(1, (byte) 7);
    b.observation(1).put(0, (byte) -3).put(1, (byte) 7);
    b.observation(2).putInt(0, -70000).putInt(4, 7);
    b.observation(3).putFloat(0, -1.5f).putFloat(4, 7f);
    b.observation(4).putDouble(0, 0.25).putDouble(8, 7);
    b.observation(5).putLong(0, -9).putLong(8, 7);
    float[][] expected = {{255, 7}, {-3, 7}, {-70000, 7}, {-1.5f, 7}, {0.25f, 7}, {-9, 7}};
    for (int i = 0; i < types.length; i++) {
      float[] dst = new float[2];
      assertArrayEquals(expected[i], b.observationAsFloats(b.observationName(i), dst));
      double[] d = b.observationAsDoubles(b.observationName(i), null);
      assertEquals(expected[i][0], (float) d[0]);
    }
    assertArrayEquals(new int[] {255, 7}, b.observationAsInts("u8", null));
    assertThrows(IllegalArgumentException.class, () -> b.observationAsInts("f32", null));
    assertThrows(IllegalArgumentException.class, () -> b.observationAsFloats("u8", new float[3]));
  }

  @Test
  void forSpecLaysOutPerAgentAndPerCopyTensors() {
    TensorSpec perAgent = new TensorSpec("echo", "", DType.FLOAT32, new int[] {}, Scope.AGENT, null, null, List.of());
    TensorSpec perCopy = new TensorSpec("mean", "", DType.FLOAT64, new int[] {5}, Scope.COPY, null, null, List.of());
    WorldSpec world = new WorldSpec("w", List.of("a", "b", "c"), List.of(perAgent, perCopy),
        new ActionSpec(List.of(new ActionDimension("x", "", 2, List.of())), ""), new RewardSpec("", null, null),
        10, false, "", List.of(), Map.of());
    StepBatch b = StepBatch.forSpec(new SessionSpec(world, 2, Autoreset.SAME_STEP, Map.of()));
    assertEquals(2 * 3 * 4, b.observation("echo").capacity());
    assertEquals(2 * 5 * 8, b.observation("mean").capacity());
    assertEquals(DType.FLOAT64, b.observationDType(1));
    assertEquals(2 * 3 * 4, b.finalObservation(0).capacity());
    assertEquals(2 * 3, b.rewards().length);
  }

  @Test
  void aBlockRemembersItsLastWriterUntilTheBatchForgets() {
    TensorSpec t = new TensorSpec("t", "", DType.UINT8, new int[] {2}, Scope.COPY, null, null, List.of());
    StepBatch b = new StepBatch(2, 1, List.of(t, t), false);
    Object one = new Object();
    Object two = new Object();
    assertEquals(false, b.claimObservationBlock(0, 0, one), "never written");
    assertEquals(true, b.claimObservationBlock(0, 0, one));
    assertEquals(false, b.claimObservationBlock(0, 1, one), "another copy's block");
    assertEquals(false, b.claimObservationBlock(1, 0, one), "another observation's block");
    assertEquals(false, b.claimObservationBlock(0, 0, two), "written by someone else since");
    assertEquals(false, b.claimObservationBlock(0, 0, one));
    assertEquals(true, b.claimObservationBlock(0, 0, one));
    b.forgetObservationWriters();
    assertEquals(false, b.claimObservationBlock(0, 0, one), "forgotten");
    assertEquals(false, b.claimObservationBlock(0, 1, one));
  }
}
