package dev.glimpse.model.generate;

import java.util.List;

/**
 * One prompt to continue.
 *
 * @param promptIds token ids, BOS and expanded image tokens included
 * @param images preprocessed pixel values (channels × height × width, channel-major), one per
 *     {@code <image>} in the prompt, in order
 */
public record GenerationRequest(int[] promptIds, List<float[]> images, GenerationOptions options) {
  public GenerationRequest {
    images = List.copyOf(images);
  }
}
