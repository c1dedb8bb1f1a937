package dev.glimpse.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.glimpse.model.checkpoint.LlavaCheckpoint;
import dev.glimpse.model.checkpoint.LlavaSpec;
import dev.glimpse.model.checkpoint.RandomLlava;
import dev.glimpse.model.generate.Generation;
import dev.glimpse.model.generate.GenerationOptions;
import dev.glimpse.model.generate.GenerationRequest;
import dev.glimpse.model.generate.Generator;
import dev.glimpse.model.text.LlavaTokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The model is written for the config, not for the fixture: on random checkpoints of other shapes
 * it computes what the independent {@link ReferenceLlava} computes, and decodes a row alone as it
 * does inside a left-padded batch.
 */
class ConfigParityTest {
  private static final double TOLERANCE = 1e-4;
  private static final int NEW_TOKENS = 6;

  @TempDir Path dir;

  static Stream<Arguments> shapes() {
    LlavaSpec tiny = LlavaSpec.tiny();
    LlavaSpec.Text t = tiny.text();
    return Stream.of(
        Arguments.of(
            "no GQA (kv heads = heads)",
            tiny.withText(new LlavaSpec.Text(64, 2, 4, 4, 128, 306, 256, 10000.0, 16))),
        Arguments.of(
            "GQA 8/2, rope theta 500000",
            tiny.withText(new LlavaSpec.Text(64, 2, 8, 2, 128, 306, 256, 500000.0, 8))),
        Arguments.of(
            "feature layer -1, strategy full (CLS kept)",
            tiny.withFeatureLayers(List.of(-1), true)),
        Arguments.of(
            "feature layers [-3, -1] concatenated", tiny.withFeatureLayers(List.of(-3, -1), false)),
        Arguments.of(
            "feature layer 0 (embeddings), strategy full",
            tiny.withFeatureLayers(List.of(0), true)),
        Arguments.of("single linear projector", tiny.withProjector(LlavaSpec.Projector.LINEAR)),
        Arguments.of("tied embeddings", tiny.withTiedEmbeddings(true)),
        Arguments.of(
            "other sizes: image 64/16, head_dim 12 != 48/6, vocab 500, image token 321",
            tiny.withVision(new LlavaSpec.Vision(48, 2, 3, 96, 64, 16))
                .withText(new LlavaSpec.Text(48, 3, 6, 3, 80, 500, 128, 1e6, 12))
                .withImageTokenId(321)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void logitsMatchTheReferenceAndARowDecodesAloneAsInABatch(String name, LlavaSpec spec) {
    RandomLlava.write(dir, spec, 11);
    ReferenceLlava reference = ReferenceLlava.load(dir);
    try (LlavaCheckpoint checkpoint = LlavaCheckpoint.open(dir);
        LlavaModel model = LlavaModel.load(checkpoint, Device.cpu(), DataType.FLOAT32)) {
      assertEquals(spec.imageSeqLength(), model.config().imageSeqLength());
      int[] ids = ModelRuns.prompt(model.config(), 3, 2, 5);
      float[] pixels = ModelRuns.pixels(model.config(), 5);
      double diff =
          Fixture.maxAbsDiff(ModelRuns.logits(model, ids, pixels), reference.logits(ids, pixels));
      System.out.printf("[%s] logits max abs diff vs reference %.3g%n", name, diff);
      assertTrue(diff <= TOLERANCE, name + ": logits differ by " + diff);

      try (LlavaTokenizer tokenizer = LlavaTokenizer.load(dir, model.config().imageSeqLength())) {
        Generator generator =
            new Generator(model, tokenizer, Set.of(model.config().text().eosTokenId()));
        GenerationRequest alone =
            GenerationRequest.ofPixels(ids, List.of(pixels), GenerationOptions.greedy(NEW_TOKENS));
        int[] longer = ModelRuns.prompt(model.config(), 4, 6, 9);
        GenerationRequest other =
            GenerationRequest.ofPixels(
                longer,
                List.of(ModelRuns.pixels(model.config(), 6)),
                GenerationOptions.greedy(NEW_TOKENS));
        Generation single = generator.generate(List.of(alone)).get(0);
        List<Generation> batch = generator.generate(List.of(other, alone));
        int[] expected =
            reference.greedy(ids, pixels, NEW_TOKENS, model.config().text().eosTokenId());
        System.out.printf("[%s] greedy %s%n", name, Arrays.toString(single.tokenIds()));
        assertArrayEquals(
            expected, single.tokenIds(), name + ": greedy decoding differs from the reference");
        assertArrayEquals(
            single.tokenIds(),
            batch.get(1).tokenIds(),
            name + ": the left-padded row decodes differently");
        assertArrayEquals(
            reference.greedy(
                longer,
                ModelRuns.pixels(model.config(), 6),
                NEW_TOKENS,
                model.config().text().eosTokenId()),
            batch.get(0).tokenIds(),
            name + ": the longer row differs");
      }
    }
  }
}
