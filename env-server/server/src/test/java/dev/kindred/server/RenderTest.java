package dev.kindred.server;

import static dev.kindred.server.Harness.assertStatus;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.Autoreset;
import dev.kindred.env.BatchedEnv;
import dev.kindred.env.WorldRenderer;
import dev.kindred.env.WorldType;
import dev.kindred.env.energy.EnergyWorldType;
import dev.kindred.env.spin.SpinLatticeType;
import dev.kindred.proto.v1.AutoresetMode;
import dev.kindred.proto.v1.CreateSessionRequest;
import dev.kindred.proto.v1.RenderFormat;
import dev.kindred.proto.v1.RenderRequest;
import dev.kindred.proto.v1.RenderResponse;
import dev.kindred.protocol.Protos;
import io.grpc.Status;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Render draws a copy as it is between steps — the same pixels and text the world's own renderer
 * draws for the same seed and actions — and refuses what it cannot draw, before any drawing.
 */
class RenderTest {
  static final Map<String, Object> ENERGY = Map.of("max_steps", 50.0, "kinship", "teams", "groups", 2.0);

  private static String create(Harness h, String world, int copies, long seed, Map<String, Object> config) {
    return h.stub.createSession(CreateSessionRequest.newBuilder().setWorldId(world).setNumCopies(copies).setSeed(seed)
        .setConfig(Protos.toStruct(config)).setAutoreset(AutoresetMode.AUTORESET_NEXT_STEP).build()).getSessionId();
  }

  private static RenderRequest.Builder request(String id, int copy) {
    return RenderRequest.newBuilder().setSessionId(id).setCopy(copy);
  }

  /** The same world, seed and actions driven locally: its renderer is the reference. */
  private static BatchedEnv local(WorldType type, Map<String, Object> config, int copies, long seed) {
    BatchedEnv env = new BatchedEnv(type.create(type.schema().resolve(config), copies), Autoreset.NEXT_STEP, seed,
        List.of());
    env.reset(null, null);
    return env;
  }

  @Test
  void energyFramesAndTextAreTheWorldsOwnAfterEveryStep() {
    WorldType type = new EnergyWorldType.S3();
    try (Harness h = Harness.inProcess(Harness.testConfig().build(), System::nanoTime, type)) {
      String id = create(h, "energy.s3", 2, 11, ENERGY);
      h.reset(id);
      BatchedEnv local = local(type, ENERGY, 2, 11);
      int agents = local.spec().agentNames().size();
      String previousText = null;
      for (int t = 0; t < 4; t++) {
        for (int copy = 0; copy < 2; copy++) {
          RenderResponse rgb = h.stub.render(request(id, copy).build());
          WorldRenderer.Frame want = local.renderer().rgb(copy, 16);
          assertEquals(want.width(), rgb.getWidth());
          assertEquals(want.height(), rgb.getHeight());
          assertEquals(rgb.getWidth() * rgb.getHeight() * 3, rgb.getRgb().size());
          assertArrayEquals(want.rgb(), rgb.getRgb().toByteArray(), "copy " + copy + " after " + t + " steps");
          String text = h.stub.render(request(id, copy).setFormat(RenderFormat.RENDER_FORMAT_TEXT).build()).getText();
          assertEquals(local.renderer().text(copy), text);
          if (copy == 0) {
            assertNotEquals(previousText, text, "the picture follows the world");
            previousText = text;
          }
        }
        int[] actions = new int[2 * agents * 2];
        for (int i = 0; i < actions.length; i += 2) {
          actions[i] = 1 + (t + i) % 3; // move / rotate / use: something changes
          actions[i + 1] = (t * 7 + i) % 4;
        }
        h.step(id, actions);
        local.step(actions);
      }
      RenderResponse small = h.stub.render(request(id, 1).setCellPixels(4).build());
      assertEquals(local.renderer().rgb(1, 4).width(), small.getWidth());
    }
  }

