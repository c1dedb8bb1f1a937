package dev.glimpse.model;

import java.util.Arrays;
import java.util.List;

/**
 * Prompt rows for one prefill pass, left-padded to one length, placed after {@code prefixLength}
 * cache positions that hold a shared prefix (0 for whole prompts). Rotary positions count each
 * row's real tokens only, prefix included (transformers: cumsum(mask) - 1, and 1 where padded); no
 * query attends to a pad, so the pads between a prefix and a shorter suffix are invisible.
 *
 * @param ids (rows, t), pads first
 * @param padding pads at the start of each row
 * @param prefixLength cache positions before the rows, visible to every query
 * @param positions (rows, t) float32 rotary positions
 * @param mask (rows, 1, t, prefixLength + t): 0 where visible, {@link #MASKED} where not
 * @param images per row, the images its image tokens take their features from, in order
 * @param imageTokensBefore per row, how many of those images' tokens the prefix already holds
 */
public record PromptRows(
    int[][] ids,
    int[] padding,
    int prefixLength,
    float[] positions,
    float[] mask,
    List<List<ImageInput>> images,
    int[] imageTokensBefore) {

  /** What a masked score gets: finite, so a row that sees nothing still has no NaN. */
  public static final float MASKED = -Float.MAX_VALUE;

  public PromptRows {
    images = List.copyOf(images);
    if (images.size() != ids.length || imageTokensBefore.length != ids.length) {
      throw new IllegalArgumentException(
          "need images and a prefix image-token count for each of the " + ids.length + " rows");
    }
  }

  /**
   * @param rows token ids of each row (after the prefix, if any)
   * @param t the padded length, at least the longest row
   */
  public static PromptRows leftPad(
      int[][] rows,
      int t,
      int padId,
      int prefixLength,
      List<List<ImageInput>> images,
      int[] imageTokensBefore) {
    int b = rows.length;
    int s = prefixLength + t;
    int[][] ids = new int[b][t];
    int[] padding = new int[b];
    float[] positions = new float[b * t];
    float[] mask = new float[b * t * s];
    Arrays.fill(mask, MASKED);
    for (int r = 0; r < b; r++) {
      int pad = t - rows[r].length;
      padding[r] = pad;
      Arrays.fill(ids[r], 0, pad, padId);
      System.arraycopy(rows[r], 0, ids[r], pad, rows[r].length);
      for (int i = 0; i < t; i++) {
        positions[r * t + i] = i < pad ? 1 : prefixLength + i - pad;
        int query = (r * t + i) * s;
        if (i >= pad) {
          Arrays.fill(mask, query, query + prefixLength, 0f); // the prefix
          Arrays.fill(
              mask,
              query + prefixLength + pad,
              query + prefixLength + i + 1,
              0f); // own tokens so far
        } // a pad's query sees nothing: its output is never read
      }
    }
    return new PromptRows(ids, padding, prefixLength, positions, mask, images, imageTokensBefore);
  }

  public int rows() {
    return ids.length;
  }

  /** Padded length of the rows. */
  public int length() {
    return ids.length == 0 ? 0 : ids[0].length;
  }

  /** Real (not padded) positions: what a prefill computes. */
  public long tokens() {
    long n = 0;
    for (int pad : padding) {
      n += length() - pad;
    }
    return n;
  }
}
