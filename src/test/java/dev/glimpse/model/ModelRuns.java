package dev.glimpse.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.glimpse.model.config.LlavaConfig;
import dev.glimpse.model.language.KvCache;
import java.util.SplittableRandom;

/** Runs of the DJL model and made-up inputs shared by the tests that compare it with {@link ReferenceLlava}. */
final class ModelRuns {
  private ModelRuns() {}

  /**
   * Logits of every position of one prompt, as LlavaModelParityTest computes them: image
   * features, embeddings with image tokens replaced, one causal pass of the decoder.
   *
   * @param pixels one image, channel-major, or null for a text-only prompt
   * @return (t, vocab) float32, flattened
   */
  static float[] logits(LlavaModel model, int[] ids, float[] pixels) {
    LlavaConfig config = model.config();
    int size = config.vision().imageSize();
    try (NDManager m = model.manager().newSubManager()) {
      NDArray features = pixels == null ? null
          : model.imageFeatures(m.create(pixels, new Shape(1, config.vision().numChannels(), size, size)));
      int t = ids.length;
      NDArray embeds = model.embedPrompt(m, new int[][] {ids}, features); // (1, t, hidden)
      float[] positions = new float[t];
      float[] mask = new float[t * t];
      for (int i = 0; i < t; i++) {
        positions[i] = i;
        for (int j = i + 1; j < t; j++) {
          mask[i * t + j] = -Float.MAX_VALUE;
        }
      }
      var text = config.text();
      try (KvCache cache = new KvCache(m, text.numHiddenLayers(), 1, text.numKeyValueHeads(), t, text.headDim(),
          DataType.FLOAT32)) {
        NDArray hidden = model.languageModel().forward(embeds, m.create(positions, new Shape(1, t)),
            m.create(mask, new Shape(1, 1, t, t)), cache, 0);
        return model.languageModel().logits(hidden).toFloatArray();
      }
    }
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

  /** Pixel values of one image as CLIPImageProcessor leaves them: roughly standard normal, in [-1.8, 2.2]. */
  static float[] pixels(LlavaConfig config, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int size = config.vision().imageSize();
    float[] pixels = new float[config.vision().numChannels() * size * size];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (float) random.nextDouble(-1.8, 2.2);
    }
    return pixels;
  }
}
