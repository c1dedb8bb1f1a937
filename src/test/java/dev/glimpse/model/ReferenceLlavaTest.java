package dev.glimpse.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The plain-Java reference reproduces transformers on the fixture, so that agreeing with it on
 * checkpoints transformers never ran means agreeing with transformers.
 */
class ReferenceLlavaTest {
  private static final double TOLERANCE = 1e-4;
  private static Fixture fixture;
  private static ReferenceLlava reference;
  private static float[] pixels;

  @BeforeAll
  static void load() {
    fixture = Fixture.llavaTinyA();
    reference = ReferenceLlava.load(fixture.dir());
    pixels = fixture.tensor("pixel_values");
  }

  private static float[] image(int c) {
    int size = reference.pixelsPerImage();
    return Arrays.copyOfRange(pixels, c * size, (c + 1) * size);
  }

  private static float[] slice(float[] all, int c, int cases) {
    int size = all.length / cases;
    return Arrays.copyOfRange(all, c * size, (c + 1) * size);
  }

  @Test
  void visionEmbeddingsAndSelectedFeaturesMatchTransformers() {
    float[] embeddings = fixture.tensor("vision_embeddings");
    float[] selected = fixture.tensor("vision_selected");
    float[] projected = fixture.tensor("image_features");
    for (int c = 0; c < fixture.cases(); c++) {
      double e =
          Fixture.maxAbsDiff(
              reference.visionHiddenStates(image(c)).get(0), slice(embeddings, c, fixture.cases()));
      double s =
          Fixture.maxAbsDiff(
              reference.selectedVisionFeatures(image(c)), slice(selected, c, fixture.cases()));
      double p =
          Fixture.maxAbsDiff(
              reference.imageFeatures(image(c)), slice(projected, c, fixture.cases()));
      System.out.printf(
          "reference case %d: vision_embeddings %.3g, vision_selected %.3g, image_features %.3g%n",
          c, e, s, p);
      assertTrue(
          e <= TOLERANCE && s <= TOLERANCE && p <= TOLERANCE,
          "case " + c + ": " + e + ", " + s + ", " + p);
    }
  }

  @Test
  void logitsOfEveryPositionMatchTransformers() {
    for (int c = 0; c < fixture.cases(); c++) {
      double diff =
          Fixture.maxAbsDiff(
              reference.logits(fixture.inputIds(c), image(c)),
              fixture.tensor("case" + c + ".logits_all"));
      System.out.printf("reference case %d logits_all max abs diff %.3g%n", c, diff);
      assertTrue(diff <= TOLERANCE, "case " + c + " logits differ by " + diff);
    }
  }

  @Test
  void greedyDecodingMatchesTransformersGenerate() {
    for (int c = 0; c < fixture.cases(); c++) {
      int[] expected = fixture.generatedIds(c);
      int[] actual = reference.greedy(fixture.inputIds(c), image(c), expected.length, 2);
      assertTrue(Arrays.equals(expected, actual), "case " + c + ": " + Arrays.toString(actual));
    }
  }
}
