package dev.glimpse.model.generate;

import java.util.Arrays;

/**
 * Prompts left-padded to one length, with the rotary positions and the causal mask that make
 * padding invisible: positions count real tokens only (transformers: cumsum(mask) - 1, and 1
 * where padded) and no query attends to a pad.
 *
 * @param ids (rows, t)
 * @param padding pads at the start of each row
 * @param positions (rows, t)
 * @param causalMask (rows, 1, t, t): 0 where visible, a large negative number where not
 */
record Padded(int[][] ids, int[] padding, float[] positions, float[] causalMask) {

  static Padded leftPad(int[][] prompts, int t, int padId) {
    int b = prompts.length;
    int[][] ids = new int[b][t];
    int[] padding = new int[b];
    float[] positions = new float[b * t];
    float[] mask = new float[b * t * t];
    for (int r = 0; r < b; r++) {
      int pad = t - prompts[r].length;
      padding[r] = pad;
      Arrays.fill(ids[r], 0, pad, padId);
      System.arraycopy(prompts[r], 0, ids[r], pad, prompts[r].length);
      for (int i = 0; i < t; i++) {
        positions[r * t + i] = i < pad ? 1 : i - pad;
        for (int j = 0; j < t; j++) {
          boolean visible = j <= i && j >= pad;
          mask[(r * t + i) * t + j] = visible ? 0 : ContinuousBatch.MASKED;
        }
      }
    }
    return new Padded(ids, padding, positions, mask);
  }
}
