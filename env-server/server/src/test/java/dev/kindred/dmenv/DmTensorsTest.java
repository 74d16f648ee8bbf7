package dev.kindred.dmenv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.kindred.dmenv.proto.DataType;
import dev.kindred.dmenv.proto.Tensor;
import dev.kindred.dmenv.proto.TensorSpec;
import dev.kindred.env.Config;
import dev.kindred.env.DType;
import dev.kindred.env.EnvException;
import dev.kindred.env.WorldRegistry;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Tensor packing, dm_env_rpc's shape rules and settings conversion. */
class DmTensorsTest {

  private static Tensor ints(int[] shape, int... values) {
    Tensor.Builder b = Tensor.newBuilder();
    for (int v : values) {
      b.getInt32SBuilder().addArray(v);
    }
    for (int d : shape) {
      b.addShape(d);
    }
    return b.build();
  }

  @Test
  void shapeRules() {
    assertArrayEquals(new int[0], DmTensors.resolveShape(ints(new int[0], 5), "t"));
    assertArrayEquals(new int[] {2, 3}, DmTensors.resolveShape(ints(new int[] {2, 3}, 1, 2, 3, 4, 5, 6), "t"));
    assertArrayEquals(new int[] {3, 2}, DmTensors.resolveShape(ints(new int[] {-1, 2}, 1, 2, 3, 4, 5, 6), "t"));
    // A single element broadcasts; a variable dimension then becomes 1.
    assertArrayEquals(new int[] {4, 4}, DmTensors.resolveShape(ints(new int[] {4, 4}, 7), "t"));
    assertArrayEquals(new int[] {1, 4}, DmTensors.resolveShape(ints(new int[] {-1, 4}, 7), "t"));
    assertThrows(EnvException.class, () -> DmTensors.resolveShape(ints(new int[0], 1, 2), "t"));
    assertThrows(EnvException.class, () -> DmTensors.resolveShape(ints(new int[] {-1, -1}, 1, 2, 3, 4), "t"));
    assertThrows(EnvException.class, () -> DmTensors.resolveShape(ints(new int[] {-1, 4}, 1, 2, 3), "t"));
    assertThrows(EnvException.class, () -> DmTensors.resolveShape(ints(new int[] {2, 2}, 1, 2, 3), "t"));
    EnvException e = assertThrows(EnvException.class,
        () -> DmTensors.resolveShape(Tensor.getDefaultInstance(), "actions.x"));
    assertTrue(e.getMessage().startsWith("actions.x: "), e.getMessage());
  }

  /** Found by ServerFuzzTest: a broadcast to a shape whose size overflowed was INTERNAL (Illegal Capacity). */
  @Test
  void hugeAndOverflowingShapesAreInvalidArgument() {
    int big = 1 << 30;
    for (int[] shape : new int[][] {{big, big, big}, {big, 8}, {65536, 65536, 65536, 65536, 3}}) {
      EnvException e = assertThrows(EnvException.class, () -> DmTensors.resolveShape(ints(shape, 1), "settings.x"));
      assertEquals(EnvException.Kind.INVALID_ARGUMENT, e.kind());
      assertTrue(e.getMessage().contains("broadcasts one value to"), e.getMessage());
    }
    assertArrayEquals(new int[] {1024, 1024}, DmTensors.resolveShape(ints(new int[] {1024, 1024}, 1), "t"));
    // Large but holdable broadcasts resolve; the settings' value limit refuses them (DmLimitsTest).
    assertArrayEquals(new int[] {20000, 20000}, DmTensors.resolveShape(ints(new int[] {20000, 20000}, 1), "t"));
    // 2^64 * 3 wrapped to 0 and matched an empty payload.
    Tensor empty = Tensor.newBuilder().setInt32S(Tensor.Int32Array.getDefaultInstance())
        .addAllShape(java.util.List.of(65536, 65536, 65536, 65536, 3)).build();
    EnvException e = assertThrows(EnvException.class, () -> DmTensors.resolveShape(empty, "t"));
    assertTrue(e.getMessage().contains("more than 2^63 elements"), e.getMessage());
    assertThrows(EnvException.class, () -> DmTensors.resolveShape(ints(new int[] {-1, big, big, big}, 1, 2), "t"));
    assertArrayEquals(new int[] {0, big, big, big, big}, DmTensors.resolveShape(Tensor.newBuilder()
        .setInt32S(Tensor.Int32Array.getDefaultInstance()).addAllShape(java.util.List.of(0, big, big, big, big)).build(),
        "t"));
  }

  @Test
  void packingRoundTripsEveryDtype() {
    ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    b.put(0, (byte) -3).put(1, (byte) 200);
    Tensor i8 = DmTensors.pack(DType.INT8, b, 0, 2, new int[] {2});
    assertEquals(List.of(-3L, -56L), DmTensors.values(i8, "t"));
    Tensor u8 = DmTensors.pack(DType.UINT8, b, 0, 2, new int[] {2});
    assertEquals(List.of(253L, 200L), DmTensors.values(u8, "t"));
    assertEquals(List.of(2), u8.getShapeList());

    b.putInt(0, -7).putInt(4, Integer.MAX_VALUE);
    assertEquals(List.of(-7L, (long) Integer.MAX_VALUE),
        DmTensors.values(DmTensors.pack(DType.INT32, b, 0, 2, new int[] {2}), "t"));
    b.putLong(8, Long.MIN_VALUE);
    assertEquals(List.of(Long.MIN_VALUE), DmTensors.values(DmTensors.pack(DType.INT64, b, 8, 1, new int[0]), "t"));
    b.putFloat(16, 0.1f).putFloat(20, -2.5f);
    Tensor f = DmTensors.pack(DType.FLOAT32, b, 16, 2, new int[] {1, 2});
    assertEquals(List.of(0.1f, -2.5f), f.getFloats().getArrayList());
    assertEquals(List.of(0.1, -2.5), DmTensors.values(f, "t")); // float read through its shortest decimal
    b.putDouble(24, Math.PI);
    assertEquals(List.of(Math.PI), DmTensors.pack(DType.FLOAT64, b, 24, 1, new int[0]).getDoubles().getArrayList());

    for (DType d : DType.values()) {
      assertEquals(DmTensors.dataType(d), DmTensors.dataType(DmTensors.pack(d, b, 0, 1, new int[0])));
    }
  }

