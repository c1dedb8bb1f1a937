package dev.glimpse.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.glimpse.model.checkpoint.CheckpointKeys;
import dev.glimpse.model.checkpoint.LlavaCheckpointWriter;
import dev.glimpse.model.checkpoint.LlavaSpec;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The vision stage trains the tower (not the post-layernorm LLaVA never reads) and its head. */
class VisionStageTest {

  @Test
  void theTowerTrainsItsUnreadPostLayerNormStaysAndItsHeadIsTheProjectorsStart() {
    TrainingFixture f = new TrainingFixture(5, Duration.ofHours(1), 0);
    LlavaSpec spec = ShapesTrainer.spec(LlavaSpec.Projector.LINEAR);
    VisionStage.Trained trained;
    try (NDManager root = NDManager.newBaseManager()) {
      trained = new VisionStage(f.settings, f.loop).train(root, Map.of());
    }
    Map<String, long[]> shapes = LlavaCheckpointWriter.tensorShapes(spec);
    Set<String> tower =
        shapes.keySet().stream()
            .filter(k -> k.startsWith(CheckpointKeys.VISION))
            .collect(Collectors.toSet());
    assertEquals(tower, trained.tower().keySet());
    float[] postNorm = trained.tower().get(CheckpointKeys.weight(CheckpointKeys.POST_LAYER_NORM));
    assertTrue(allEqual(postNorm, 1f), "an untrained norm keeps its initial ones");
    float[] preNorm = trained.tower().get(CheckpointKeys.weight(CheckpointKeys.PRE_LAYER_NORM));
    assertFalse(allEqual(preNorm, 1f), "the norm the features pass through is trained");

    String weight = CheckpointKeys.weight(CheckpointKeys.projectorLinear(1));
    String bias = CheckpointKeys.bias(CheckpointKeys.projectorLinear(1));
    assertEquals(Set.of(weight, bias), trained.projectorStart().keySet());
    assertEquals(
        Arrays.stream(shapes.get(weight)).reduce(1, (a, b) -> a * b),
        trained.projectorStart().get(weight).length);
    assertEquals(spec.text().hidden(), trained.projectorStart().get(bias).length);
    assertTrue(trained.report().heldOut().isEmpty(), "the tower is probed through the projector");
  }

  private static boolean allEqual(float[] values, float value) {
    for (float v : values) {
      if (v != value) {
        return false;
      }
    }
    return true;
  }
}
