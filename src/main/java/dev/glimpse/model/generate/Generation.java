package dev.glimpse.model.generate;

/**
 * The continuation of one prompt.
 *
 * @param tokenIds generated ids, EOS excluded
 * @param text the decoded text, cut before a stop string if one ended it
 */
public record Generation(int[] tokenIds, String text, FinishReason finishReason, int promptTokens) {

  /** Why decoding of a row stopped. */
  public enum FinishReason {
    EOS,
    MAX_NEW_TOKENS,
    STOP_STRING,
    CONTEXT_FULL
  }
}
