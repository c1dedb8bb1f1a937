package dev.glimpse.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glimpse.model.checkpoint.CheckpointException;
import dev.glimpse.model.checkpoint.LlavaCheckpoint;
import dev.glimpse.model.checkpoint.LlavaCheckpointWriter;
import dev.glimpse.model.checkpoint.LlavaSpec;
import dev.glimpse.model.checkpoint.RandomLlava;
import dev.glimpse.model.checkpoint.SafetensorsFile;
import dev.glimpse.model.checkpoint.SafetensorsWriter;
import dev.glimpse.model.checkpoint.TensorDType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * However a checkpoint stores its weights (F32, F16, BF16, shards, either key layout) the model
 * computes the same function of the stored values; checkpoints it cannot run are refused with a
 * code that says why.
 */
class CheckpointStorageTest {
  private static final double TOLERANCE = 1e-4;
  private static final long SEED = 21;

  /** GQA and a layer list, so a mix-up of shards or names cannot hide behind symmetric shapes. */
  private static final LlavaSpec SPEC = LlavaSpec.tiny().withFeatureLayers(List.of(-3, -1), false);

  @TempDir Path dir;

  private static float[] logitsOf(Path checkpointDir, int[] ids, float[] pixels) {
    try (LlavaCheckpoint checkpoint = LlavaCheckpoint.open(checkpointDir);
        LlavaModel model = LlavaModel.load(checkpoint, Device.cpu(), DataType.FLOAT32)) {
      return ModelRuns.logits(model, ids, pixels);
    }
  }

  static Stream<Arguments> storages() {
    return Stream.of(
        Arguments.of(TensorDType.F32, 1),
        Arguments.of(TensorDType.F16, 1),
        Arguments.of(TensorDType.BF16, 1),
        Arguments.of(TensorDType.F32, 3),
        Arguments.of(TensorDType.BF16, 3));
  }

  @ParameterizedTest(name = "{0} in {1} file(s)")
  @MethodSource("storages")
  void storedWeightsGiveTheLogitsOfTheReferenceFedTheSameStoredValues(TensorDType dtype, int shards)
      throws IOException {
    LlavaSpec spec = SPEC.withStorage(dtype, shards);
    List<SafetensorsWriter.Tensor> weights = RandomLlava.weights(spec, SEED);
    Path stored = dir.resolve("stored");
    LlavaCheckpointWriter.write(stored, spec, weights);
    // the reference reads float32 weights rounded in Java to what the stored dtype holds
    List<SafetensorsWriter.Tensor> rounded = new ArrayList<>();
    for (SafetensorsWriter.Tensor w : weights) {
      float[] values = w.values().clone();
      for (int i = 0; i < values.length; i++) {
        values[i] = SafetensorsWriter.round(values[i], dtype);
      }
      rounded.add(new SafetensorsWriter.Tensor(w.name(), w.shape(), values));
    }
    Path widened = dir.resolve("widened");
    LlavaCheckpointWriter.write(widened, SPEC, rounded);

    if (shards > 1) {
      assertTrue(Files.exists(stored.resolve("model.safetensors.index.json")));
      assertTrue(Files.notExists(stored.resolve("model.safetensors")));
    }
    var config = LlavaCheckpointWriter.config(spec);
    int[] ids = ModelRuns.prompt(config, 1, 3, 4);
    float[] pixels = ModelRuns.pixels(config, 2);
    float[] expected = ReferenceLlava.load(widened).logits(ids, pixels);
    double diff = Fixture.maxAbsDiff(logitsOf(stored, ids, pixels), expected);
    System.out.printf(
        "[%s x%d] logits max abs diff vs reference on the widened values %.3g%n",
        dtype, shards, diff);
    assertTrue(diff <= TOLERANCE, dtype + " in " + shards + " files: logits differ by " + diff);
    if (dtype != TensorDType.F32) {
      double rounding =
          Fixture.maxAbsDiff(expected, ReferenceLlava.load(writeF32(weights)).logits(ids, pixels));
      System.out.printf(
          "[%s x%d] (the rounding itself moves the logits by %.3g)%n", dtype, shards, rounding);
      assertTrue(
          rounding > diff, "the comparison must be able to tell rounded weights from exact ones");
    }
  }

