package dev.glimpse.model;

import dev.glimpse.model.config.LlavaConfig;
import dev.glimpse.model.generate.Generator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Runs of the DJL model and made-up inputs shared by the tests that compare it with {@link
 * ReferenceLlava}.
 */
public final class ModelRuns {
  private ModelRuns() {}

  /**
   * Logits of every position of one prompt, as LlavaModelParityTest computes them: image features,
   * embeddings with image tokens replaced, one causal pass of the decoder.
   *
   * @param pixels one image, channel-major, or null for a text-only prompt
   * @return (t, vocab) float32, flattened
   */
  static float[] logits(LlavaModel model, int[] ids, float[] pixels) {
    return Generator.logitsOfEveryPosition(
        model, ids, pixels == null ? List.of() : List.of(pixels));
  }

  /**
   * A prompt shaped like LLaVA's chat prompts: BOS, a few words, one image's tokens, more words.
   * Words are drawn from [5, vocab) without the image token.
   */
  static int[] prompt(LlavaConfig config, long seed, int wordsBefore, int wordsAfter) {
    SplittableRandom random = new SplittableRandom(seed);
    int image = config.imageSeqLength();
    int[] ids = new int[1 + wordsBefore + image + wordsAfter];
    ids[0] = 1;
    for (int i = 1; i < ids.length; i++) {
      boolean isImage = i > wordsBefore && i <= wordsBefore + image;
      ids[i] = isImage ? config.imageTokenId() : word(random, config);
    }
    return ids;
  }

  private static int word(SplittableRandom random, LlavaConfig config) {
    while (true) {
      int id = random.nextInt(5, config.text().vocabSize());
      if (id != config.imageTokenId()) {
        return id;
      }
    }
  }

  /**
   * Pixel values of one image as CLIPImageProcessor leaves them: roughly standard normal, in [-1.8,
   * 2.2].
   */
  public static float[] pixels(LlavaConfig config, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int size = config.vision().imageSize();
    float[] pixels = new float[config.vision().numChannels() * size * size];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (float) random.nextDouble(-1.8, 2.2);
    }
    return pixels;
  }
}
