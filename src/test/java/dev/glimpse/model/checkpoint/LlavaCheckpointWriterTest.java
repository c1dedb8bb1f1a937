package dev.glimpse.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.model.config.LlavaConfig;
import dev.glimpse.model.config.TextConfig;
import dev.glimpse.model.config.VisionConfig;
import dev.glimpse.model.text.LlavaTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A written directory is a checkpoint whose config, weights and tokenizer say what the spec says.
 */
class LlavaCheckpointWriterTest {

  @TempDir Path dir;

  private static final LlavaSpec OTHER =
      LlavaSpec.tiny()
          .withVision(new LlavaSpec.Vision(48, 2, 3, 96, 64, 16))
          .withText(new LlavaSpec.Text(48, 3, 6, 3, 80, 500, 128, 1e6, 12))
          .withFeatureLayers(List.of(-3, -1), true)
          .withProjector(LlavaSpec.Projector.LINEAR)
          .withTiedEmbeddings(true)
          .withImageTokenId(321)
          .withStorage(TensorDType.BF16, 2);

  @Test
  void writtenConfigReadsBackAsTheSpec() {
    RandomLlava.write(dir, OTHER, 1);
    LlavaConfig config = LlavaConfig.read(dir);
    VisionConfig v = config.vision();
    assertEquals(
        List.of(48, 2, 3, 96, 64, 16, 3),
        List.of(
            v.hiddenSize(),
            v.numHiddenLayers(),
            v.numAttentionHeads(),
            v.intermediateSize(),
            v.imageSize(),
            v.patchSize(),
            v.numChannels()));
    TextConfig t = config.text();
    assertEquals(
        List.of(48, 3, 6, 3, 80, 500, 128, 12),
        List.of(
            t.hiddenSize(),
            t.numHiddenLayers(),
            t.numAttentionHeads(),
            t.numKeyValueHeads(),
            t.intermediateSize(),
            t.vocabSize(),
            t.maxPositionEmbeddings(),
            t.headDim()));
    assertEquals(1e6, t.rope().theta());
    assertTrue(t.tieWordEmbeddings());
    assertEquals(List.of(1, 2, 3), List.of(t.bosTokenId(), t.eosTokenId(), t.padTokenId()));
    assertEquals(List.of(-3, -1), config.visionFeatureLayers());
    assertTrue(config.keepClassToken());
    assertEquals(321, config.imageTokenId());
    assertEquals(17, config.imageSeqLength());
    assertEquals(OTHER.imageSeqLength(), config.imageSeqLength());
  }

  @Test
  void configJsonHasTheLlavaHfLayout() throws IOException {
    RandomLlava.write(dir, OTHER, 1);
    JsonNode c = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
    assertEquals("llava", c.path("model_type").asText());
    assertEquals("clip_vision_model", c.path("vision_config").path("model_type").asText());
    assertEquals("llama", c.path("text_config").path("model_type").asText());
    assertEquals(1e6, c.path("text_config").path("rope_parameters").path("rope_theta").asDouble());
    assertEquals("full", c.path("vision_feature_select_strategy").asText());
    assertTrue(c.path("vision_feature_layer").isArray());
    assertEquals("gelu", c.path("projector_hidden_act").asText());
    assertTrue(c.path("multimodal_projector_bias").asBoolean());
    assertEquals(17, c.path("image_seq_length").asInt());
    assertEquals("bfloat16", c.path("dtype").asText());
    JsonNode p = new ObjectMapper().readTree(dir.resolve("preprocessor_config.json").toFile());
    assertEquals("CLIPImageProcessor", p.path("image_processor_type").asText());
    assertEquals(64, p.path("crop_size").path("height").asInt());
    assertEquals(64, p.path("crop_size").path("width").asInt());
    assertEquals(64, p.path("size").path("shortest_edge").asInt());
  }

