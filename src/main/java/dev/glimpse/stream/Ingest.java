package dev.glimpse.stream;

import dev.glimpse.kafka.Contract;
import dev.glimpse.kafka.TopicAdmin;
import dev.glimpse.kafka.TopicSpec;
import dev.glimpse.kafka.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;

/** A running ingest application: topics ensured, topology built, Kafka Streams started. */
public final class Ingest implements AutoCloseable {
  private final KafkaStreams streams;
  private final Topics topics;

  private Ingest(KafkaStreams streams, Topics topics) {
    this.streams = streams;
    this.topics = topics;
  }

  /** Creates missing topics (idempotent), then starts the topology. */
  public static Ingest start(IngestConfig config) {
    List<TopicSpec> specs =
        config.topicsFile().map(Topics::specsFrom).orElseGet(Topics::bundledSpecs);
    Topics topics = Topics.from(specs, Contract.current());
    Properties props = config.streamsProperties(topics.dlq().name());
    try (Admin admin = Admin.create(props)) {
      TopicAdmin.ensureTopics(admin, specs, Duration.ofSeconds(30));
    }
    KafkaStreams streams = new KafkaStreams(IngestTopology.build(config, topics), props);
    streams.start();
    return new Ingest(streams, topics);
  }

  public Topics topics() {
    return topics;
  }

  public KafkaStreams.State state() {
    return streams.state();
  }

  /** Whether the result cache holds this key yet (it fills from the result-cache topic). */
  public boolean isCached(String cacheKey) {
    var view =
        streams.store(
            StoreQueryParameters.fromNameAndType(
                IngestTopology.RESULT_CACHE,
                QueryableStoreTypes.<String, Object>timestampedKeyValueStore()));
    return view.get(cacheKey) != null;
  }

  @Override
  public void close() {
    streams.close(Duration.ofSeconds(30));
  }
}
