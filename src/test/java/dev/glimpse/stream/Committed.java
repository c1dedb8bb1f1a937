package dev.glimpse.stream;

import dev.glimpse.kafka.FromStart;
import dev.glimpse.kafka.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * What a topic holds, read committed from the beginning: a test's view of ingest's output. Reads to
 * the end offsets, so "nothing more" is checked against what the broker has, not a pause.
 */
final class Committed<V> implements AutoCloseable {
  private static final Duration DEADLINE = Duration.ofSeconds(90);

  private final KafkaConsumer<String, V> consumer;
  private final List<ConsumerRecord<String, V>> read = new ArrayList<>();

  Committed(String bootstrap, Topic<String, V> topic) {
    consumer = FromStart.readCommitted(bootstrap, topic);
  }

  /** Reads until a record matches, or fails after the deadline. */
  ConsumerRecord<String, V> await(Predicate<V> wanted, String what) {
    return within(DEADLINE, wanted)
        .orElseThrow(() -> new AssertionError("never arrived: " + what + "; read " + values()));
  }

  /** The first record read that matches, reading for at most {@code wait}. */
  Optional<ConsumerRecord<String, V>> within(Duration wait, Predicate<V> wanted) {
    long deadline = System.nanoTime() + wait.toNanos();
    for (int seen = 0; ; ) {
      for (; seen < read.size(); seen++) {
        if (wanted.test(read.get(seen).value())) {
          return Optional.of(read.get(seen));
        }
      }
      if (System.nanoTime() >= deadline) {
        return Optional.empty();
      }
      poll();
    }
  }

  /** Reads everything committed so far: up to the end offsets (the last stable offsets). */
  List<V> drain() {
    FromStart.readToEnd(consumer, DEADLINE, read::add);
    return values();
  }

  List<V> values() {
    return read.stream().map(ConsumerRecord::value).toList();
  }

  private void poll() {
    consumer.poll(Duration.ofMillis(100)).forEach(read::add);
  }

  @Override
  public void close() {
    consumer.close();
  }
}
