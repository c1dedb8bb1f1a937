package dev.glimpse.kafka;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Consumers for whoever watches the pipeline (tail, demo, the live view): each in a consumer group
 * of its own, so that watching takes nothing from another watcher, reading committed records only,
 * committing no offsets, and fetching records as large as an inline image.
 */
public final class Watchers {
  private Watchers() {}

  /**
   * A consumer subscribed to {@code topics}, in a new group named {@code groupPrefix} and a random
   * suffix, from the topics' start or from now on; {@code clientProperties} pass through last.
   */
  public static KafkaConsumer<String, byte[]> subscribed(
      String groupPrefix,
      Map<String, String> clientProperties,
      boolean fromBeginning,
      List<String> topics) {
    Properties p = new Properties();
    p.put(ConsumerConfig.GROUP_ID_CONFIG, groupPrefix + UUID.randomUUID());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromBeginning ? "earliest" : "latest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    // an event holds its image inline, up to the topic's record limit
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(16 << 20));
    p.putAll(clientProperties);
    KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    consumer.subscribe(topics);
    return consumer;
  }
}
