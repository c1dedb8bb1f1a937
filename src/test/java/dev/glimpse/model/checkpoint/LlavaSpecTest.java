package dev.glimpse.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glimpse.model.config.LlavaConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A spec refuses the feature layers a config.json would be refused for, by the same rule. */
class LlavaSpecTest {

  private static final String OUTSIDE =
      "vision_feature_layer 4 is outside the tower's 4 hidden states";

  @Test
  void aFeatureLayerOutsideTheTowerIsRefusedByTheSpecAsByTheConfig() {
    LlavaSpec tiny = LlavaSpec.tiny(); // 3 encoder layers: hidden states -4..3
    IllegalArgumentException spec =
        assertThrows(
            IllegalArgumentException.class, () -> tiny.withFeatureLayers(List.of(-1, 4), false));
    assertEquals(OUTSIDE, spec.getMessage());

    ObjectNode json = LlavaCheckpointWriter.configJson(tiny);
    json.put("vision_feature_layer", 4);
    CheckpointException config =
        assertThrows(CheckpointException.class, () -> LlavaConfig.parse(json));
    assertEquals(CheckpointException.Code.BAD_CONFIG, config.code());
    assertTrue(config.getMessage().contains(OUTSIDE), config.getMessage());
  }

  @Test
  void noFeatureLayerIsRefused() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> LlavaSpec.tiny().withFeatureLayers(List.of(), false));
    assertEquals("vision_feature_layer is empty", e.getMessage());
  }

  @Test
  void everyHiddenStateOfTheTowerIsAFeatureLayer() {
    for (int layer = -4; layer <= 3; layer++) {
      assertEquals(
          List.of(layer),
          LlavaSpec.tiny().withFeatureLayers(List.of(layer), false).featureLayers());
    }
  }
}
