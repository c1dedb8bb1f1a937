package dev.glimpse.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.glimpse.model.checkpoint.CheckpointKeys;
import dev.glimpse.model.checkpoint.LlavaCheckpointWriter;
import dev.glimpse.model.checkpoint.LlavaSpec;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The language stage hands on exactly the language model, probed on held-out examples. */
class LanguageStageTest {

  @Test
  void itReturnsEveryLanguageModelWeightAndNothingElseWithItsHeldOutScores() {
    TrainingFixture f = new TrainingFixture(5, Duration.ofHours(1), 4);
    LanguageStage.Trained trained;
    try (NDManager root = NDManager.newBaseManager()) {
      trained = new LanguageStage(f.settings, f.loop, f.probe).train(root);
    }
    Set<String> text =
        LlavaCheckpointWriter.tensorShapes(ShapesTrainer.spec(LlavaSpec.Projector.LINEAR))
            .keySet()
            .stream()
            .filter(k -> k.startsWith(CheckpointKeys.TEXT))
            .collect(Collectors.toSet());
    assertEquals(text, trained.weights().keySet());
    assertEquals("language", trained.report().result().name());
    assertTrue(Double.isFinite(trained.report().result().lastLoss()), trained.report().toString());
    assertTrue(
        trained.report().heldOut().isPresent() && !trained.report().heldOut().get().isEmpty(),
        trained.report().toString());
    assertTrue(f.text.toString().contains("[language] step 2/2 loss"), f.text.toString());
  }
}
