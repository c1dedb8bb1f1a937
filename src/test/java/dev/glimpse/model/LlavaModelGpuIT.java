package dev.glimpse.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import dev.glimpse.model.generate.Generation;
import dev.glimpse.model.generate.GenerationOptions;
import dev.glimpse.model.generate.GenerationRequest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * The fixture's parity on a GPU, where the PyTorch engine sees one (skipped elsewhere): float32
 * gives transformers' greedy tokens as one batch; float16, the precision GPUs run, decodes the
 * whole batch to the end.
 */
@EnabledIf("gpuPresent")
class LlavaModelGpuIT {

  static boolean gpuPresent() {
    return Engine.getInstance().getGpuCount() > 0;
  }

  private static List<GenerationRequest> batch(VisionLanguageModel vlm, Fixture fixture) throws Exception {
    List<GenerationRequest> requests = new ArrayList<>();
    for (int c = 0; c < fixture.cases(); c++) {
      byte[] image = java.nio.file.Files.readAllBytes(fixture.image(c));
      requests.add(GenerationRequest.ofPixels(fixture.inputIds(c), List.of(vlm.pixelValues(image)),
          GenerationOptions.greedy(12)));
    }
    return requests;
  }

  @Test
  void float32OnTheGpuGivesTheReferenceTokens() throws Exception {
    Fixture fixture = Fixture.llavaTinyA();
    var options = new VisionLanguageModel.Options(Device.gpu(), DataType.FLOAT32,
        dev.glimpse.model.image.ImageLimits.defaults(), false);
    try (VisionLanguageModel vlm = VisionLanguageModel.load(fixture.dir(), options)) {
      List<Generation> out = vlm.generate(batch(vlm, fixture));
      for (int c = 0; c < fixture.cases(); c++) {
        assertArrayEquals(fixture.batchedGeneratedIds().get(c), out.get(c).tokenIds(), "case " + c);
      }
    }
  }

  @Test
  void float16OnTheGpuDecodesTheBatch() throws Exception {
    Fixture fixture = Fixture.llavaTinyA();
    var options = new VisionLanguageModel.Options(Device.gpu(), DataType.FLOAT16,
        dev.glimpse.model.image.ImageLimits.defaults(), false);
    try (VisionLanguageModel vlm = VisionLanguageModel.load(fixture.dir(), options)) {
      List<Generation> out = vlm.generate(batch(vlm, fixture));
      assertEquals(fixture.cases(), out.size());
      out.forEach(g -> assertTrue(g.tokenIds().length > 0));
    }
  }
}
