package dev.glimpse.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.ExpectedLog;
import dev.glimpse.kafka.BrokerWithTopics;
import dev.glimpse.kafka.FromStart;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The worker's transactions on their own thread, against a real broker. */
class BackgroundCommitsIT {
  private static final String TOPIC = "glimpse.captions";

  @Test
  void aReleaseIsCommittedInTheBackgroundAndItsEndCollectedOnce() {
    try (BrokerWithTopics broker = BrokerWithTopics.start();
        Producer<String, byte[]> producer = producer(broker, "commits-1")) {
      producer.initTransactions();
      WorkerMetrics metrics = new WorkerMetrics(new SimpleMeterRegistry());
      try (BackgroundCommits commits =
          new BackgroundCommits(new TransactionalWriter(producer), metrics)) {
        Outbox.Release release = release("event-1", 7);

        commits.start(release, workerGroup(broker));
        assertTrue(commits.busy(), "in flight until collected");
        assertThrows(
            IllegalStateException.class, () -> commits.start(release, workerGroup(broker)));
        BackgroundCommits.Ended ended = commits.collect(true).orElseThrow();

        assertTrue(ended.committed());
        assertEquals(release.records(), ended.records());
        assertFalse(commits.busy());
        assertTrue(commits.collect(true).isEmpty(), "an end is collected once");
        assertEquals(List.of("event-1"), committedKeys(broker));
        assertEquals(
            1L,
            metrics.registry().find("glimpse.worker.commit").timer().count(),
            "the commit is timed");
      }
    }
  }

  @Test
  @ExpectedLog("Aborting producer batches due to fatal error") // the fenced producer says so
  void whatTheWriterThrowsIsThrownWhereTheLoopCollectsIt() {
    try (BrokerWithTopics broker = BrokerWithTopics.start();
        Producer<String, byte[]> fenced = producer(broker, "commits-2");
        Producer<String, byte[]> successor = producer(broker, "commits-2")) {
      fenced.initTransactions();
      successor.initTransactions(); // takes the transactional id: the first is fenced
      try (BackgroundCommits commits =
          new BackgroundCommits(
              new TransactionalWriter(fenced), new WorkerMetrics(new SimpleMeterRegistry()))) {
        commits.start(release("event-2", 3), workerGroup(broker));

        assertTrue(
            commits.collectUnlessFailed().isEmpty(),
            "a rebalance callback waits for the end but does not throw it");
        assertThrows(ProducerFencedException.class, () -> commits.collect(true));
        assertFalse(commits.busy());
      }
      assertEquals(List.of(), committedKeys(broker));
    }
  }

  private static Outbox.Release release(String key, long offset) {
    ProducerRecord<String, byte[]> record =
        new ProducerRecord<>(TOPIC, key, key.getBytes(StandardCharsets.UTF_8));
    return new Outbox.Release(
        List.of(record),
        Map.of(new TopicPartition("glimpse.requests", 0), new OffsetAndMetadata(offset + 1)));
  }

  /** The worker group's metadata as a consumer of that group gives it, before it joins. */
  private static ConsumerGroupMetadata workerGroup(BrokerWithTopics broker) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "glimpse-worker");
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      return consumer.groupMetadata();
    }
  }

  private static Producer<String, byte[]> producer(BrokerWithTopics broker, String id) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  /**
   * The keys a read_committed reader sees on the topic, read to its partitions' last stable
   * offsets: what the broker holds as committed, not what arrived before a pause.
   */
  private static List<String> committedKeys(BrokerWithTopics broker) {
    List<String> keys = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> reader =
        FromStart.bytes(broker.bootstrapServers(), TOPIC, Map.of())) {
      FromStart.readToEnd(
          reader,
          Duration.ofSeconds(60),
          r -> keys.add(new String(r.key(), StandardCharsets.UTF_8)));
    }
    return keys;
  }
}
