package dev.glimpse.kafka;

import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes a value the way a Glimpse client would, through its topic's own serde, on a producer of
 * plain bytes: one producer serves topics of every value type.
 */
public final class TopicBytes {
  private TopicBytes() {}

  /** Sends and waits until the broker has the record. */
  public static <V> void send(
      KafkaProducer<String, byte[]> producer, Topic<String, V> topic, String key, V value)
      throws InterruptedException, ExecutionException {
    producer
        .send(
            new ProducerRecord<>(
                topic.name(), key, topic.valueSerde().serializer().serialize(topic.name(), value)))
        .get();
  }
}
