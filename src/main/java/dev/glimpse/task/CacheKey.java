package dev.glimpse.task;

import dev.glimpse.model.generate.GenerationOptions;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.TreeSet;

/**
 * The result-cache key of one task: {@code image_sha256:task_fingerprint:model_id}. The fingerprint
 * hashes everything that changes the answer once the defaults are applied: the task kind, the exact
 * question (a caption's is the configured caption question), the decoding options, and for
 * moderation the categories (sorted: order does not change a score), each with its flag threshold.
 * The model id stands for the checkpoint, its prompt template and its preprocessing.
 *
 * <p>Results with sampling (temperature &gt; 0) are cached too: a repeat gets the first sample.
 */
public final class CacheKey {
  private CacheKey() {}

  public static String of(String imageSha256, ResolvedTask task, String modelId) {
    return imageSha256 + ":" + fingerprint(task) + ":" + modelId;
  }

  /** 32 hex characters (128 bits of SHA-256) of the resolved task. */
  public static String fingerprint(ResolvedTask task) {
    StringBuilder canonical = new StringBuilder(task.kind());
    if (task instanceof ResolvedTask.Generative g) {
      append(canonical.append('\u0000').append(g.question()), g.options());
    } else if (task instanceof ResolvedTask.Moderation m) {
      // each category with its own threshold (since per-category thresholds: results carry
      // per-category verdicts, so entries keyed without them are not reused)
      new TreeSet<>(m.categories())
          .forEach(
              c ->
                  canonical
                      .append('\u0000')
                      .append(c)
                      .append('\u0001')
                      .append(m.thresholds().get(c)));
    }
    return sha256(canonical.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 32);
  }

  private static void append(StringBuilder canonical, GenerationOptions o) {
    canonical
        .append('\u0001')
        .append(o.maxNewTokens())
        .append(',')
        .append(o.temperature())
        .append(',')
        .append(o.topP())
        .append(',')
        .append(o.topK())
        .append(',')
        .append(o.seed());
    o.stopStrings().forEach(s -> canonical.append('\u0002').append(s));
  }

  /** Lower-case hex SHA-256. */
  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
