package dev.glimpse.model.generate;

import dev.glimpse.model.ImageFeatures;
import dev.glimpse.model.ImageInput;
import java.util.List;

/**
 * One prompt to continue.
 *
 * @param promptIds token ids, BOS and expanded image tokens included
 * @param images one per {@code <image>} in the prompt, in order: pixel values, or features that
 *     {@link dev.glimpse.model.LlavaModel#encodeImages} already made (then no vision pass runs)
 */
public record GenerationRequest(
    int[] promptIds, List<ImageInput> images, GenerationOptions options) {
  public GenerationRequest {
    images = List.copyOf(images);
  }

  /** A request whose images are preprocessed pixel values (channels × height × width). */
  public static GenerationRequest ofPixels(
      int[] promptIds, List<float[]> pixelValues, GenerationOptions options) {
    return new GenerationRequest(
        promptIds, pixelValues.stream().map(ImageInput::pixels).toList(), options);
  }

  /** A request whose images are already encoded. */
  public static GenerationRequest ofFeatures(
      int[] promptIds, List<ImageFeatures> features, GenerationOptions options) {
    return new GenerationRequest(promptIds, List.<ImageInput>copyOf(features), options);
  }
}
