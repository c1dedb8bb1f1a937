package dev.glimpse.worker;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The worker's real Kafka clients, which can be made to die inside a transaction as a killed
 * process's would: once armed, the next commit finds its records and offsets sent to the broker and
 * then, instead of committing, the producer is closed at once with no commit and no abort, and the
 * consumer the next time the worker's loop touches it, with no leave-group (the group notices by
 * session timeout). The worker's loop ends there: the consumer is the loop's alone (the commit runs
 * on a thread of its own), so it is closed on the loop's thread.
 */
final class DyingClients implements WorkerClients {
  /** What ends the worker's thread where a SIGKILL would end its process. */
  static final class Killed extends Error {
    Killed() {
      super(
          "killed inside a transaction, after its records and offsets were sent, before its commit");
    }
  }

  private volatile boolean armed;
  private volatile boolean killed;

  /** The worker dies in its next transaction. */
  void dieInNextTransaction() {
    armed = true;
  }

  @Override
  public Consumer<String, byte[]> consumer(Properties properties) {
    return new KafkaConsumer<>(properties, new StringDeserializer(), new ByteArrayDeserializer()) {
      @Override
      public ConsumerRecords<String, byte[]> poll(Duration timeout) {
        if (killed) {
          closeAsKilled();
          throw new Killed();
        }
        return super.poll(timeout);
      }

      @Override
      public void close(Duration timeout) {
        if (killed) {
          closeAsKilled();
        } else {
          super.close(timeout);
        }
      }

      private void closeAsKilled() {
        super.close(
            CloseOptions.groupMembershipOperation(
                    CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP)
                .withTimeout(Duration.ZERO));
      }
    };
  }

  @Override
  public Producer<String, byte[]> producer(Properties properties) {
    return new DyingProducer(WorkerClients.KAFKA.producer(properties));
  }

  /** A real producer that, armed, dies where {@link #commitTransaction} would commit. */
  private final class DyingProducer implements Producer<String, byte[]> {
    private final Producer<String, byte[]> real;

    DyingProducer(Producer<String, byte[]> real) {
      this.real = real;
    }

    @Override
    public void commitTransaction() {
      if (!armed) {
        real.commitTransaction();
        return;
      }
      real.flush(); // the records are on the broker, in a transaction nobody ends
      real.close(Duration.ZERO);
      killed = true;
      throw new Killed();
    }

    @Override
    public void initTransactions() {
      real.initTransactions();
    }

    @Override
    public void beginTransaction() {
      real.beginTransaction();
    }

    @Override
    public void sendOffsetsToTransaction(
        Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
      real.sendOffsetsToTransaction(offsets, group);
    }

    @Override
    public void abortTransaction() {
      real.abortTransaction();
    }

    @Override
    public void registerMetricForSubscription(KafkaMetric metric) {
      real.registerMetricForSubscription(metric);
    }

    @Override
    public void unregisterMetricFromSubscription(KafkaMetric metric) {
      real.unregisterMetricFromSubscription(metric);
    }

    @Override
    public Future<RecordMetadata> send(ProducerRecord<String, byte[]> record) {
      return real.send(record);
    }

    @Override
    public Future<RecordMetadata> send(ProducerRecord<String, byte[]> record, Callback callback) {
      return real.send(record, callback);
    }

    @Override
    public void flush() {
      real.flush();
    }

    @Override
    public List<PartitionInfo> partitionsFor(String topic) {
      return real.partitionsFor(topic);
    }

    @Override
    public Map<MetricName, ? extends Metric> metrics() {
      return real.metrics();
    }

    @Override
    public Uuid clientInstanceId(Duration timeout) {
      return real.clientInstanceId(timeout);
    }

    @Override
    public void close() {
      real.close();
    }

    @Override
    public void close(Duration timeout) {
      real.close(timeout);
    }
  }
}