  @Test
  void spinFramesColourEachSpinAndMarkTheControlledOnes() {
    WorldType type = new SpinLatticeType();
    Map<String, Object> config = Map.of("width", 6.0, "height", 5.0, "controlled", List.of(0.0, 7.0));
    try (Harness h = Harness.inProcess(Harness.testConfig().build(), System::nanoTime, type)) {
      String id = create(h, "spin.lattice", 1, 5, config);
      h.reset(id);
      RenderResponse r = h.stub.render(request(id, 0).setCellPixels(3).build());
      assertEquals(18, r.getWidth());
      assertEquals(15, r.getHeight());
      String text = h.stub.render(request(id, 0).setFormat(RenderFormat.RENDER_FORMAT_TEXT).build()).getText();
      String[] lines = text.split("\n");
      assertTrue(lines[0].startsWith("step 0 magnetisation "), lines[0]);
      assertEquals(6, lines.length, text);
      byte[] px = r.getRgb().toByteArray();
      for (int y = 0; y < 5; y++) {
        for (int x = 0; x < 6; x++) {
          char c = lines[1 + y].charAt(x);
          int i = y * 6 + x;
          assertTrue((i == 0 || i == 7) == (c == 'U' || c == 'D'), "controlled sites are U/D: " + text);
          // The corner pixel of a cell carries the spin's colour (the controlled mark is central).
          int p = ((y * 3) * 18 + x * 3) * 3;
          int colour = (px[p] & 0xff) << 16 | (px[p + 1] & 0xff) << 8 | (px[p + 2] & 0xff);
          boolean up = c == '+' || c == 'U';
          assertEquals(up ? 0xd1495b : 0x2e86ab, colour, "site " + i);
          int centre = ((y * 3 + 1) * 18 + x * 3 + 1) * 3;
          boolean marked = (px[centre] & 0xff) == 0xff && (px[centre + 1] & 0xff) == 0xff;
          assertEquals(i == 0 || i == 7, marked, "site " + i + " mark");
        }
      }
    }
  }

  @Test
  void whatCannotBeDrawnIsRefusedPrecisely() {
    WorldType type = new EnergyWorldType.S3();
    try (Harness h = Harness.inProcess(Harness.testConfig().maxMessageBytes(256 * 1024).build(), System::nanoTime,
        type)) {
      String id = create(h, "energy.s3", 2, 1, ENERGY);
      h.reset(id);
      assertStatus(Status.Code.INVALID_ARGUMENT, () -> h.stub.render(request(id, 2).setCellPixels(4).build()),
          "copy 2 is out of range", "2 copies");
      assertStatus(Status.Code.INVALID_ARGUMENT, () -> h.stub.render(request(id, 0).setCellPixels(65).build()),
          "cell_pixels must be in 4..64");
      assertStatus(Status.Code.INVALID_ARGUMENT, () -> h.stub.render(request(id, 0).setCellPixels(2).build()),
          "cell_pixels must be in 4..64");
      assertStatus(Status.Code.INVALID_ARGUMENT, () -> h.stub.render(request(id, 0).setCellPixels(32).build()),
          "262144-byte message limit", "the largest that fits is 8");
      assertStatus(Status.Code.INVALID_ARGUMENT,
          () -> h.stub.render(request(id, 0).setFormatValue(7).build()), "unknown render format 7");
      assertStatus(Status.Code.NOT_FOUND,
          () -> h.stub.render(request("0123456789abcdef0123456789abcdef", 0).build()));
      String counter = h.session(1, 1);
      assertStatus(Status.Code.FAILED_PRECONDITION, () -> h.stub.render(request(counter, 0).build()),
          "has no renderer");
      // Nothing was disturbed: the session still steps from where it was.
      assertEquals(1, h.step(id, new int[2 * 2 * local(type, ENERGY, 2, 1).spec().agentNames().size()])
          .getSessionStep());
    }
  }
}
