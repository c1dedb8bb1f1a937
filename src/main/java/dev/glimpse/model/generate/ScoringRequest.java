package dev.glimpse.model.generate;

import java.util.List;

/**
 * Which of a set of answers the model finds most probable after a prompt: how moderation asks
 * yes/no questions and how multiple-choice VQA is answered.
 *
 * @param promptIds token ids, BOS and expanded image tokens included
 * @param images preprocessed pixel values, one per image in the prompt
 * @param candidateIds per candidate, the token ids that would follow the prompt
 */
public record ScoringRequest(int[] promptIds, List<float[]> images, List<String> candidates, List<int[]> candidateIds) {
  public ScoringRequest {
    images = List.copyOf(images);
    candidates = List.copyOf(candidates);
    candidateIds = List.copyOf(candidateIds);
    if (candidates.isEmpty() || candidates.size() != candidateIds.size()) {
      throw new IllegalArgumentException("need one id list per candidate, and at least one candidate");
    }
  }
}
