package dev.glimpse.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files written here read back through SafetensorsFile bit for bit, in the layout the Rust crate
 * writes.
 */
class SafetensorsWriterTest {

  @TempDir Path dir;

  private static List<SafetensorsWriter.Tensor> sample() {
    return List.of(
        new SafetensorsWriter.Tensor(
            "b.weight", new long[] {2, 3}, new float[] {1, -2, 3.5f, 0, 1e-3f, -7}),
        new SafetensorsWriter.Tensor("a.bias", new long[] {3}, new float[] {0.1f, 0.2f, 0.3f}),
        new SafetensorsWriter.Tensor("c.scalar", new long[] {}, new float[] {42}));
  }

  @Test
  void float32FileReadsBackWithShapesValuesAndPtMetadata() throws IOException {
    Path file = dir.resolve("x.safetensors");
    SafetensorsWriter.write(file, sample(), TensorDType.F32);
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      assertEquals(
          List.of("a.bias", "b.weight", "c.scalar"), new ArrayList<>(f.tensors().keySet()));
      assertEquals(Map.of("format", "pt"), f.metadata());
      for (SafetensorsWriter.Tensor t : sample()) {
        assertEquals(TensorDType.F32, f.info(t.name()).dtype());
        assertArrayEquals(t.shape(), f.info(t.name()).shape());
        assertArrayEquals(t.values(), f.floats(t.name()));
      }
    }
    byte[] bytes = Files.readAllBytes(file);
    long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(0, headerLength % 8, "the header is padded so tensor data starts 8-byte aligned");
    String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
    assertTrue(header.startsWith("{\"__metadata__\":{\"format\":\"pt\"}"), header);
    assertTrue(
        header.substring(header.lastIndexOf('}') + 1).chars().allMatch(c -> c == ' '),
        "padded with spaces");
    assertEquals(8 + headerLength + 4 * (6 + 3 + 1), bytes.length);
  }

  @Test
  void halfAndBfloatFilesHoldTheRoundedValues() {
    for (TensorDType dtype : List.of(TensorDType.F16, TensorDType.BF16)) {
      Path file = dir.resolve(dtype + ".safetensors");
      SafetensorsWriter.write(file, sample(), dtype, Map.of());
      try (SafetensorsFile f = SafetensorsFile.open(file)) {
        assertTrue(f.metadata().isEmpty());
        for (SafetensorsWriter.Tensor t : sample()) {
          assertEquals(dtype, f.info(t.name()).dtype());
          float[] expected = t.values().clone();
          for (int i = 0; i < expected.length; i++) {
            expected[i] = SafetensorsWriter.round(expected[i], dtype);
          }
          assertArrayEquals(expected, f.floats(t.name()), dtype + " " + t.name());
        }
      }
    }
  }

  @Test
  void halfRoundsToNearestEvenWithSubnormalsAndOverflow() {
    assertEquals(0x3C00, SafetensorsWriter.toHalf(1f) & 0xFFFF);
    assertEquals(
        0x3C00,
        SafetensorsWriter.toHalf(1f + 0x1p-11f) & 0xFFFF,
        "a tie goes to the even neighbour");
    assertEquals(
        0x3C02,
        SafetensorsWriter.toHalf(1f + 3 * 0x1p-11f) & 0xFFFF,
        "a tie goes to the even neighbour");
    assertEquals(0x7BFF, SafetensorsWriter.toHalf(65519f) & 0xFFFF);
    assertEquals(
        0x7C00,
        SafetensorsWriter.toHalf(65520f) & 0xFFFF,
        "past the largest half rounds to infinity");
    assertEquals(0xFC00, SafetensorsWriter.toHalf(Float.NEGATIVE_INFINITY) & 0xFFFF);
    assertTrue(Float.isNaN(SafetensorsWriter.round(Float.NaN, TensorDType.F16)));
    assertEquals(
        0x0000,
        SafetensorsWriter.toHalf(0x1p-25f) & 0xFFFF,
        "half the smallest subnormal ties to zero");
    assertEquals(0x0001, SafetensorsWriter.toHalf(0x1.01p-25f) & 0xFFFF);
    assertEquals(0x8001, SafetensorsWriter.toHalf(-0x1p-24f) & 0xFFFF);
    assertEquals(
        0x0400,
        SafetensorsWriter.toHalf(0x1.ffcp-15f) & 0xFFFF,
        "the largest subnormal rounds up to normal");
    // every rounded value is the nearest half, ties to even, from below the subnormals to 65000
    SplittableRandom random = new SplittableRandom(1);
    for (int i = 0; i < 200_000; i++) {
      float f =
          (float) ((random.nextBoolean() ? 1 : -1) * Math.pow(2, random.nextDouble(-27, 15.99)));
      short h = SafetensorsWriter.toHalf(f);
      double a = SafetensorsFile.Float32.halfToFloat(h);
      int magnitude = h & 0x7FFF;
      int sign = h & 0x8000;
      double below =
          magnitude == 0
              ? -a
              : SafetensorsFile.Float32.halfToFloat((short) (sign | (magnitude - 1)));
      double above = SafetensorsFile.Float32.halfToFloat((short) (sign | (magnitude + 1)));
      double err = Math.abs(f - a);
      assertTrue(err <= Math.abs(f - below) && err <= Math.abs(f - above), f + " → " + a);
      if (err == Math.abs(f - below) || err == Math.abs(f - above)) {
        assertEquals(0, magnitude & 1, "tie of " + f + " went to an odd half");
      }
    }
  }

  @Test
  void bfloatRoundsToNearestEven() {
    assertEquals(0x3F80, SafetensorsWriter.toBfloat16(1f) & 0xFFFF);
    assertEquals(
        0x3F80,
        SafetensorsWriter.toBfloat16(1f + 0x1p-8f) & 0xFFFF,
        "a tie goes to the even neighbour");
    assertEquals(
        0x3F82,
        SafetensorsWriter.toBfloat16(1f + 3 * 0x1p-8f) & 0xFFFF,
        "a tie goes to the even neighbour");
    assertEquals(0x3F81, SafetensorsWriter.toBfloat16(1f + 0x1.2p-8f) & 0xFFFF);
    assertEquals(
        0x7F80,
        SafetensorsWriter.toBfloat16(Float.MAX_VALUE) & 0xFFFF,
        "rounds past the largest to infinity");
    assertTrue(Float.isNaN(SafetensorsWriter.round(Float.NaN, TensorDType.BF16)));
  }

  @Test
  void shardedOutputSplitsEveryTensorIntoExactlyOneShardAndIndexesIt() throws IOException {
    List<SafetensorsWriter.Tensor> tensors = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      float[] values = new float[10 * (i + 1)];
      java.util.Arrays.fill(values, i);
      tensors.add(new SafetensorsWriter.Tensor("t" + i, new long[] {values.length}, values));
    }
    List<Path> files = SafetensorsWriter.writeSharded(dir, tensors, TensorDType.BF16, 3);
    assertEquals(
        List.of(
            dir.resolve("model-00001-of-00003.safetensors"),
            dir.resolve("model-00002-of-00003.safetensors"),
            dir.resolve("model-00003-of-00003.safetensors")),
        files);
    JsonNode index =
        new ObjectMapper().readTree(dir.resolve(SafetensorsWriter.INDEX_FILE).toFile());
    assertEquals(
        2L * 10 * (1 + 2 + 3 + 4 + 5 + 6 + 7), index.path("metadata").path("total_size").asLong());
    JsonNode map = index.path("weight_map");
    assertEquals(7, map.size());
    int seen = 0;
    for (Path file : files) {
      try (SafetensorsFile f = SafetensorsFile.open(file)) {
        assertFalse(f.tensors().isEmpty(), file + " is empty");
        for (String name : f.tensors().keySet()) {
          assertEquals(file.getFileName().toString(), map.path(name).asText());
          seen++;
        }
      }
    }
    assertEquals(7, seen);
    for (Iterator<String> it = map.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      assertTrue(name.matches("t[0-6]"));
    }
  }

  @Test
  void tensorWhoseValuesDoNotFillItsShapeIsRefused() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new SafetensorsWriter.Tensor("x", new long[] {2, 2}, new float[3]));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            SafetensorsWriter.write(
                dir.resolve("x"),
                List.of(
                    new SafetensorsWriter.Tensor("x", new long[] {1}, new float[1]),
                    new SafetensorsWriter.Tensor("x", new long[] {1}, new float[1])),
                TensorDType.F32));
  }
}
