package dev.glimpse.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** How often a batch's predictions are right: what the progress lines and the probes report. */
final class Accuracy {

  private Accuracy() {}

  /** The argmax over the vocabulary at every position, (rows × length). */
  static float[] argmax(NDArray logits) {
    return logits.argMax(-1).toType(DataType.FLOAT32, false).toFloatArray();
  }

  /** Fraction of counted positions whose argmax is the target. */
  static double teacherForced(NDArray logits, int[][] targets, boolean[][] counted) {
    float[] argmax = argmax(logits);
    int t = targets[0].length;
    int n = 0;
    int right = 0;
    for (int r = 0; r < targets.length; r++) {
      for (int i = 0; i < t; i++) {
        if (counted[r][i]) {
          n++;
          right += (int) argmax[r * t + i] == targets[r][i] ? 1 : 0;
        }
      }
    }
    return n == 0 ? 0 : right / (double) n;
  }

  /** Fraction of positions whose top-k words, for a bag of k, are exactly the bag. */
  static double bags(NDArray logits, int[][][] bags) {
    float[] l = logits.toFloatArray();
    int vocab = (int) logits.getShape().get(2);
    int n = 0;
    int right = 0;
    for (int r = 0; r < bags.length; r++) {
      for (int i = 0; i < bags[r].length; i++) {
        int offset = (r * bags[r].length + i) * vocab;
        float lowest = Float.POSITIVE_INFINITY;
        for (int id : bags[r][i]) {
          lowest = Math.min(lowest, l[offset + id]);
        }
        int above = 0;
        for (int w = 0; w < vocab; w++) {
          above += l[offset + w] >= lowest ? 1 : 0;
        }
        n++;
        right += above == bags[r][i].length ? 1 : 0;
      }
    }
    return right / (double) n;
  }
}