  @Test
  void shardsHoldEveryTensorOfTheSpecInItsDtypeAndSingleLinearProjectorWritesOnlyLinear1() {
    RandomLlava.write(dir, OTHER, 1);
    try (LlavaCheckpoint checkpoint = LlavaCheckpoint.open(dir)) {
      for (var e : LlavaCheckpointWriter.tensorShapes(OTHER).entrySet()) {
        String canonical = CheckpointKeys.canonical(e.getKey());
        assertArrayEquals(e.getValue(), checkpoint.info(canonical).shape(), e.getKey());
        assertEquals(TensorDType.BF16, checkpoint.info(canonical).dtype());
      }
      assertTrue(checkpoint.has("projector.linear_1.weight"));
      assertFalse(checkpoint.has("projector.linear_2.weight"));
      assertFalse(checkpoint.has("text.lm_head.weight"), "tied embeddings write no lm_head");
    }
  }

  @Test
  void tokenizerExpandsTheImagePlaceholderAndDecodesWords() {
    RandomLlava.write(dir, OTHER, 1);
    try (LlavaTokenizer tokenizer = LlavaTokenizer.load(dir, OTHER.imageSeqLength())) {
      int[] ids = tokenizer.encodePrompt("t7 <image> t499 t12");
      int[] expected = new int[1 + 1 + 17 + 2];
      expected[0] = 1;
      expected[1] = 7;
      Arrays.fill(expected, 2, 19, 321);
      expected[19] = 499;
      expected[20] = 12;
      assertArrayEquals(expected, ids);
      assertEquals("t8 t9", tokenizer.decode(new int[] {8, 9, 2}));
    }
  }

  @Test
  void weightsThatDoNotMatchTheSpecAreNotWritten() {
    LlavaSpec spec = LlavaSpec.tiny();
    List<SafetensorsWriter.Tensor> weights = new ArrayList<>(RandomLlava.weights(spec, 1));
    SafetensorsWriter.Tensor last = weights.remove(weights.size() - 1);
    assertThrows(
        IllegalArgumentException.class, () -> LlavaCheckpointWriter.write(dir, spec, weights));
    weights.add(
        new SafetensorsWriter.Tensor(
            last.name(), new long[] {last.values().length}, last.values()));
    assertThrows(
        IllegalArgumentException.class, () -> LlavaCheckpointWriter.write(dir, spec, weights));
  }

  @Test
  void randomWeightsAreReproducibleFromTheSeedAndLookInitialised() {
    LlavaSpec spec = LlavaSpec.tiny();
    List<SafetensorsWriter.Tensor> a = RandomLlava.weights(spec, 5);
    List<SafetensorsWriter.Tensor> b = RandomLlava.weights(spec, 5);
    List<SafetensorsWriter.Tensor> c = RandomLlava.weights(spec, 6);
    for (int i = 0; i < a.size(); i++) {
      assertArrayEquals(a.get(i).values(), b.get(i).values(), a.get(i).name());
      assertFalse(Arrays.equals(a.get(i).values(), c.get(i).values()), a.get(i).name());
    }
    for (SafetensorsWriter.Tensor t : a) {
      double mean = 0;
      for (float x : t.values()) {
        mean += x;
      }
      mean /= t.values().length;
      if (t.name().endsWith("norm.weight")
          || t.name().contains("layer_norm") && t.name().endsWith(".weight")
          || t.name().contains("layrnorm.weight")) {
        assertEquals(1.0, mean, 0.1, t.name());
      } else {
        assertEquals(0.0, mean, 0.05, t.name());
      }
    }
    // tying the embeddings removes lm_head and leaves every other tensor as it was
    List<SafetensorsWriter.Tensor> tied = RandomLlava.weights(spec.withTiedEmbeddings(true), 5);
    assertEquals(a.size() - 1, tied.size());
    for (SafetensorsWriter.Tensor t : tied) {
      SafetensorsWriter.Tensor same =
          a.stream().filter(x -> x.name().equals(t.name())).findFirst().orElseThrow();
      assertArrayEquals(same.values(), t.values(), t.name());
    }
  }
}
