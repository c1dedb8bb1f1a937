package dev.glimpse.model.generate;

import dev.glimpse.model.ImageInput;
import java.util.List;

/**
 * Which of a set of answers the model finds most probable after a prompt: how moderation asks
 * yes/no questions and how multiple-choice VQA is answered.
 *
 * @param promptIds token ids, BOS and expanded image tokens included
 * @param images one per image in the prompt: pixel values or already-encoded features
 * @param candidateIds per candidate, the token ids that would follow the prompt
 */
public record ScoringRequest(
    int[] promptIds, List<ImageInput> images, List<String> candidates, List<int[]> candidateIds) {
  public ScoringRequest {
    images = List.copyOf(images);
    candidates = List.copyOf(candidates);
    candidateIds = List.copyOf(candidateIds);
    if (candidates.isEmpty() || candidates.size() != candidateIds.size()) {
      throw new IllegalArgumentException(
          "need one id list per candidate, and at least one candidate");
    }
  }

  /** A request whose images are preprocessed pixel values. */
  public static ScoringRequest ofPixels(
      int[] promptIds,
      List<float[]> pixelValues,
      List<String> candidates,
      List<int[]> candidateIds) {
    return new ScoringRequest(
        promptIds, pixelValues.stream().map(ImageInput::pixels).toList(), candidates, candidateIds);
  }
}
