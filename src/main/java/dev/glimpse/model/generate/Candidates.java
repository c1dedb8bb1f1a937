package dev.glimpse.model.generate;

import java.util.List;

/**
 * The score of each candidate answer after one prompt.
 *
 * @param logProbabilities log P(candidate | prompt), summed over the candidate's tokens
 * @param probabilities the candidates' probabilities renormalised over the set (they sum to 1)
 */
public record Candidates(
    List<String> candidates, double[] logProbabilities, double[] probabilities) {

  /** Probability of one candidate within the set. */
  public double probability(String candidate) {
    int i = candidates.indexOf(candidate);
    if (i < 0) {
      throw new IllegalArgumentException(candidate + " is not among " + candidates);
    }
    return probabilities[i];
  }

  /** The most probable candidate. */
  public String best() {
    int best = 0;
    for (int i = 1; i < probabilities.length; i++) {
      if (probabilities[i] > probabilities[best]) {
        best = i;
      }
    }
    return candidates.get(best);
  }
}
