package dev.glimpse.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.glimpse.model.checkpoint.CheckpointKeys;
import dev.glimpse.model.checkpoint.LlavaCheckpoint;
import dev.glimpse.model.checkpoint.LlavaSpec;
import dev.glimpse.train.shapes.ShapesVocabulary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The projector stage starts from what the earlier stages handed it and writes the checkpoint. */
class ProjectorStageTest {

  private static final String WEIGHT = CheckpointKeys.weight(CheckpointKeys.projectorLinear(1));
  private static final String BIAS = CheckpointKeys.bias(CheckpointKeys.projectorLinear(1));

  @TempDir Path tmp;

  @Test
  void theLinearProjectorStartsFromTheVisionHeadWithTheLanguageModelAsHandedOn() throws Exception {
    TrainingFixture f = new TrainingFixture(6, Duration.ofHours(1), 0);
    LlavaSpec spec = ShapesTrainer.spec(LlavaSpec.Projector.LINEAR);
    float[] head = filled(spec.text().hidden() * spec.vision().hidden(), 0.25f);
    float[] embeddings = filled(spec.text().vocab() * spec.text().hidden(), -0.5f);
    VisionStage.Trained vision =
        new VisionStage.Trained(
            Map.of(), Map.of(WEIGHT, head, BIAS, filled(spec.text().hidden(), 0.125f)), nothing(f));
    Path dir = tmp.resolve("linear");
    try (NDManager root = NDManager.newBaseManager()) {
      new ProjectorStage(f.settings, f.loop, f.probe, f.log)
          .train(
              root,
              vision,
              Map.of(CheckpointKeys.EMBED_TOKENS, embeddings),
              new ProjectorStage.Run(LlavaSpec.Projector.LINEAR, false, 0, dir));
    }
    try (LlavaCheckpoint checkpoint = LlavaCheckpoint.open(dir)) {
      assertArrayEquals(head, checkpoint.floats(CheckpointKeys.canonical(WEIGHT)));
      assertArrayEquals(
          embeddings, checkpoint.floats(CheckpointKeys.canonical(CheckpointKeys.EMBED_TOKENS)));
    }
    assertTrue(
        Files.readString(dir.resolve("tokenizer.json"))
            .contains("\"" + ShapesVocabulary.SHAPES.token(5) + "\""),
        "the shapes world's tokenizer replaces the placeholder one");
  }

  @Test
  void theBlindBaselineIgnoresTheVisionHeadAndIsStoredWithAZeroProjectorWeight() throws Exception {
    TrainingFixture f = new TrainingFixture(6, Duration.ofHours(1), 2);
    LlavaSpec spec = ShapesTrainer.spec(LlavaSpec.Projector.LINEAR);
    VisionStage.Trained vision =
        new VisionStage.Trained(
            Map.of(),
            Map.of(WEIGHT, filled(spec.text().hidden() * spec.vision().hidden(), 0.25f)),
            nothing(f));
    Path dir = tmp.resolve("blind");
    StageReport report;
    try (NDManager root = NDManager.newBaseManager()) {
      report =
          new ProjectorStage(f.settings, f.loop, f.probe, f.log)
              .train(root, vision, Map.of(), ProjectorStage.Run.blind(2, dir));
    }
    try (LlavaCheckpoint checkpoint = LlavaCheckpoint.open(dir)) {
      float[] stored = checkpoint.floats(CheckpointKeys.canonical(WEIGHT));
      assertEquals(spec.text().hidden() * spec.vision().hidden(), stored.length);
      for (float v : stored) {
        assertEquals(0f, v, 0f); // -0.0 too: the weight times zero
      }
    }
    assertEquals("blind", report.result().name());
    assertTrue(report.heldOut().isPresent(), report.toString());
    assertTrue(f.text.toString().contains("wrote " + dir), f.text.toString());
  }

  /** A report for a stage the test did not run. */
  private static StageReport nothing(TrainingFixture f) {
    return new Progress("vision", 0, f.log).finish();
  }

  private static float[] filled(int n, float value) {
    float[] a = new float[n];
    Arrays.fill(a, value);
    return a;
  }
}
