package dev.glimpse.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Consumers that read a whole topic from its first offset, read committed unless told otherwise: a
 * test's view of what a topic holds. Most are assigned every partition outside any group, so no
 * rebalance delays the first poll and nothing is committed; {@link #inOwnGroup} is for topics that
 * may not exist yet when the reader starts.
 */
public final class FromStart {
  private FromStart() {}

  /** Every partition of the topic, from its start, read committed. */
  public static <V> KafkaConsumer<String, V> readCommitted(
      String bootstrap, Topic<String, V> topic) {
    return readCommitted(bootstrap, topic, Map.of());
  }

  /** The same with further consumer settings (a larger fetch, say), which win over the defaults. */
  public static <V> KafkaConsumer<String, V> readCommitted(
      String bootstrap, Topic<String, V> topic, Map<String, Object> settings) {
    return assigned(
        bootstrap,
        topic.name(),
        settings,
        topic.keySerde().deserializer(),
        topic.valueSerde().deserializer());
  }

  /**
   * Every partition of the topic as raw bytes, from its start: read committed unless the settings
   * name another isolation level.
   */
  public static KafkaConsumer<byte[], byte[]> bytes(
      String bootstrap, String topic, Map<String, Object> settings) {
    return assigned(
        bootstrap, topic, settings, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /**
   * A reader in a fresh group of its own, subscribed from the earliest offset, read committed: it
   * sees the topic's partitions even where they are created after it starts.
   */
  public static <V> KafkaConsumer<String, V> inOwnGroup(
      String bootstrap, Topic<String, V> topic, String groupPrefix) {
    var consumer =
        new KafkaConsumer<>(
            Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG,
                groupPrefix + UUID.randomUUID(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest"),
            topic.keySerde().deserializer(),
            topic.valueSerde().deserializer());
    consumer.subscribe(List.of(topic.name()));
    return consumer;
  }

  /**
   * Polls an assigned reader up to the end offsets its partitions have now (read committed: the
   * last stable offsets), handing each record on; fails when it cannot get there within {@code
   * wait}. "Nothing more" is then checked against what the broker holds, not against a pause.
   */
  public static <K, V> void readToEnd(
      KafkaConsumer<K, V> consumer, Duration wait, Consumer<ConsumerRecord<K, V>> each) {
    Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
    long deadline = System.nanoTime() + wait.toNanos();
    while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("could not read to " + end + " within " + wait.toSeconds() + " s");
      }
      consumer.poll(Duration.ofMillis(100)).forEach(each);
    }
  }

  private static <K, V> KafkaConsumer<K, V> assigned(
      String bootstrap,
      String topic,
      Map<String, Object> settings,
      Deserializer<K> keys,
      Deserializer<V> values) {
    Map<String, Object> config =
        new HashMap<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"));
    config.putAll(settings);
    var consumer = new KafkaConsumer<>(config, keys, values);
    List<TopicPartition> partitions =
        consumer.partitionsFor(topic).stream()
            .map(p -> new TopicPartition(p.topic(), p.partition()))
            .toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    return consumer;
  }
}
