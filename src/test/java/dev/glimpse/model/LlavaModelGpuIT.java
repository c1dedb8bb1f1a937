package dev.glimpse.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import dev.glimpse.model.generate.Generation;
import dev.glimpse.model.generate.GenerationOptions;
import dev.glimpse.model.generate.GenerationRequest;
import dev.glimpse.model.generate.SharedPrefix;
import dev.glimpse.model.image.ImageLimits;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * The fixture's parity on a GPU, where the PyTorch engine sees one (skipped elsewhere): float32
 * gives transformers' greedy tokens as one batch; float16, the precision GPUs run, gives the tokens
 * float16 gives on the CPU; a shared prefix gives the whole prompts' tokens.
 */
@EnabledIf(
    value = "gpuPresent",
    disabledReason = "no CUDA GPU visible to the PyTorch engine (getGpuCount() is 0)")
class LlavaModelGpuIT {

  static boolean gpuPresent() {
    return Engine.getInstance().getGpuCount() > 0;
  }

  private static List<GenerationRequest> batch(VisionLanguageModel vlm, Fixture fixture)
      throws Exception {
    List<GenerationRequest> requests = new ArrayList<>();
    for (int c = 0; c < fixture.cases(); c++) {
      byte[] image = Files.readAllBytes(fixture.image(c));
      requests.add(
          GenerationRequest.ofPixels(
              fixture.inputIds(c), List.of(vlm.pixelValues(image)), GenerationOptions.greedy(12)));
    }
    return requests;
  }

  @Test
  void float32OnTheGpuGivesTheReferenceTokens() throws Exception {
    Fixture fixture = Fixture.llavaTinyA();
    var options =
        new VisionLanguageModel.Options(
            Device.gpu(), DataType.FLOAT32, ImageLimits.defaults(), false);
    try (VisionLanguageModel vlm = VisionLanguageModel.load(fixture.dir(), options)) {
      List<Generation> out = vlm.generate(batch(vlm, fixture));
      for (int c = 0; c < fixture.cases(); c++) {
        assertArrayEquals(fixture.batchedGeneratedIds().get(c), out.get(c).tokenIds(), "case " + c);
      }
    }
  }

  @Test
  void float16OnTheGpuGivesTheTokensFloat16GivesOnTheCpu() throws Exception {
    Fixture fixture = Fixture.llavaTinyA();
    var gpu =
        new VisionLanguageModel.Options(
            Device.gpu(), DataType.FLOAT16, ImageLimits.defaults(), false);
    var cpu =
        new VisionLanguageModel.Options(
            Device.cpu(), DataType.FLOAT16, ImageLimits.defaults(), false);
    List<Generation> onCpu;
    try (VisionLanguageModel vlm = VisionLanguageModel.load(fixture.dir(), cpu)) {
      onCpu = vlm.generate(batch(vlm, fixture));
    }
    try (VisionLanguageModel vlm = VisionLanguageModel.load(fixture.dir(), gpu)) {
      List<Generation> onGpu = vlm.generate(batch(vlm, fixture));
      assertEquals(fixture.cases(), onGpu.size());
      for (int c = 0; c < fixture.cases(); c++) {
        assertArrayEquals(onCpu.get(c).tokenIds(), onGpu.get(c).tokenIds(), "case " + c);
      }
    }
  }

  @Test
  void aSharedPrefixOnTheGpuGivesTheWholePromptsTokens() throws Exception {
    Fixture fixture = Fixture.llavaTinyA();
    var options =
        new VisionLanguageModel.Options(
            Device.gpu(), DataType.FLOAT32, ImageLimits.defaults(), false);
    try (VisionLanguageModel vlm = VisionLanguageModel.load(fixture.dir(), options)) {
      byte[] image = Files.readAllBytes(fixture.image(0));
      List<ImageFeatures> features = vlm.encodeImages(List.of(vlm.pixelValues(image)));
      int[] caption = fixture.inputIds(0);
      int[] question = vlm.encodePrompt(vlm.questionPrompt("what is in the picture"));
      int p = SharedPrefix.commonLength(List.of(caption, question));
      List<GenerationRequest> requests =
          List.of(
              GenerationRequest.ofFeatures(caption, features, GenerationOptions.greedy(12)),
              GenerationRequest.ofFeatures(question, features, GenerationOptions.greedy(12)));
      List<Generation> whole = vlm.generate(requests);
      try (SharedPrefix prefix =
          vlm.generator().prefill(List.of(Arrays.copyOf(caption, p)), List.of(features)).get(0)) {
        List<Generation> shared = vlm.generator().generate(prefix, requests);
        for (int i = 0; i < requests.size(); i++) {
          assertArrayEquals(whole.get(i).tokenIds(), shared.get(i).tokenIds(), "request " + i);
        }
      }
    }
  }
}
