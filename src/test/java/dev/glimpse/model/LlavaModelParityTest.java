package dev.glimpse.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.glimpse.model.checkpoint.LlavaCheckpoint;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every intermediate of the forward pass equals what transformers computed, in float32 on CPU. */
class LlavaModelParityTest {
  private static final double TOLERANCE = 1e-4;
  private static Fixture fixture;
  private static LlavaCheckpoint checkpoint;
  private static LlavaModel model;

  @BeforeAll
  static void load() {
    fixture = Fixture.llavaTinyA();
    checkpoint = LlavaCheckpoint.open(fixture.dir());
    model = LlavaModel.load(checkpoint, Device.cpu(), DataType.FLOAT32);
  }

  @AfterAll
  static void close() {
    model.close();
    checkpoint.close();
  }

  private NDArray pixelValues(NDManager m) {
    return m.create(fixture.tensor("pixel_values"), new Shape(fixture.shape("pixel_values")));
  }

  @Test
  void visionEmbeddingsAreHiddenStateZeroAfterPreLayerNorm() {
    try (NDManager m = model.manager().newSubManager()) {
      List<NDArray> states = model.visionTower().hiddenStates(pixelValues(m), 0);
      double diff =
          Fixture.maxAbsDiff(states.get(0).toFloatArray(), fixture.tensor("vision_embeddings"));
      System.out.printf("vision_embeddings max abs diff %.3g%n", diff);
      assertTrue(diff <= TOLERANCE, "vision_embeddings differs by " + diff);
    }
  }

  @Test
  void selectedVisionFeaturesMatchTransformers() {
    try (NDManager m = model.manager().newSubManager()) {
      double diff =
          Fixture.maxAbsDiff(
              model.selectedVisionFeatures(pixelValues(m)).toFloatArray(),
              fixture.tensor("vision_selected"));
      System.out.printf("vision_selected max abs diff %.3g%n", diff);
      assertTrue(diff <= TOLERANCE, "vision_selected differs by " + diff);
    }
  }

  @Test
  void projectedImageFeaturesMatchTransformers() {
    try (NDManager m = model.manager().newSubManager()) {
      double diff =
          Fixture.maxAbsDiff(
              model.imageFeatures(pixelValues(m)).toFloatArray(), fixture.tensor("image_features"));
      System.out.printf("image_features max abs diff %.3g%n", diff);
      assertTrue(diff <= TOLERANCE, "image_features differs by " + diff);
    }
  }

  @Test
  void logitsOfEveryPositionMatchTransformers() {
    float[] pixels = fixture.tensor("pixel_values");
    int size = pixels.length / fixture.cases();
    for (int c = 0; c < fixture.cases(); c++) {
      float[] logits =
          dev.glimpse.model.generate.Generator.logitsOfEveryPosition(
              model,
              fixture.inputIds(c),
              List.of(java.util.Arrays.copyOfRange(pixels, c * size, (c + 1) * size)));
      double diff = Fixture.maxAbsDiff(logits, fixture.tensor("case" + c + ".logits_all"));
      System.out.printf("case %d logits_all max abs diff %.3g%n", c, diff);
      assertTrue(diff <= TOLERANCE, "case " + c + " logits differ by " + diff);
    }
  }
}
