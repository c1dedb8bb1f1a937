package dev.glimpse.stream;

import dev.glimpse.contract.CaptionTask;
import dev.glimpse.contract.GenerationOptions;
import dev.glimpse.contract.ModerationTask;
import dev.glimpse.contract.QuestionTask;
import java.nio.charset.StandardCharsets;
import java.util.TreeSet;

/**
 * The result-cache key of one task: {@code image_sha256:task_fingerprint:model_id}. The
 * fingerprint hashes what changes the answer: the task kind, its normalized text (question
 * stripped; moderation categories sorted, de-duplicated) and the generation options.
 *
 * <p>Results with sampling (temperature &gt; 0) are cached too: a repeat gets the first sample.
 */
public final class CacheKey {
  private CacheKey() {}

  public static String of(
      String imageSha256, Object task, GenerationOptions options, String modelId) {
    return imageSha256 + ":" + fingerprint(task, options) + ":" + modelId;
  }

  /** 32 hex characters (128 bits of SHA-256) of the canonical task text. */
  public static String fingerprint(Object task, GenerationOptions options) {
    StringBuilder canonical = new StringBuilder();
    if (task instanceof CaptionTask) {
      canonical.append("caption");
    } else if (task instanceof QuestionTask q) {
      canonical.append("question\u0000").append(q.getQuestion().strip());
    } else if (task instanceof ModerationTask m) {
      canonical.append("moderation");
      new TreeSet<>(m.getCategories()).forEach(c -> canonical.append('\u0000').append(c.strip()));
    } else {
      throw new IllegalArgumentException("unknown task " + task);
    }
    if (options != null) {
      canonical
          .append("\u0001")
          .append(options.getMaxNewTokens())
          .append(',')
          .append(options.getTemperature())
          .append(',')
          .append(options.getTopP())
          .append(',')
          .append(options.getTopK())
          .append(',')
          .append(options.getSeed());
    }
    String hex = HashedEvent.sha256(canonical.toString().getBytes(StandardCharsets.UTF_8));
    return hex.substring(0, 32);
  }
}
