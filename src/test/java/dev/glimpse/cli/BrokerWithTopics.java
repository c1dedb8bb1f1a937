package dev.glimpse.cli;

import dev.glimpse.kafka.EmbeddedKafkaBroker;
import dev.glimpse.kafka.TopicAdmin;
import dev.glimpse.kafka.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A real broker in this JVM with every bundled topic already created, as a command finds a cluster
 * that ingest has set up. Records go on it raw (a string key, value bytes), so a test can also put
 * there what no Glimpse writer would.
 */
final class BrokerWithTopics implements AutoCloseable {
  private final EmbeddedKafkaBroker broker;

  private BrokerWithTopics(EmbeddedKafkaBroker broker) {
    this.broker = broker;
  }

  static BrokerWithTopics start() {
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      TopicAdmin.ensureTopics(admin, Topics.bundledSpecs(), Duration.ofSeconds(30));
    } catch (RuntimeException e) {
      broker.close();
      throw e;
    }
    return new BrokerWithTopics(broker);
  }

  String bootstrapServers() {
    return broker.bootstrapServers();
  }

  /** Sends the records in their order, each acknowledged by the broker before the next goes. */
  void send(List<ProducerRecord<String, byte[]>> records)
      throws InterruptedException, ExecutionException {
    try (var producer =
        new KafkaProducer<>(
            Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()),
            new StringSerializer(),
            new ByteArraySerializer())) {
      for (ProducerRecord<String, byte[]> record : records) {
        producer.send(record).get();
      }
    }
  }

  void send(ProducerRecord<String, byte[]> record) throws InterruptedException, ExecutionException {
    send(List.of(record));
  }

  @Override
  public void close() {
    broker.close();
  }
}
