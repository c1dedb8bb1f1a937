package dev.glimpse.worker;

import dev.glimpse.kafka.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Everything the worker process is configured with, read once at start: from a properties file
 * overlaid with {@code GLIMPSE_*} environment variables, like ingest. Keys starting with
 * {@code kafka.} pass through to the consumer and producer untouched, minus the prefix, and win.
 *
 * @param modelDir checkpoint to serve; empty: the built-in model
 * @param maxBatchSize decode slots: requests decoded together
 * @param maxWait how long a request may wait for others before an idle batch starts
 * @param commitInterval longest time between transactions while results are ready
 * @param defaultMaxNewTokens when a request names none
 * @param captionQuestion the question a caption task asks, through the chat template
 * @param moderationCategories scored when a moderation task names none
 * @param flagThreshold a category at or above this probability flags the image
 */
public record WorkerConfig(
    String bootstrapServers,
    String groupId,
    String transactionalId,
    String modelId,
    Optional<Path> modelDir,
    String device,
    String dtype,
    int maxBatchSize,
    Duration maxWait,
    Duration commitInterval,
    int defaultMaxNewTokens,
    String captionQuestion,
    List<String> moderationCategories,
    double flagThreshold,
    Optional<Path> topicsFile,
    Map<String, String> kafka) {

  public WorkerConfig {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException(
          "setting glimpse.bootstrap.servers is missing: set it in the properties file, as"
              + " GLIMPSE_BOOTSTRAP_SERVERS, or with --bootstrap-servers");
    }
    if (maxBatchSize < 1 || defaultMaxNewTokens < 1) {
      throw new IllegalArgumentException(
          "glimpse.worker.max.batch.size and glimpse.generate.max.new.tokens must be at least 1");
    }
    moderationCategories = List.copyOf(moderationCategories);
    kafka = Map.copyOf(kafka);
  }

  /** Reads the settings; missing keys take defaults. */
  public static WorkerConfig from(Map<String, String> s) {
    Map<String, String> kafka = Settings.kafkaClientProperties(s);
    return new WorkerConfig(
        s.getOrDefault("glimpse.bootstrap.servers", kafka.get("bootstrap.servers")),
        s.getOrDefault("glimpse.worker.group.id", "glimpse-worker"),
        s.getOrDefault("glimpse.worker.transactional.id",
            "glimpse-worker-" + java.util.UUID.randomUUID()),
        s.getOrDefault("glimpse.model.id", "glimpse-demo"),
        Optional.ofNullable(s.get("glimpse.model.dir")).map(Path::of),
        s.getOrDefault("glimpse.model.device", "cpu"),
        s.getOrDefault("glimpse.model.dtype", "f32"),
        Integer.parseInt(s.getOrDefault("glimpse.worker.max.batch.size", "8")),
        Duration.ofMillis(Long.parseLong(s.getOrDefault("glimpse.worker.max.wait.ms", "50"))),
        Duration.ofMillis(Long.parseLong(s.getOrDefault("glimpse.worker.commit.interval.ms", "100"))),
        Integer.parseInt(s.getOrDefault("glimpse.generate.max.new.tokens.default", "32")),
        s.getOrDefault("glimpse.caption.question", "describe the image"),
        Arrays.stream(s.getOrDefault("glimpse.moderation.categories", "warning_sign,hazard").split(","))
            .map(String::strip).filter(c -> !c.isEmpty()).toList(),
        Double.parseDouble(s.getOrDefault("glimpse.moderation.flag.threshold", "0.5")),
        Optional.ofNullable(s.get("glimpse.topics.file")).map(Path::of),
        kafka);
  }

  /** Properties file overlaid with {@code GLIMPSE_*} environment variables. */
  public static WorkerConfig load(Properties file, Map<String, String> env) {
    return from(Settings.overlay(file, env));
  }

  /**
   * The yes/no question a moderation category asks: "warning_sign" becomes "is there a warning
   * sign". Categories are names of things that may be in an image.
   */
  public static String moderationQuestion(String category) {
    String thing = category.strip().replace('_', ' ').replace('-', ' ').toLowerCase(Locale.ROOT);
    String article = "aeiou".indexOf(thing.isEmpty() ? 'x' : thing.charAt(0)) >= 0 ? "an" : "a";
    return "is there " + article + " " + thing;
  }
}
