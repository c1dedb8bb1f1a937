package dev.glimpse.model.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Picks the next token from one row of logits: temperature, then top-k, then top-p. */
final class Sampler {
  private final GenerationOptions options;
  private final SplittableRandom random;

  Sampler(GenerationOptions options) {
    this.options = options;
    this.random = new SplittableRandom(options.seed());
  }

  int next(float[] logits, int offset, int vocab) {
    double t = options.temperature();
    // 1. candidates sorted by logit, cut to top-k
    Integer[] order = new Integer[vocab];
    for (int i = 0; i < vocab; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Float.compare(logits[offset + b], logits[offset + a]));
    int k = options.topK() > 0 ? Math.min(options.topK(), vocab) : vocab;
    // 2. softmax of logits / temperature over those candidates
    double max = logits[offset + order[0]] / t;
    double[] p = new double[k];
    double sum = 0;
    for (int i = 0; i < k; i++) {
      p[i] = Math.exp(logits[offset + order[i]] / t - max);
      sum += p[i];
    }
    // 3. nucleus: the smallest prefix whose mass reaches top-p (at least one token)
    int keep = k;
    double mass = 0;
    for (int i = 0; i < k; i++) {
      mass += p[i] / sum;
      if (mass >= options.topP()) {
        keep = i + 1;
        break;
      }
    }
    double kept = 0;
    for (int i = 0; i < keep; i++) {
      kept += p[i];
    }
    // 4. draw
    double u = random.nextDouble() * kept;
    for (int i = 0; i < keep; i++) {
      u -= p[i];
      if (u <= 0) {
        return order[i];
      }
    }
    return order[keep - 1];
  }
}
