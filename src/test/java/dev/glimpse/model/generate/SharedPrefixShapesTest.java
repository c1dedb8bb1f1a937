package dev.glimpse.model.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.glimpse.model.ImageFeatures;
import dev.glimpse.model.ImageInput;
import dev.glimpse.model.LlavaModel;
import dev.glimpse.model.ModelRuns;
import dev.glimpse.model.checkpoint.LlavaCheckpoint;
import dev.glimpse.model.checkpoint.LlavaSpec;
import dev.glimpse.model.checkpoint.RandomLlava;
import dev.glimpse.model.config.LlavaConfig;
import dev.glimpse.model.text.LlavaTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * On random checkpoints of other shapes, and with prompts whose shared prefix holds none, part or
 * all of the image, continuing a prefix gives the whole prompts' greedy ids and scores.
 */
class SharedPrefixShapesTest {
  private static final int NEW_TOKENS = 6;
  private static final double SCORE_TOLERANCE = 1e-5;

  @TempDir Path dir;

  static Stream<Arguments> shapes() {
    LlavaSpec tiny = LlavaSpec.tiny();
    return Stream.of(
        Arguments.of(
            "GQA 8/2, rope theta 500000",
            tiny.withText(new LlavaSpec.Text(64, 2, 8, 2, 128, 306, 256, 500000.0, 8))),
        Arguments.of(
            "CLS kept (17 image tokens), linear projector",
            tiny.withFeatureLayers(List.of(-1), true).withProjector(LlavaSpec.Projector.LINEAR)),
        Arguments.of(
            "image 64/16, head_dim 12, image token 321",
            tiny.withVision(new LlavaSpec.Vision(48, 2, 3, 96, 64, 16))
                .withText(new LlavaSpec.Text(48, 3, 6, 3, 80, 500, 128, 1e6, 12))
                .withImageTokenId(321)));
  }

  /** Two prompts about one image, and what their shared prefix should hold of it. */
  private record Pair(String layout, int[] a, int[] b, float[] pixels) {}

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void continuingASharedPrefixGivesTheWholePromptsIdsAndScores(String name, LlavaSpec spec) {
    RandomLlava.write(dir, spec, 17);
    try (LlavaCheckpoint checkpoint = LlavaCheckpoint.open(dir);
        LlavaModel model = LlavaModel.load(checkpoint, Device.cpu(), DataType.FLOAT32);
        LlavaTokenizer tokenizer = LlavaTokenizer.load(dir, model.config().imageSeqLength())) {
      LlavaConfig config = model.config();
      Generator generator =
          new Generator(model, tokenizer, java.util.Set.of(config.text().eosTokenId()));
      Words words = new Words(config, 5);
      int n = config.imageSeqLength();
      int[] before = words.next(3);
      int[] shared = words.next(4);
      int[] after = words.next(1);
      List<Pair> pairs =
          List.of(
              // a template with text before <image>, prompts that differ before the image: no image
              // tokens shared
              new Pair(
                  "diverging before the image",
                  concat(new int[] {1}, before, words.next(2), image(config), words.next(4)),
                  concat(new int[] {1}, before, words.next(3), image(config), words.next(2)),
                  ModelRuns.pixels(config, 1)),
              // one prompt ends on the image's last token: the prefix ends inside the image
              new Pair(
                  "prefix ending inside the image",
                  concat(new int[] {1}, before, image(config), words.next(3)),
                  concat(new int[] {1}, before, image(config)),
                  ModelRuns.pixels(config, 2)),
              new Pair(
                  "text, the whole image and a word after it shared",
                  concat(new int[] {1}, shared, image(config), after, words.next(3)),
                  concat(new int[] {1}, shared, image(config), after, words.next(5)),
                  ModelRuns.pixels(config, 3)));

      // 1. the whole prompts, the reference
      List<List<Generation>> whole = new ArrayList<>();
      List<List<Candidates>> wholeScores = new ArrayList<>();
      for (Pair pair : pairs) {
        whole.add(
            generator.generate(
                List.of(
                    pixelsRequest(pair.a(), pair.pixels()),
                    pixelsRequest(pair.b(), pair.pixels()))));
        wholeScores.add(
            generator.score(scoring(pair, List.of(ImageInput.pixels(pair.pixels())), words)));
      }

      // 2. the prefixes of the three images, prefilled in one pass
      List<float[]> allPixels = pairs.stream().map(Pair::pixels).toList();
      List<ImageFeatures> features = model.encodeImages(allPixels);
      List<int[]> prefixIds =
          pairs.stream()
              .map(p -> Arrays.copyOf(p.a(), SharedPrefix.commonLength(List.of(p.a(), p.b()))))
              .toList();
      List<SharedPrefix> prefixes =
          generator.prefill(
              prefixIds,
              IntStream.range(0, pairs.size()).mapToObj(i -> List.of(features.get(i))).toList());
      try {
        assertEquals(
            List.of(0, n - 1, n),
            prefixes.stream().map(SharedPrefix::imageTokens).toList(),
            name + ": image tokens held by each prefix");
        for (int i = 0; i < pairs.size(); i++) {
          Pair pair = pairs.get(i);
          // one request carries pixels (encoded for its suffix), the other features
          List<Generation> out =
              generator.generate(
                  prefixes.get(i),
                  List.of(
                      pixelsRequest(pair.a(), pair.pixels()),
                      GenerationRequest.ofFeatures(
                          pair.b(),
                          List.of(features.get(i)),
                          GenerationOptions.greedy(NEW_TOKENS))));
          String where = name + ", " + pair.layout();
          assertArrayEquals(
              whole.get(i).get(0).tokenIds(), out.get(0).tokenIds(), where + ": first prompt");
          assertArrayEquals(
              whole.get(i).get(1).tokenIds(), out.get(1).tokenIds(), where + ": second prompt");
          List<Candidates> scores =
              generator.score(prefixes.get(i), scoring(pair, List.of(features.get(i)), words));
          for (int r = 0; r < scores.size(); r++) {
            for (int j = 0; j < scores.get(r).candidates().size(); j++) {
              assertEquals(
                  wholeScores.get(i).get(r).logProbabilities()[j],
                  scores.get(r).logProbabilities()[j],
                  SCORE_TOLERANCE,
                  where + ": scoring request " + r + ", candidate " + j);
            }
          }
        }
      } finally {
        prefixes.forEach(SharedPrefix::close);
      }
    }
  }

