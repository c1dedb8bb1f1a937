package dev.glimpse.kafka;

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
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real broker in this JVM with every bundled topic already created, as a command finds a cluster
 * that ingest has set up. Either one per test ({@code try (var kafka = BrokerWithTopics.start())})
 * or one for a whole class ({@code @RegisterExtension static final BrokerWithTopics KAFKA = new
 * BrokerWithTopics();}: it starts before the class's own {@code @BeforeAll} methods and closes
 * after them). Records go on it raw (a string key, value bytes), so a test can also put there what
 * no Glimpse writer would.
 */
public final class BrokerWithTopics implements BeforeAllCallback, AfterAllCallback, AutoCloseable {
  private final Topics topics = Topics.from(Topics.bundledSpecs(), Contract.current());
  private EmbeddedKafkaBroker broker;

  /** A broker and its topics now, closed by {@link #close}. */
  public static BrokerWithTopics start() {
    BrokerWithTopics kafka = new BrokerWithTopics();
    kafka.startBroker();
    return kafka;
  }

  private void startBroker() {
    broker = EmbeddedKafkaBroker.start();
    try (Admin admin =
        Admin.create(
            Map.<String, Object>of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      TopicAdmin.ensureTopics(admin, topics.specs(), Duration.ofSeconds(30));
    } catch (RuntimeException e) {
      broker.close();
      throw e;
    }
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    startBroker();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  public String bootstrapServers() {
    return broker.bootstrapServers();
  }

  public Topics topics() {
    return topics;
  }

  /** Sends the records in their order, each acknowledged by the broker before the next goes. */
  public void send(List<ProducerRecord<String, byte[]>> records)
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

  public void send(ProducerRecord<String, byte[]> record)
      throws InterruptedException, ExecutionException {
    send(List.of(record));
  }

  @Override
  public void close() {
    if (broker != null) { // null where it failed to start: there is nothing to close
      broker.close();
      broker = null;
    }
  }
}
