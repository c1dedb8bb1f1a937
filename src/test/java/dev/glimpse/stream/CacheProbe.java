package dev.glimpse.stream;

import dev.glimpse.contract.CaptionResult;
import dev.glimpse.contract.CaptionTask;
import dev.glimpse.kafka.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Waits, through the topics alone, until ingest's result cache holds the caption of an image: it
 * sends the image with one caption task, under a new event id each time ({@code prefix-0}, {@code
 * prefix-1}, ...), until ingest answers one of them from the cache. Each probe answered before that
 * is a miss, and so an inference request, like any other.
 */
final class CacheProbe {
  private static final Duration DEADLINE = Duration.ofSeconds(90);
  private static final Duration EACH = Duration.ofMillis(500);

  private CacheProbe() {}

  /** The first caption ingest served from its cache for a probe of {@code image}. */
  static CaptionResult awaitCachedCaption(
      String bootstrap, Topics topics, byte[] image, String prefix) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    try (var producer =
            new KafkaProducer<>(
                Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringSerializer(),
                new ByteArraySerializer());
        var captions = new Committed<>(bootstrap, topics.captions())) {
      for (int i = 0; System.nanoTime() < deadline; i++) {
        String id = prefix + "-" + i;
        producer.send(
            new ProducerRecord<>(
                topics.images().name(),
                id,
                TestEvents.encode(TestEvents.inline(id, image, List.of(new CaptionTask())))));
        producer.flush();
        Optional<ConsumerRecord<String, CaptionResult>> hit =
            captions.within(EACH, c -> c.getFromCache() && c.getEventId().startsWith(prefix + "-"));
        if (hit.isPresent()) {
          return hit.get().value();
        }
      }
    }
    throw new AssertionError("ingest never answered a probe of the image from its result cache");
  }
}
