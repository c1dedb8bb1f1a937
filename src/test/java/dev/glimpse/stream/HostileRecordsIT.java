package dev.glimpse.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contract.DeadLetter;
import dev.glimpse.contract.ErrorCode;
import dev.glimpse.kafka.ClientThreads;
import dev.glimpse.kafka.CraftedRecords;
import dev.glimpse.kafka.EmbeddedKafkaBroker;
import dev.glimpse.kafka.FromStart;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Records crafted to make a decoder allocate gigabytes, or to read past their end, interleaved with
 * good events on a real broker: each crafted one becomes one NOT_AVRO dead letter, the good ones
 * still become requests, and the Streams client is still RUNNING after all of them.
 */
class HostileRecordsIT {
  private static final int GOOD_EVENTS = 4;
  private static final Duration DEADLINE = Duration.ofSeconds(90);

  @Test
  void craftedRecordsAreCodedDeadLettersAndTheStreamGoesOn() throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      String bootstrap = broker.bootstrapServers();
      String app = "hostile-it-" + UUID.randomUUID();
      IngestConfig config = IngestConfig.from(TestIngestSettings.of(bootstrap, app, "it-model"));
      byte[] valid =
          TestEvents.encode(
              TestEvents.inline("template", TestImages.png(0), TestEvents.threeTasks()));
      List<CraftedRecords.Crafted> crafted = CraftedRecords.all(valid);

      try (Ingest ingest = Ingest.start(config);
          var requests = FromStart.readCommitted(bootstrap, ingest.topics().requests());
          var dlq = FromStart.readCommitted(bootstrap, ingest.topics().dlq());
          var producer =
              new KafkaProducer<>(
                  Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                  new StringSerializer(),
                  new ByteArraySerializer())) {
        String images = ingest.topics().images().name();
        // crafted first, then the good ones: a stuck stream would show as good events missing
        for (int i = 0; i < crafted.size(); i++) {
          producer.send(new ProducerRecord<>(images, "crafted-" + i, crafted.get(i).value()));
        }
        for (int i = 0; i < GOOD_EVENTS; i++) {
          String id = "good-" + i;
          producer.send(
              new ProducerRecord<>(
                  images,
                  id,
                  TestEvents.encode(
                      TestEvents.inline(id, TestImages.png(i + 1), TestEvents.threeTasks()))));
        }
        producer.flush();

        Map<String, DeadLetter> letters = new HashMap<>();
        Set<String> requested = new HashSet<>();
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while ((letters.size() < crafted.size() || requested.size() < GOOD_EVENTS)
            && System.nanoTime() < deadline) {
          requests.poll(Duration.ofMillis(100)).forEach(r -> requested.add(r.value().getEventId()));
          dlq.poll(Duration.ofMillis(100))
              .forEach(
                  r ->
                      letters.put(
                          StandardCharsets.UTF_8.decode(r.value().getOriginalKey()).toString(),
                          r.value()));
        }

        for (int i = 0; i < crafted.size(); i++) {
          DeadLetter letter = letters.get("crafted-" + i);
          assertTrue(
              letter != null, "no dead letter for " + crafted.get(i) + "; got " + letters.keySet());
          assertEquals(
              ErrorCode.NOT_AVRO, letter.getCode(), crafted.get(i) + ": " + letter.getMessage());
          assertTrue(
              letter.getMessage().startsWith("the value is not an Avro ImageEvent")
                  && letter
                      .getMessage()
                      .endsWith(
                          "produce it with ImageEvent.getEncoder(), the glimpse serde or a schema registry serde")
                  && !letter.getMessage().contains("produce with"),
              letter.getMessage());
          if (i < 4) { // the four lying lengths: refused before decoding, with what they claimed
            assertTrue(
                letter.getMessage().contains("does not hold what it claims"), letter.getMessage());
          }
        }
        assertEquals(crafted.size(), letters.size(), "dead letters: " + letters.keySet());
        for (int i = 0; i < GOOD_EVENTS; i++) {
          assertTrue(
              requested.contains("good-" + i), "good-" + i + " made no request; got " + requested);
        }
        assertTrue(
            ingest.state().isRunningOrRebalancing(),
            "the client is alive (running or rebalancing its stream threads): " + ingest.state());
      }
      assertEquals("none", ClientThreads.describe(app), "threads of " + app + " alive after close");
    }
  }
}
