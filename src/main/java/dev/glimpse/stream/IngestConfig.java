package dev.glimpse.stream;

import dev.glimpse.kafka.RegistryConfig;
import dev.glimpse.kafka.Settings;
import dev.glimpse.model.ModelId;
import dev.glimpse.model.text.PromptTemplate;
import dev.glimpse.task.TaskDefaults;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;

/**
 * Everything the ingest process is configured with, read once at start.
 *
 * <p>Settings come from a properties file overlaid with {@code GLIMPSE_*} environment variables
 * ({@code GLIMPSE_MODEL_ID} sets {@code glimpse.model.id}). Keys starting with {@code kafka.} pass
 * through to the Kafka Streams client untouched, minus the prefix (security settings included), and
 * win over what ingest sets itself.
 *
 * @param modelId {@code glimpse.model.id}: the model results are cached for, the same value the
 *     worker serves (it refuses requests for another); default: the built-in model's id
 * @param taskDefaults what tasks mean when an event leaves them open (shared with the worker)
 * @param kafka Kafka client properties passed through
 * @param topicsFile topic specs to use instead of the bundled topology/topics.json
 * @param registry {@code glimpse.schema.registry.*} and {@code glimpse.output.framing}: the schema
 *     registry that registry-framed images are read through, and the framing ingest writes
 * @param filePolicy {@code glimpse.image.file.root}: the directory {@code file:} image URIs may
 *     name files under; unset, they are refused
 */
