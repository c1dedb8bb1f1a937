package dev.glimpse.worker;

import dev.glimpse.kafka.Settings;
import dev.glimpse.task.TaskDefaults;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;

/**
 * Everything the worker process is configured with, read once at start: from a properties file
 * overlaid with {@code GLIMPSE_*} environment variables, like ingest. Keys starting with {@code
 * kafka.} pass through to the consumer and producer untouched, minus the prefix, and win.
 *
 * @param modelId {@code glimpse.model.id}: the id to serve under, the same value ingest keys its
 *     cache with; empty: the id derived from the checkpoint ({@link dev.glimpse.model.ModelId})
 * @param maxBatchSize decode slots: task rows decoded together, and images encoded together
 * @param maxWait how long prepared images wait for others before they are encoded together (images
 *     in hand that fill the batch are waited for until prepared), and tasks before an idle decode
 *     batch starts; by default 100 ms, ingest's commit interval, so that a burst that reaches the
 *     worker in two of ingest's transactions is encoded as one batch
 * @param commitInterval longest time between transactions while results are ready
 * @param taskDefaults what tasks mean when an event leaves them open (shared with ingest)
 * @param budget how much work the worker holds before it pauses consumption, and its caches
 * @param prepareThreads threads decoding and preprocessing images off the model thread
 * @param idleClientThreads {@code glimpse.worker.client.threads.idle}: the worker's Kafka client
 *     threads in Linux's idle scheduling class, so that they never take a core from the model on a
 *     CPU worker (default false; {@link IdleClients})
 */
public record WorkerConfig(
    String bootstrapServers,
    String groupId,
    String transactionalId,
    Optional<String> modelId,
    int maxBatchSize,
    Duration maxWait,
    Duration commitInterval,
    TaskDefaults taskDefaults,
    Budget budget,
    int prepareThreads,
    boolean idleClientThreads,
    Optional<Path> topicsFile,
    Map<String, String> kafka) {

  /**
   * Memory the worker may hold. Defaults derive from the heap ({@code -Xmx}).
   *
   * @param maxQueuedRequests {@code glimpse.worker.max.queued.requests}: requests consumed and not
   *     yet answered; at this many the worker pauses its partitions (default 8 × batch size)
   * @param maxQueuedBytes {@code glimpse.worker.max.queued.bytes}: what those requests hold (image
   *     files, pixels, features); at this much it pauses (default a quarter of the heap)
   * @param featureCacheBytes {@code glimpse.worker.feature.cache.bytes}: projected image features
   *     kept for repeated images (default an eighth of the heap; 0 turns the cache off)
   * @param kvCacheBytes {@code glimpse.worker.kv.cache.max.bytes}: the most one decode batch's KV
   *     cache may take on the model's device (default 4 GiB); fewer slots are used to stay under it
   */
  public record Budget(
      int maxQueuedRequests, long maxQueuedBytes, long featureCacheBytes, long kvCacheBytes) {
    public Budget {
      if (maxQueuedRequests < 1
          || maxQueuedBytes < 1
          || featureCacheBytes < 0
          || kvCacheBytes < 1) {
        throw new IllegalArgumentException(
            "worker budgets must be positive (the feature cache may be 0): " + this);
      }
    }

    static Budget from(Map<String, String> s, int maxBatchSize, long heap) {
      return new Budget(
          Settings.integer(
              s, "glimpse.worker.max.queued.requests", String.valueOf(8 * maxBatchSize)),
          Settings.longValue(s, "glimpse.worker.max.queued.bytes", String.valueOf(heap / 4)),
          Settings.longValue(s, "glimpse.worker.feature.cache.bytes", String.valueOf(heap / 8)),
          Settings.longValue(s, "glimpse.worker.kv.cache.max.bytes", String.valueOf(4L << 30)));
    }
  }

  public WorkerConfig {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException(
          "setting glimpse.bootstrap.servers is missing: set it in the properties file, as"
              + " GLIMPSE_BOOTSTRAP_SERVERS, or with --bootstrap-servers");
    }
    if (maxBatchSize < 1 || prepareThreads < 1) {
      throw new IllegalArgumentException(
          "glimpse.worker.max.batch.size and glimpse.worker.prepare.threads must be at least 1");
    }
    kafka = Map.copyOf(kafka);
  }

  /** Reads the settings; missing keys take defaults. */
  public static WorkerConfig from(Map<String, String> s) {
    Map<String, String> kafka = Settings.kafkaClientProperties(s);
    int maxBatchSize = Settings.integer(s, "glimpse.worker.max.batch.size", "8");
    return new WorkerConfig(
        s.getOrDefault("glimpse.bootstrap.servers", kafka.get("bootstrap.servers")),
        s.getOrDefault("glimpse.worker.group.id", "glimpse-worker"),
        s.getOrDefault("glimpse.worker.transactional.id", "glimpse-worker-" + UUID.randomUUID()),
        Optional.ofNullable(s.get("glimpse.model.id"))
            .map(String::strip)
            .filter(id -> !id.isEmpty()),
        maxBatchSize,
        Duration.ofMillis(Settings.longValue(s, "glimpse.worker.max.wait.ms", "100")),
        Duration.ofMillis(Settings.longValue(s, "glimpse.worker.commit.interval.ms", "100")),
        TaskDefaults.from(s),
        Budget.from(s, maxBatchSize, Runtime.getRuntime().maxMemory()),
        Settings.integer(
            s,
            "glimpse.worker.prepare.threads",
            String.valueOf(
                Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 2)))),
        Settings.bool(s, "glimpse.worker.client.threads.idle", false),
        Optional.ofNullable(s.get("glimpse.topics.file")).map(Path::of),
        kafka);
  }

  /** Properties file overlaid with {@code GLIMPSE_*} environment variables. */
  public static WorkerConfig load(Properties file, Map<String, String> env) {
    return from(Settings.overlay(file, env));
  }
}
