package dev.glimpse.worker;

import java.util.Properties;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Makes the worker's two Kafka clients from the properties the worker chose, as Kafka Streams'
 * {@code KafkaClientSupplier} does for a topology: the one place a caller can hand the worker
 * clients of its own (the failure tests wrap the real ones to die at a chosen point).
 */
interface WorkerClients {
  /** The plain Kafka clients, as every process runs them. */
  WorkerClients KAFKA =
      new WorkerClients() {
        @Override
        public Consumer<String, byte[]> consumer(Properties properties) {
          return new KafkaConsumer<>(
              properties, new StringDeserializer(), new ByteArrayDeserializer());
        }

        @Override
        public Producer<String, byte[]> producer(Properties properties) {
          return new KafkaProducer<>(properties, new StringSerializer(), new ByteArraySerializer());
        }
      };

  Consumer<String, byte[]> consumer(Properties properties);

  Producer<String, byte[]> producer(Properties properties);

  /** The request consumer's properties: manual commits through the producer, read_committed. */
  static Properties consumerProperties(WorkerConfig config) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(
        ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
        String.valueOf(Math.max(16, 4 * config.maxBatchSize())));
    // a fetch brings at most a slice of the queue budget (a record larger than that still comes
    // alone)
    long fetch = Math.max(1 << 20, Math.min(50L << 20, config.budget().maxQueuedBytes() / 8));
    p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, String.valueOf(fetch));
    p.put(
        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
        String.valueOf(Math.min(16L << 20, fetch)));
    p.putAll(config.kafka());
    return p;
  }

  /** The result producer's properties: transactional, idempotent. */
  static Properties producerProperties(WorkerConfig config) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId());
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(13 << 20));
    // a worker that dies inside a transaction holds back read_committed readers this long at most
    p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "10000");
    p.putAll(config.kafka());
    return p;
  }
}