  private static GenerationRequest pixelsRequest(int[] ids, float[] pixels) {
    return GenerationRequest.ofPixels(ids, List.of(pixels), GenerationOptions.greedy(NEW_TOKENS));
  }

  /** Both prompts, each with single-token candidates (yes/no style) and with multi-token ones. */
  private static List<ScoringRequest> scoring(Pair pair, List<ImageInput> images, Words words) {
    int[] one = words.fixed(0, 2);
    int[] many = words.fixed(2, 5);
    List<ScoringRequest> out = new ArrayList<>();
    for (int[] prompt : List.of(pair.a(), pair.b())) {
      out.add(
          new ScoringRequest(
              prompt,
              images,
              List.of("yes", "no"),
              List.of(new int[] {one[0]}, new int[] {one[1]})));
      out.add(
          new ScoringRequest(
              prompt,
              images,
              List.of("two words", "three words here", "one"),
              List.of(Arrays.copyOfRange(many, 0, 2), many, new int[] {one[0]})));
    }
    return out;
  }

  private static int[] image(LlavaConfig config) {
    int[] ids = new int[config.imageSeqLength()];
    Arrays.fill(ids, config.imageTokenId());
    return ids;
  }

  private static int[] concat(int[]... parts) {
    return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
  }

  /** Word ids drawn from [5, vocab) without the image token. */
  private static final class Words {
    private final LlavaConfig config;
    private final SplittableRandom random;
    private final int[] fixed;

    Words(LlavaConfig config, long seed) {
      this.config = config;
      this.random = new SplittableRandom(seed);
      this.fixed = next(5);
    }

    int[] next(int n) {
      int[] ids = new int[n];
      for (int i = 0; i < n; i++) {
        do {
          ids[i] = random.nextInt(5, config.text().vocabSize());
        } while (ids[i] == config.imageTokenId());
      }
      return ids;
    }

    int[] fixed(int from, int to) {
      return Arrays.copyOfRange(fixed, from, to);
    }
  }
}
