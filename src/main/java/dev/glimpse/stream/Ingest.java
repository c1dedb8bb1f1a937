package dev.glimpse.stream;

import dev.glimpse.kafka.ClientThreads;
import dev.glimpse.kafka.Contract;
import dev.glimpse.kafka.TopicAdmin;
import dev.glimpse.kafka.TopicSpec;
import dev.glimpse.kafka.Topics;
import dev.glimpse.ops.Health;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.CloseOptions.GroupMembershipOperation;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running ingest application: topics ensured, topology built, Kafka Streams started. A failure
 * one record causes, an Error the JVM survives included ({@link RecordErrors}), is that record's
 * dead letter. A stream thread that dies of anything else takes the whole client to ERROR (rather
 * than replacing the thread, which would die again): {@link #awaitStop} then returns the cause, so
 * that a process can exit non-zero and its supervisor restart it.
 */
public final class Ingest implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Ingest.class);
  private final KafkaStreams streams;
  private final Topics topics;
  private final AtomicReference<Throwable> failure;
  private final CountDownLatch stopped;
  private final KafkaStreamsMetrics streamsMetrics;
  private final String applicationId;

  private Ingest(
      KafkaStreams streams,
      Topics topics,
      AtomicReference<Throwable> failure,
      CountDownLatch stopped,
      KafkaStreamsMetrics streamsMetrics,
      String applicationId) {
    this.streams = streams;
    this.applicationId = applicationId;
    this.topics = topics;
    this.failure = failure;
    this.stopped = stopped;
    this.streamsMetrics = streamsMetrics;
  }

  /** Creates missing topics (idempotent), then starts the topology; its meters go unscraped. */
  public static Ingest start(IngestConfig config) {
    return start(config, new SimpleMeterRegistry());
  }

  /**
   * Creates missing topics (idempotent), then starts the topology, with its meters and Kafka
   * Streams' own metrics in {@code registry}.
   */
  public static Ingest start(IngestConfig config, MeterRegistry registry) {
    return start(config, registry, UriImageFetcher.of(config));
  }

  /** As {@link #start(IngestConfig)}, with image URIs fetched by {@code fetcher}. */
  public static Ingest start(IngestConfig config, ImageFetcher fetcher) {
    return start(config, new SimpleMeterRegistry(), fetcher);
  }

  /** As {@link #start(IngestConfig, MeterRegistry)}, with image URIs fetched by {@code fetcher}. */
  public static Ingest start(IngestConfig config, MeterRegistry registry, ImageFetcher fetcher) {
    List<TopicSpec> specs =
        config.topicsFile().map(Topics::specsFrom).orElseGet(Topics::bundledSpecs);
    Topics topics = Topics.from(specs, Contract.current(config.registry()));
    // registry framing: register every written schema now, so that a refusing registry stops
    // ingest at start rather than at its first output record
    topics.registerSchemas();
    Properties props = config.streamsProperties(topics.dlq().name());
    try (Admin admin = Admin.create(props)) {
      TopicAdmin.ensureTopics(admin, specs, Duration.ofSeconds(30));
    }
    KafkaStreams streams =
        new KafkaStreams(
            IngestTopology.build(
                config,
                topics,
                fetcher,
                Clock.systemUTC(),
                new IngestMetrics(registry, Clock.systemUTC())),
            props);
    KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(streams);
    streamsMetrics.bindTo(registry);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    CountDownLatch stopped = new CountDownLatch(1);
    streams.setUncaughtExceptionHandler(
        e -> {
          failure.compareAndSet(null, e);
          return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
    streams.setStateListener(
        (now, before) -> {
          if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
            stopped.countDown();
          }
        });
    streams.start();
    return new Ingest(
        streams,
        topics,
        failure,
        stopped,
        streamsMetrics,
        props.getProperty(StreamsConfig.APPLICATION_ID_CONFIG));
  }

  /**
   * Blocks until the client stops: empty after a close, the cause when it went to ERROR.
   *
   * @throws InterruptedException when the waiting thread is interrupted
   */
  public Optional<Throwable> awaitStop() throws InterruptedException {
    stopped.await();
    if (streams.state() == KafkaStreams.State.ERROR) {
      return Optional.of(
          Optional.ofNullable(failure.get())
              .orElseGet(() -> new IllegalStateException("Kafka Streams went to ERROR")));
    }
    return Optional.empty();
  }

  public Topics topics() {
    return topics;
  }

  public KafkaStreams.State state() {
    return streams.state();
  }

  /** Ready while Kafka Streams is RUNNING (not while it starts, rebalances or has stopped). */
  public Health.Status readiness() {
    KafkaStreams.State state = streams.state();
    return state == KafkaStreams.State.RUNNING
        ? Health.Status.up("streams RUNNING")
        : Health.Status.down("streams " + state);
  }

  /**
   * The partitions of glimpse.images each stream thread works on now, by thread name: the
   * partitions that wait together while one of their thread's URI fetches is slow.
   */
  Map<String, Set<Integer>> imagesPartitionsByThread() {
    Map<String, Set<Integer>> byThread = new TreeMap<>();
    for (ThreadMetadata thread : streams.metadataForLocalThreads()) {
      Set<Integer> partitions = new TreeSet<>();
      for (TaskMetadata task : thread.activeTasks()) {
        task.topicPartitions().stream()
            .filter(tp -> tp.topic().equals(topics.images().name()))
            .forEach(tp -> partitions.add(tp.partition()));
      }
      byThread.put(thread.threadName(), partitions);
    }
    return byThread;
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }

  /**
   * Closes the client: commits or aborts the open transaction and leaves the group. A close that
   * runs out of time leaves Kafka Streams' threads running (they go on reconnecting to a broker
   * that may be gone), so it says so with the threads still alive and where each one is.
   *
   * <p>Leaving matters: a stream thread told to stop keeps polling while a rebalance of its group
   * is in progress, and a thread that stopped without leaving stays a member the coordinator waits
   * for (up to the session timeout), so a rebalance under way at close kept the other threads, the
   * global thread and the admin client running until then, and for ever once the broker was gone.
   *
   * @return whether it reached NOT_RUNNING (or ERROR) within {@code timeout}
   */
  public boolean close(Duration timeout) {
    boolean stopped;
    try {
      stopped =
          streams.close(
              CloseOptions.groupMembershipOperation(GroupMembershipOperation.LEAVE_GROUP)
                  .withTimeout(timeout));
    } finally {
      streamsMetrics.close();
    }
    if (!stopped) {
      LOG.warn(
          "INGEST_CLOSE_TIMEOUT: Kafka Streams did not stop within {} s; its threads keep running"
              + " in the background: {}. Keep the brokers up until ingest has stopped; if this repeats,"
              + " report it with this line",
          timeout.toSeconds(),
          ClientThreads.describe(applicationId));
    }
    return stopped;
  }
}
