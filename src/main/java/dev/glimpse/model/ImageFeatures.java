package dev.glimpse.model;

import java.util.Arrays;

/**
 * One image's projected features on the host: what the vision tower and projector make of it, ready
 * to replace the image's tokens in a prompt. Float32 whatever the model's dtype, because f16 → f32
 * → f16 is exact: a cached copy gives the very activations a fresh pass would.
 *
 * @param values (tokens, hidden) row-major
 * @param tokens image tokens (the model's image_seq_length, or fewer for the part a shared prefix
 *     holds)
 * @param hidden the language model's hidden size
 */
public record ImageFeatures(float[] values, int tokens, int hidden) implements ImageInput {

  public ImageFeatures {
    if (tokens < 0 || hidden <= 0 || values.length != (long) tokens * hidden) {
      throw new IllegalArgumentException(
          values.length + " values cannot be " + tokens + " image tokens of hidden size " + hidden);
    }
  }

  /** Host memory the values take. */
  public long bytes() {
    return 4L * values.length;
  }

  /** The features of the first {@code n} tokens only: the part of an image a prefix ends inside. */
  public ImageFeatures firstTokens(int n) {
    if (n < 0 || n > tokens) {
      throw new IllegalArgumentException("cannot take " + n + " of " + tokens + " image tokens");
    }
    return n == tokens ? this : new ImageFeatures(Arrays.copyOf(values, n * hidden), n, hidden);
  }
}
