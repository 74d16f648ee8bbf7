package dev.kindred.server;

import static dev.kindred.server.Harness.assertStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.energy.EnergyWorldType;
import dev.kindred.env.spin.SpinLatticeType;
import dev.kindred.proto.v1.ListWorldsRequest;
import dev.kindred.proto.v1.ListWorldsResponse;
import dev.kindred.proto.v1.WorldInfo;
import io.grpc.Status;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ListWorlds in full, as a summary, and for chosen worlds. */
class ListWorldsTest {
  @Test
  void summaryIsSmallAndFilteringKeepsTheAskedOrder() {
    try (Harness h = Harness.inProcess(Harness.testConfig().build(), System::nanoTime, new EnergyWorldType.S3(),
        new SpinLatticeType())) {
      ListWorldsResponse full = h.stub.listWorlds(ListWorldsRequest.getDefaultInstance());
      ListWorldsResponse summary = h.stub.listWorlds(ListWorldsRequest.newBuilder().setSummary(true).build());
      assertEquals(full.getWorldsList().stream().map(WorldInfo::getId).toList(),
          summary.getWorldsList().stream().map(WorldInfo::getId).toList());
      for (int i = 0; i < full.getWorldsCount(); i++) {
        WorldInfo f = full.getWorlds(i);
        WorldInfo s = summary.getWorlds(i);
        assertEquals(f.getTitle(), s.getTitle());
        assertTrue(f.getDescription().startsWith(s.getDescription()), s.getId());
        assertTrue(!s.getDescription().isEmpty() && s.getDescription().length() <= 400, s.getDescription());
        assertEquals(0, s.getParametersCount());
        assertTrue(!s.hasDefaultConfig());
        assertTrue(f.getParametersCount() > 0);
      }
      assertTrue(summary.getSerializedSize() * 5 < full.getSerializedSize(),
          summary.getSerializedSize() + " vs " + full.getSerializedSize());

      ListWorldsResponse two = h.stub.listWorlds(ListWorldsRequest.newBuilder()
          .addWorldIds("spin.lattice").addWorldIds("energy.s3").build());
      assertEquals(List.of("spin.lattice", "energy.s3"), two.getWorldsList().stream().map(WorldInfo::getId).toList());
      assertEquals(full.getWorldsList().stream().filter(w -> w.getId().equals("energy.s3")).findFirst().orElseThrow(),
          two.getWorlds(1));

      assertStatus(Status.Code.NOT_FOUND,
          () -> h.stub.listWorlds(ListWorldsRequest.newBuilder().addWorldIds("energy.nope").build()),
          "unknown world 'energy.nope'", "spin.lattice");
      assertStatus(Status.Code.INVALID_ARGUMENT,
          () -> h.stub.listWorlds(ListWorldsRequest.newBuilder()
              .addAllWorldIds(Collections.nCopies(257, "energy.s3")).build()), "at most 256");
    }
  }
}
