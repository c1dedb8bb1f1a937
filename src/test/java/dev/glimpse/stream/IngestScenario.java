package dev.glimpse.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contract.CaptionResult;
import dev.glimpse.contract.CaptionTask;
import dev.glimpse.contract.DeadLetter;
import dev.glimpse.contract.ErrorCode;
import dev.glimpse.contract.InferenceRequest;
import dev.glimpse.contract.RequestTask;
import dev.glimpse.contract.ResultCacheEntry;
import dev.glimpse.contract.Timings;
import dev.glimpse.kafka.FromStart;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The ingest scenario on a real broker, whichever one: N good events and one of each bad input in;
 * exactly N requests (one per event, carrying all its tasks) and exactly one dead letter per bad
 * input out, read committed. Then a caption result written to the result cache as a worker would
 * makes a repeat of that image come back from the cache.
 */
final class IngestScenario {
  static final int GOOD_EVENTS = 20;
  private static final Duration DEADLINE = Duration.ofSeconds(90);

  private IngestScenario() {}

  static void run(String bootstrapServers) throws Exception {
    IngestConfig config =
        TestIngestSettings.config(
            bootstrapServers,
            "ingest-it-",
            "glimpse.image.max.bytes",
            String.valueOf(BadInputs.MAX_IMAGE_BYTES));
    List<BadInputs> bad = BadInputs.all();
    int tasksPerEvent = TestEvents.threeTasks().size();

    try (Ingest ingest = Ingest.start(config);
        var requests = FromStart.readCommitted(bootstrapServers, ingest.topics().requests());
        var dlq = FromStart.readCommitted(bootstrapServers, ingest.topics().dlq())) {
      try (var producer = producer(bootstrapServers)) {
        String images = ingest.topics().images().name();
        for (int i = 0; i < GOOD_EVENTS; i++) {
          String id = "good-" + i;
          byte[] value =
              TestEvents.encode(TestEvents.inline(id, TestImages.png(i), TestEvents.threeTasks()));
          producer.send(new ProducerRecord<>(images, id, value));
          if (i < bad.size()) {
            producer.send(new ProducerRecord<>(images, "bad-" + i, bad.get(i).value()));
          }
        }
        for (int i = GOOD_EVENTS; i < bad.size(); i++) {
          producer.send(new ProducerRecord<>(images, "bad-" + i, bad.get(i).value()));
        }
        producer.flush();
      }

      List<InferenceRequest> gotRequests = new ArrayList<>();
      List<DeadLetter> gotLetters = new ArrayList<>();
      int expectedRequests = GOOD_EVENTS;
      int expected = expectedRequests + bad.size();
      long deadline = System.nanoTime() + DEADLINE.toNanos();
      pollWhile(
          () -> gotRequests.size() + gotLetters.size() < expected && System.nanoTime() < deadline,
          requests,
          gotRequests,
          dlq,
          gotLetters);
      // and nothing more arrives: no duplicates from retries or rebalances
      long settled = System.nanoTime() + Duration.ofSeconds(2).toNanos();
      pollWhile(() -> System.nanoTime() < settled, requests, gotRequests, dlq, gotLetters);

      assertEquals(expectedRequests, gotRequests.size(), "requests");
      assertEquals(bad.size(), gotLetters.size(), "dead letters: " + codes(gotLetters));
      assertEquals(
          bad.stream().map(BadInputs::expected).sorted().toList(),
          codes(gotLetters).stream().sorted().toList());
      assertEquals(
          expectedRequests,
          gotRequests.stream().map(InferenceRequest::getRequestId).distinct().count(),
          "every request id once");
      gotRequests.forEach(
          r -> assertEquals(tasksPerEvent, r.getTasks().size(), "tasks of " + r.getEventId()));

      answerACaptionAndSeeTheRepeatServedFromCache(bootstrapServers, ingest, gotRequests);
    }
  }

  /**
   * Acts as the worker for one caption, then sends the same image again until ingest answers it
   * from the cache.
   */
  private static void answerACaptionAndSeeTheRepeatServedFromCache(
      String bootstrap, Ingest ingest, List<InferenceRequest> requests) throws Exception {
    InferenceRequest request = requests.get(0);
    RequestTask caption =
        request.getTasks().stream()
            .filter(t -> t.getTask() instanceof CaptionTask)
            .findFirst()
            .orElseThrow();
    var cacheTopic = ingest.topics().resultCache();
    try (var worker =
        new KafkaProducer<>(
            Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
            cacheTopic.keySerde().serializer(),
            cacheTopic.valueSerde().serializer())) {
      worker
          .send(
              new ProducerRecord<>(
                  cacheTopic.name(),
                  caption.getCacheKey(),
                  new ResultCacheEntry(
                      new CaptionResult(
                          request.getEventId(),
                          caption.getTaskIndex(),
                          request.getModelId(),
                          request.getImageSha256(),
                          "a circle on a square",
                          new Timings(1L, 2L, 3L, 6L),
                          false))))
          .get();
    }
    int seed = Integer.parseInt(request.getEventId().substring("good-".length()));
    CaptionResult hit =
        CacheProbe.awaitCachedCaption(bootstrap, ingest.topics(), TestImages.png(seed), "repeat");
    assertTrue(hit.getFromCache());
    assertEquals("a circle on a square", hit.getCaption());
  }

  private static List<ErrorCode> codes(List<DeadLetter> letters) {
    return letters.stream().map(DeadLetter::getCode).toList();
  }

  private static KafkaProducer<String, byte[]> producer(String bootstrap) {
    return new KafkaProducer<>(
        Map.<String, Object>of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
            ProducerConfig.ACKS_CONFIG, "all",
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true"),
        new StringSerializer(),
        new ByteArraySerializer());
  }

  /** Reads both topics into their lists while {@code more} holds. */
  private static void pollWhile(
      BooleanSupplier more,
      KafkaConsumer<String, InferenceRequest> requests,
      List<InferenceRequest> gotRequests,
      KafkaConsumer<String, DeadLetter> dlq,
      List<DeadLetter> gotLetters) {
    while (more.getAsBoolean()) {
      requests.poll(Duration.ofMillis(100)).forEach(r -> gotRequests.add(r.value()));
      dlq.poll(Duration.ofMillis(100)).forEach(r -> gotLetters.add(r.value()));
    }
  }
}