  @Test
  void specBoundsUseTheSpecsOwnType() {
    TensorSpec s = DmTensors.spec("s", DataType.INT8, new int[] {3}, -1.0, 1.0);
    assertEquals(ByteString.copyFrom(new byte[] {-1}), s.getMin().getInt8S().getArray());
    assertEquals(ByteString.copyFrom(new byte[] {1}), s.getMax().getInt8S().getArray());
    TensorSpec f = DmTensors.spec("f", DataType.FLOAT, new int[0], null, 0.0);
    assertTrue(!f.hasMin());
    assertEquals(0f, f.getMax().getFloats().getArray(0));
    assertEquals(255, DmTensors.spec("u", DataType.UINT8, new int[0], 0.0, 255.0).getMax().getUint8S().getArray()
        .byteAt(0) & 0xff);
  }

  @Test
  void settingsBecomeAWorldConfiguration() {
    WorldRegistry registry = WorldRegistry.builtIn();
    Tensor matrix = Tensor.newBuilder().setDoubles(Tensor.DoubleArray.newBuilder()
        .addArray(0).addArray(1).addArray(1).addArray(0)).addShape(2).addShape(2).build();
    Tensor controlled = Tensor.newBuilder().setUint8S(Tensor.Uint8Array.newBuilder()
        .setArray(ByteString.copyFrom(new byte[] {1}))).build(); // a scalar for a list: a list of one
    DmSettings.Creation c = DmSettings.create(Map.of(
        "world", Tensor.newBuilder().setStrings(Tensor.StringArray.newBuilder().addArray("spin.boltzmann")).build(),
        "seed", Tensor.newBuilder().setUint64S(Tensor.Uint64Array.newBuilder().addArray(-1L)).build(),
        "couplings", matrix,
        "controlled", controlled,
        "beta", Tensor.newBuilder().setFloats(Tensor.FloatArray.newBuilder().addArray(0.3f)).build()), registry,
        Long.MAX_VALUE);
    assertEquals("spin.boltzmann", c.type().id());
    assertEquals(-1L, c.seed()); // uint64 max keeps its bits
    Config config = c.config();
    assertArrayEquals(new double[][] {{0, 1}, {1, 0}}, config.getMatrix("couplings"));
    assertArrayEquals(new long[] {1}, config.getLongList("controlled"));
    assertEquals(0.3, config.getDouble("beta"));

    // No default world: leaving it out is an error that names the worlds.
    EnvException noWorld = assertThrows(EnvException.class, () -> DmSettings.create(Map.of(), registry,
        Long.MAX_VALUE));
    assertTrue(noWorld.getMessage().startsWith("settings.world: required"), noWorld.getMessage());
    for (String id : registry.ids()) {
      assertTrue(noWorld.getMessage().contains(id), noWorld.getMessage());
    }
    EnvException noWorldWithConfig = assertThrows(EnvException.class, () -> DmSettings.create(Map.of(
        "width", ints(new int[0], 4)), registry, Long.MAX_VALUE));
    assertTrue(noWorldWithConfig.getMessage().startsWith("settings.world: required"), noWorldWithConfig.getMessage());
    assertEquals("spin.lattice", DmSettings.create(Map.of("world", DmClient.string("spin.lattice")), registry,
        Long.MAX_VALUE).type().id());
    EnvException unknown = assertThrows(EnvException.class, () -> DmSettings.create(Map.of(
        "world", DmClient.string("spin.lattice"), "nope", Tensor.newBuilder().setBools(Tensor.BoolArray.newBuilder().addArray(true)).build()), registry,
        Long.MAX_VALUE));
    assertTrue(unknown.getMessage().startsWith("settings.nope: unknown setting"), unknown.getMessage());
    EnvException range = assertThrows(EnvException.class, () -> DmSettings.create(Map.of(
        "world", DmClient.string("spin.lattice"), "width", ints(new int[0], 1)), registry, Long.MAX_VALUE));
    assertTrue(range.getMessage().startsWith("settings.width: "), range.getMessage());
    assertThrows(EnvException.class,
        () -> DmSettings.create(Map.of("world", DmClient.string("spin.lattice"),
            "width", ints(new int[] {2}, 4, 4)), registry, Long.MAX_VALUE));
    EnvException seed = assertThrows(EnvException.class, () -> DmSettings.create(Map.of("world",
        DmClient.string("spin.lattice"), "seed", Tensor.newBuilder()
        .setStrings(Tensor.StringArray.newBuilder().addArray("7")).build()), registry, Long.MAX_VALUE));
    assertTrue(seed.getMessage().startsWith("settings.seed"), seed.getMessage());
  }
}
