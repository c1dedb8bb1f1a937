package dev.glimpse.worker;

import dev.glimpse.model.config.TextConfig;

/**
 * {@code glimpse.worker.kv.cache.max.bytes} against the language model's shape: the keys and values
 * of every layer for rows × positions, at the activation dtype's size (4 bytes at most), as a
 * decode batch or a scoring pass allocates them on the model's device.
 */
record KvBudget(TextConfig text, long maxBytes) {
  /** The KV cache of {@code rows} rows of {@code positions} positions, in bytes. */
  long bytes(int rows, int positions) {
    return 2L
        * text.numHiddenLayers()
        * rows
        * text.numKeyValueHeads()
        * positions
        * text.headDim()
        * 4L;
  }

  /** Whether that cache stays within the budget. */
  boolean fits(int rows, int positions) {
    return bytes(rows, positions) <= maxBytes;
  }
}
