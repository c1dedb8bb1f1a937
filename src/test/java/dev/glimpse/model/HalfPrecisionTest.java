package dev.glimpse.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.glimpse.model.checkpoint.LlavaCheckpoint;
import dev.glimpse.model.generate.GenerationOptions;
import dev.glimpse.model.generate.GenerationRequest;
import dev.glimpse.model.generate.Generator;
import dev.glimpse.model.text.LlavaTokenizer;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The float16 path (the one GPUs run) computes the same model, to half precision. */
class HalfPrecisionTest {

  @Test
  void float16LogitsStayCloseToTransformersFloat32() {
    Fixture fixture = Fixture.llavaTinyA();
    try (LlavaCheckpoint checkpoint = LlavaCheckpoint.open(fixture.dir());
        LlavaModel model = LlavaModel.load(checkpoint, Device.cpu(), DataType.FLOAT16);
        LlavaTokenizer tokenizer =
            LlavaTokenizer.load(fixture.dir(), model.config().imageSeqLength());
        NDManager m = model.manager().newSubManager()) {
      assertEquals(DataType.FLOAT16, model.languageModel().embedDtype());
      float[] pixels = fixture.tensor("pixel_values");
      int size = pixels.length / fixture.cases();
      NDArray features =
          model.imageFeatures(
              m.create(Arrays.copyOf(pixels, size), new Shape(1, 3, 56, 56))
                  .toType(DataType.FLOAT16, false));
      double diff =
          Fixture.maxAbsDiff(
              features.toType(DataType.FLOAT32, false).toFloatArray(),
              Arrays.copyOf(fixture.tensor("image_features"), 16 * 64));
      System.out.printf("float16 image_features max abs diff %.3g%n", diff);
      assertTrue(diff < 2e-2, "float16 image features differ by " + diff);
      // decoding runs end to end in float16; logits come back as float32
      Generator generator = new Generator(model, tokenizer, Set.of(2));
      var g =
          generator
              .generate(
                  List.of(
                      GenerationRequest.ofPixels(
                          fixture.inputIds(0),
                          List.of(Arrays.copyOf(pixels, size)),
                          GenerationOptions.greedy(4))))
              .get(0);
      assertEquals(4, g.tokenIds().length);
    }
  }
}
