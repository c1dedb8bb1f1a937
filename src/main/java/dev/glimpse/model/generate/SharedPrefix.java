package dev.glimpse.model.generate;

import dev.glimpse.model.ModelException;
import dev.glimpse.model.language.KvCache;
import java.util.Arrays;
import java.util.List;

/**
 * The prefilled keys and values (one row) of the prompt tokens that several prompts share: with
 * LLaVA-1.5's template, BOS, "USER:" and the image's 576 tokens, the bulk of every task's prompt.
 * Made by {@link Generator#prefill}; {@link ContinuousBatch#join(List, List, SharedPrefix)} and
 * {@link Generator#score(SharedPrefix, List)} then prefill only each prompt's suffix on top of it.
 *
 * <p>Lifetime: the KV lives in a sub-manager of the model's manager until {@link #close}. A batch
 * or a scoring pass copies it into its own cache, so closing the prefix once the requests that
 * continue it have joined changes nothing for them.
 */
public final class SharedPrefix implements AutoCloseable {

  private final int[] ids;
  private final int imageTokens;
  private final KvCache cache; // (1, kv heads, length, head dim) per layer
  private boolean closed;

  SharedPrefix(int[] ids, int imageTokens, KvCache cache) {
    this.ids = ids.clone();
    this.imageTokens = imageTokens;
    this.cache = cache;
  }

  /**
   * The longest common prefix of the prompts' token ids that leaves at least one token of each
   * prompt outside it: the last position's logits must be computed per task.
   */
  public static int commonLength(List<int[]> prompts) {
    if (prompts.isEmpty()) {
      throw new IllegalArgumentException("no prompts to share a prefix");
    }
    int[] first = prompts.get(0);
    int length = first.length - 1;
    for (int[] prompt : prompts) {
      length = Math.min(length, prompt.length - 1);
      int i = 0;
      while (i < length && prompt[i] == first[i]) {
        i++;
      }
      length = i;
    }
    return Math.max(0, length);
  }

  /** The prefix's token ids. */
  public int[] ids() {
    return ids.clone();
  }

  public int length() {
    return ids.length;
  }

  /** Image tokens among the ids: the features of its images that the prefix already holds. */
  public int imageTokens() {
    return imageTokens;
  }

  /** Whether a prompt continues this prefix with at least one token of its own. */
  public boolean prefixes(int[] prompt) {
    return prompt.length > ids.length && Arrays.equals(ids, 0, ids.length, prompt, 0, ids.length);
  }

  boolean isClosed() {
    return closed;
  }

  /** The prompt's tokens after the prefix; refuses a prompt that does not continue it. */
  int[] suffixOf(int[] prompt) {
    if (!prefixes(prompt)) {
      throw new ModelException(
          ModelException.Code.BAD_OPTIONS,
          "a prompt of "
              + prompt.length
              + " tokens does not continue the shared prefix of "
              + ids.length
              + " tokens; prefill the prefix its prompts share (SharedPrefix.commonLength) or run it without one");
    }
    return Arrays.copyOfRange(prompt, ids.length, prompt.length);
  }

  KvCache cache() {
    if (closed) {
      throw new IllegalStateException(
          "the shared prefix is closed; keep it open until its requests have joined");
    }
    return cache;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      cache.close();
    }
  }
}