  private Path writeF32(List<SafetensorsWriter.Tensor> weights) {
    Path exact = dir.resolve("exact");
    LlavaCheckpointWriter.write(exact, SPEC, weights);
    return exact;
  }

  @Test
  void modelPrefixedKeysOfNewerTransformersLoadTheSameAsLegacyKeys() {
    Path legacy = dir.resolve("legacy");
    Path prefixed = dir.resolve("prefixed");
    List<SafetensorsWriter.Tensor> weights = RandomLlava.weights(SPEC, SEED);
    LlavaCheckpointWriter.write(legacy, SPEC, weights, LlavaCheckpointWriter.KeyLayout.LEGACY);
    LlavaCheckpointWriter.write(
        prefixed, SPEC, weights, LlavaCheckpointWriter.KeyLayout.MODEL_PREFIXED);
    try (SafetensorsFile f = SafetensorsFile.open(prefixed.resolve("model.safetensors"))) {
      assertTrue(f.contains("lm_head.weight"));
      assertTrue(f.contains("model.language_model.layers.0.self_attn.q_proj.weight"));
      assertTrue(f.contains("model.vision_tower.vision_model.encoder.layers.0.mlp.fc1.weight"));
      assertTrue(f.contains("model.multi_modal_projector.linear_2.bias"));
    }
    var config = LlavaCheckpointWriter.config(SPEC);
    int[] ids = ModelRuns.prompt(config, 1, 3, 4);
    float[] pixels = ModelRuns.pixels(config, 2);
    double diff =
        Fixture.maxAbsDiff(logitsOf(prefixed, ids, pixels), logitsOf(legacy, ids, pixels));
    assertEquals(0.0, diff, "the same weights under other names are the same model");
  }

  @Test
  void directoryWithOnlyPickleWeightsIsRefused() throws IOException {
    RandomLlava.write(dir, SPEC, SEED);
    Files.delete(dir.resolve("model.safetensors"));
    Files.write(dir.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2, 'c', 'o', 's', '\n'});
    CheckpointException e =
        assertThrows(CheckpointException.class, () -> LlavaCheckpoint.open(dir));
    assertEquals(CheckpointException.Code.PICKLE_REFUSED, e.code());
  }

  @Test
  void missingConfigIsAMissingFile() throws IOException {
    RandomLlava.write(dir, SPEC, SEED);
    Files.delete(dir.resolve("config.json"));
    CheckpointException e =
        assertThrows(CheckpointException.class, () -> LlavaCheckpoint.open(dir));
    assertEquals(CheckpointException.Code.MISSING_FILE, e.code());
  }

  @Test
  void otherModelTypeIsUnsupported() throws IOException {
    RandomLlava.write(dir, SPEC, SEED);
    ObjectNode config = LlavaCheckpointWriter.configJson(SPEC);
    config.put("model_type", "blip");
    new ObjectMapper().writeValue(dir.resolve("config.json").toFile(), config);
    CheckpointException e =
        assertThrows(CheckpointException.class, () -> LlavaCheckpoint.open(dir));
    assertEquals(CheckpointException.Code.UNSUPPORTED_MODEL_TYPE, e.code());
  }

  @Test
  void weightOfTheWrongShapeIsAShapeMismatch() {
    RandomLlava.write(dir, SPEC, SEED);
    // up_proj (intermediate, hidden) stored transposed: same element count, wrong shape
    String name = "language_model.model.layers.1.mlp.up_proj.weight";
    List<SafetensorsWriter.Tensor> weights = new ArrayList<>();
    for (SafetensorsWriter.Tensor w : RandomLlava.weights(SPEC, SEED)) {
      long[] s = w.shape();
      weights.add(
          w.name().equals(name)
              ? new SafetensorsWriter.Tensor(name, new long[] {s[1], s[0]}, w.values())
              : w);
    }
    SafetensorsWriter.write(dir.resolve("model.safetensors"), weights, TensorDType.F32);
    try (LlavaCheckpoint checkpoint = LlavaCheckpoint.open(dir)) {
      CheckpointException e =
          assertThrows(
              CheckpointException.class,
              () -> LlavaModel.load(checkpoint, Device.cpu(), DataType.FLOAT32).close());
      assertEquals(CheckpointException.Code.SHAPE_MISMATCH, e.code());
      assertTrue(e.getMessage().contains(name), e.getMessage());
    }
  }
}
