package dev.glimpse.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelIdTest {
  private static final String TEMPLATE = "LLAVA_1_5";

  private static Path copyOfFixture(Path to) throws IOException {
    Path from = Fixture.llavaTinyA().dir();
    try (Stream<Path> files = Files.list(from)) {
      for (Path f : files.toList()) {
        Files.copy(f, to.resolve(f.getFileName()));
      }
    }
    return to;
  }

  @Test
  void theSameCheckpointHasTheSameIdWhereverItLies(@TempDir Path dir) throws IOException {
    String id = ModelId.of(Fixture.llavaTinyA().dir(), TEMPLATE, false);
    assertEquals(id, ModelId.of(copyOfFixture(dir), TEMPLATE, false));
    assertTrue(id.matches("llava-[0-9a-f]{12}"), id);
  }

  @Test
  void changedWeightsOrConfigGiveAnotherId(@TempDir Path dir) throws IOException {
    Path copy = copyOfFixture(dir);
    String before = ModelId.of(copy, TEMPLATE, false);
    byte[] weights = Files.readAllBytes(copy.resolve("model.safetensors"));
    weights[weights.length - 1] ^= 1;
    Files.write(copy.resolve("model.safetensors"), weights);
    String retrained = ModelId.of(copy, TEMPLATE, false);
    assertNotEquals(before, retrained, "one changed weight byte");
    Files.writeString(
        copy.resolve("preprocessor_config.json"),
        Files.readString(copy.resolve("preprocessor_config.json")).replace("}", ",\"x\":1}"));
    assertNotEquals(retrained, ModelId.of(copy, TEMPLATE, false), "another preprocessing");
  }

  @Test
  void servingOptionsThatChangeAnswersChangeTheId() {
    Path dir = Fixture.llavaTinyA().dir();
    assertNotEquals(
        ModelId.of(dir, TEMPLATE, false), ModelId.of(dir, TEMPLATE, true), "pad to square");
    assertNotEquals(
        ModelId.of(dir, TEMPLATE, false), ModelId.of(dir, "OTHER", false), "prompt template");
  }

  @Test
  void aLargeWeightFileIsSampledNotReadWholeAndStillSeesAChangedBlock(@TempDir Path dir)
      throws IOException {
    Path big = dir.resolve("model.safetensors");
    byte[] block = new byte[1 << 20];
    try (var out = Files.newOutputStream(big)) {
      for (int i = 0; i < (ModelId.WHOLE_FILE_BYTES >> 20) + 8; i++) {
        block[0] = (byte) i;
        out.write(block);
      }
    }
    String before = ModelId.of(dir, TEMPLATE, false);
    try (var channel =
        java.nio.channels.FileChannel.open(big, java.nio.file.StandardOpenOption.WRITE)) {
      channel.write(java.nio.ByteBuffer.wrap(new byte[] {42}), 5); // inside the header block
    }
    assertNotEquals(before, ModelId.of(dir, TEMPLATE, false));
  }
}