public record IngestConfig(
    String applicationId,
    String bootstrapServers,
    Path stateDir,
    String modelId,
    TaskDefaults taskDefaults,
    Limits limits,
    UriPolicy uriPolicy,
    Optional<Path> topicsFile,
    Map<String, String> kafka,
    RegistryConfig registry,
    FilePolicy filePolicy) {

  /**
   * What an event may ask for.
   *
   * @param maxImageBytes encoded image file, inline or fetched
   * @param maxPixels width x height, read from the header before decoding
   * @param maxPromptChars one question, or the moderation categories together
   * @param maxTasks tasks in one event (all of them travel in one inference request)
   * @param maxNewTokens the largest max_new_tokens an event may ask for
   */
  public record Limits(
      long maxImageBytes, long maxPixels, int maxPromptChars, int maxTasks, int maxNewTokens) {
    public Limits {
      if (maxImageBytes <= 0
          || maxPixels <= 0
          || maxPromptChars <= 0
          || maxTasks <= 0
          || maxNewTokens <= 0) {
        throw new IllegalArgumentException("ingest limits must be positive: " + this);
      }
    }
  }

  public IngestConfig {
    require(applicationId, "glimpse.ingest.application.id");
    require(bootstrapServers, "glimpse.bootstrap.servers");
    require(modelId, "glimpse.model.id");
    kafka = Map.copyOf(kafka);
  }

  /** Reads the settings (see the class comment for the keys); missing keys take defaults. */
  public static IngestConfig from(Map<String, String> settings) {
    Map<String, String> s = new LinkedHashMap<>(settings);
    Map<String, String> kafka = Settings.kafkaClientProperties(s);
    Limits limits =
        new Limits(
            Settings.longValue(s, "glimpse.image.max.bytes", String.valueOf(10L << 20)),
            Settings.longValue(s, "glimpse.image.max.pixels", "40000000"),
            Settings.integer(s, "glimpse.prompt.max.chars", "2000"),
            Settings.integer(s, "glimpse.tasks.max", "16"),
            Settings.integer(s, "glimpse.generate.max.new.tokens", "512"));
    UriPolicy uris =
        new UriPolicy(
            csv(s.getOrDefault("glimpse.uri.schemes", "http,https")),
            csv(s.getOrDefault("glimpse.uri.hosts", "")),
            Settings.bool(s, "glimpse.uri.allow.private", false),
            // glimpse.uri.timeout.ms was per hop; the deadline is the same budget for all of it
            Duration.ofMillis(
                Settings.longValue(
                    s,
                    "glimpse.uri.deadline.ms",
                    s.getOrDefault("glimpse.uri.timeout.ms", "3000"))),
            Settings.integer(s, "glimpse.uri.max.redirects", "3"));
    String bootstrap = s.getOrDefault("glimpse.bootstrap.servers", kafka.get("bootstrap.servers"));
    return new IngestConfig(
        s.getOrDefault("glimpse.ingest.application.id", "glimpse-ingest"),
        bootstrap,
        Path.of(
            s.getOrDefault(
                "glimpse.ingest.state.dir",
                Path.of(System.getProperty("java.io.tmpdir"), "glimpse-streams").toString())),
        Optional.ofNullable(s.get("glimpse.model.id"))
            .orElseGet(() -> ModelId.builtin(PromptTemplate.LLAVA_1_5.name())),
        TaskDefaults.from(s),
        limits,
        uris,
        Optional.ofNullable(s.get("glimpse.topics.file")).map(Path::of),
        kafka,
        RegistryConfig.from(s),
        FilePolicy.fromSetting(s.get(FilePolicy.SETTING)));
  }

  /** Properties file overlaid with {@code GLIMPSE_*} environment variables. */
  public static IngestConfig load(Properties file, Map<String, String> env) {
    return from(Settings.overlay(file, env));
  }

  /**
   * Stream threads by default: a fetch that takes its whole deadline stalls only the partitions of
   * its own thread (with the bundled 6 partitions of glimpse.images on one instance: 1 or 2).
   */
  static final int STREAM_THREADS = 4;

  /**
   * Records one poll returns and one partition buffers. Kafka Streams commits only between batches
   * of records (each up to this many per task, polled plus buffered), so the longest a transaction
   * stays open is about tasks per thread x 2 x this x the URI deadline.
   */
  static final int RECORDS_PER_BATCH = 10;

  /** Longest a transaction may stay open: well above 2 tasks x 20 records x the 3 s deadline. */
  static final Duration TRANSACTION_TIMEOUT = Duration.ofMinutes(5);

  /**
   * Longest between two polls before the group drops the thread. Streams checks it only between
   * batches and polls once half of it has passed, so it must exceed twice the longest batch.
   */
  static final Duration MAX_POLL_INTERVAL = Duration.ofMinutes(10);

  /**
   * Kafka Streams properties: exactly-once v2, the dead-letter handlers, limits that keep a burst
   * of slow URI fetches inside the group and the transaction, then the pass-through (which wins).
   */
  public Properties streamsProperties(String deadLetterTopic) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, String.valueOf(STREAM_THREADS));
    // unprefixed, so that kafka.max.poll.records and the like still override them
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(RECORDS_PER_BATCH));
    p.put(StreamsConfig.BUFFERED_RECORDS_PER_PARTITION_CONFIG, String.valueOf(RECORDS_PER_BATCH));
    p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, String.valueOf(MAX_POLL_INTERVAL.toMillis()));
    p.put(
        ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, String.valueOf(TRANSACTION_TIMEOUT.toMillis()));
    p.put(
        StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
        DeadLetterProcessingHandler.class.getName());
    // images are read as raw bytes (decode errors are dead-lettered by the topology); this covers
    // the result topics behind the cache: a record there that is not a result is skipped, so a
    // worker bug costs cache misses instead of stopping ingest
    p.put(
        StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        LogAndContinueExceptionHandler.class.getName());
    p.put(
        StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG,
        DeadLetterProductionHandler.class.getName());
    // an Error one record causes (a stack overflow, one huge allocation) becomes its dead letter
    p.put(StreamsConfig.PROCESSOR_WRAPPER_CLASS_CONFIG, RecordErrors.class.getName());
    p.put(InternalErrorLetters.TOPIC_CONFIG, deadLetterTopic);
    p.put(InternalErrorLetters.MAX_ORIGINAL_CONFIG, String.valueOf(maxDeadLetterOriginalBytes()));
    p.put(
        StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG),
        String.valueOf(maxRecordBytes()));
    p.putAll(kafka);
    return p;
  }

  /** Largest record ingest produces: an image at the limit plus the request envelope. */
  public long maxRecordBytes() {
    return limits.maxImageBytes() + (1 << 20);
  }

  /**
   * Largest original value copied into a dead letter; larger ones are pointed at (topic, partition,
   * offset) so that the letter itself still fits {@link #maxRecordBytes()}.
   */
  public long maxDeadLetterOriginalBytes() {
    return maxRecordBytes() - (64 << 10);
  }

  private static Set<String> csv(String value) {
    return Arrays.stream(value.split(","))
        .map(String::trim)
        .filter(x -> !x.isEmpty())
        .map(x -> x.toLowerCase(Locale.ROOT))
        .collect(Collectors.toUnmodifiableSet());
  }

  private static void require(String value, String key) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(
          "setting "
              + key
              + " is missing: set it in the properties file or as an environment"
              + " variable ("
              + key.toUpperCase(Locale.ROOT).replace('.', '_')
              + ")");
    }
  }
}
