package dev.glimpse.model.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.model.checkpoint.CheckpointException;
import org.junit.jupiter.api.Test;

/** A config.json the model cannot honour is refused when read, not when a prompt fails later. */
class LlavaConfigValidationTest {

  private static CheckpointException.Code codeOf(String json) {
    return assertThrows(
            CheckpointException.class, () -> LlavaConfig.parse(new ObjectMapper().readTree(json)))
        .code();
  }

  @Test
  void negativeImageTokenIsABadConfig() {
    // no prompt token could ever match it, so every image would fail as a token-count mismatch
    assertEquals(
        CheckpointException.Code.BAD_CONFIG,
        codeOf("{\"model_type\": \"llava\", \"image_token_index\": -1}"));
  }

  @Test
  void featureLayerOutsideTheTowerIsABadConfig() {
    assertEquals(
        CheckpointException.Code.BAD_CONFIG,
        codeOf(
            "{\"model_type\": \"llava\", \"vision_config\": {\"num_hidden_layers\": 3}, \"vision_feature_layer\": -5}"));
  }

  @Test
  void unknownSelectStrategyIsABadConfig() {
    assertEquals(
        CheckpointException.Code.BAD_CONFIG,
        codeOf("{\"model_type\": \"llava\", \"vision_feature_select_strategy\": \"pooled\"}"));
  }
}
