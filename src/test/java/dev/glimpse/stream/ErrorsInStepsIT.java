package dev.glimpse.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.ExpectedLog;
import dev.glimpse.contract.CaptionTask;
import dev.glimpse.contract.DeadLetter;
import dev.glimpse.contract.ErrorCode;
import dev.glimpse.contract.ImageEvent;
import dev.glimpse.contract.InferenceRequest;
import dev.glimpse.kafka.EmbeddedKafkaBroker;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An Error thrown while processing one record, on a real broker: the ones the JVM survives (stack
 * overflow, one huge allocation, a library's AssertionError) become that record's INTERNAL_ERROR
 * dead letter, committed with its offset, so that the good events around it are answered, Streams
 * stays RUNNING and a restart does not meet the record again. An Error of the JVM itself still
 * stops the client.
 */
@ExpectedLog({
  "ingest failed on glimpse.images-",
  "Encountered the following exception during processing",
  "Global thread has died"
})
class ErrorsInStepsIT {
  private static final String OVERFLOW = "https://images.example/overflow.png";
  private static final String HEAP = "https://images.example/heap.png";
  private static final String ASSERTION = "https://images.example/assertion.png";
  private static final String JVM = "https://images.example/jvm.png";

  private EmbeddedKafkaBroker broker;

  @BeforeEach
  void startBroker() {
    broker = EmbeddedKafkaBroker.start();
  }

  @AfterEach
  void stopBroker() {
    broker.close();
  }

  /** Throws the Error each crafted URI stands for; no other URI is sent. */
  private static byte[] fetch(URI uri, long maxBytes) {
    switch (uri.toString()) {
      case OVERFLOW -> throw new StackOverflowError();
      case HEAP -> throw new OutOfMemoryError("Java heap space");
      case ASSERTION -> throw new AssertionError("a library's invariant failed");
      case JVM -> throw new InternalError("the JVM is in trouble");
      default -> throw new IllegalArgumentException("unexpected URI " + uri);
    }
  }

  @Test
  void anErrorOneRecordCausesIsItsDeadLetterAndARestartDoesNotMeetItAgain() throws Exception {
    IngestConfig config = config("errors-it-");
    List<String> crafted = List.of(OVERFLOW, HEAP, ASSERTION);
    try (Ingest ingest = Ingest.start(config, ErrorsInStepsIT::fetch);
        var producer = producer();
        var requests = new Committed<>(broker.bootstrapServers(), ingest.topics().requests());
        var dlq = new Committed<>(broker.bootstrapServers(), ingest.topics().dlq())) {
      String images = ingest.topics().images().name();
      // one partition: the good events behind each crafted one wait for it, in order
      for (int i = 0; i < crafted.size(); i++) {
        send(
            producer,
            images,
            "good-" + i,
            TestEvents.inline("good-" + i, TestImages.png(i), TestEvents.threeTasks()));
        send(
            producer,
            images,
            "crafted-" + i,
            TestEvents.uri("crafted-" + i, crafted.get(i), List.of(new CaptionTask())));
      }
      send(
          producer,
          images,
          "good-3",
          TestEvents.inline("good-3", TestImages.png(3), TestEvents.threeTasks()));

      requests.await(r -> r.getEventId().equals("good-3"), "the request of the last good event");
      List<DeadLetter> letters = dlq.drain();
      assertEquals(3, letters.size(), "dead letters: " + letters);
      for (int i = 0; i < crafted.size(); i++) {
        DeadLetter letter = letters.get(i);
        assertEquals(
            "crafted-" + i, StandardCharsets.UTF_8.decode(letter.getOriginalKey()).toString());
        assertEquals(ErrorCode.INTERNAL_ERROR, letter.getCode(), letter.getMessage());
        assertTrue(letter.getMessage().contains("in step validate"), letter.getMessage());
      }
      assertTrue(
          letters.get(0).getMessage().contains("java.lang.StackOverflowError"),
          letters.get(0).getMessage());
      assertTrue(
          letters.get(1).getMessage().contains("ran out of memory"), letters.get(1).getMessage());
      assertTrue(
          letters.get(2).getMessage().contains("a library's invariant failed"),
          letters.get(2).getMessage());
      assertEquals(
          List.of("good-0", "good-1", "good-2", "good-3"),
          requests.drain().stream().map(InferenceRequest::getEventId).sorted().toList());
      assertTrue(
          ingest.state().isRunningOrRebalancing(),
          "the client is alive (running or rebalancing its stream threads): " + ingest.state());
    }

    // the same application again: it resumes after the crafted records, whose letters are committed
    try (Ingest again = Ingest.start(config, ErrorsInStepsIT::fetch);
        var producer = producer();
        var requests = new Committed<>(broker.bootstrapServers(), again.topics().requests());
        var dlq = new Committed<>(broker.bootstrapServers(), again.topics().dlq())) {
      send(
          producer,
          again.topics().images().name(),
          "after-restart",
          TestEvents.inline("after-restart", TestImages.png(9), TestEvents.threeTasks()));
      requests.await(
          r -> r.getEventId().equals("after-restart"),
          "the request of the event after the restart");
      assertEquals(
          List.of("after-restart", "good-0", "good-1", "good-2", "good-3"),
          requests.drain().stream().map(InferenceRequest::getEventId).sorted().toList(),
          "nothing processed twice");
      assertEquals(3, dlq.drain().size(), "no dead letter written twice");
      assertTrue(
          again.state().isRunningOrRebalancing(),
          "the client is alive (running or rebalancing its stream threads): " + again.state());
    }
  }

  @Test
  void anErrorOfTheJvmItselfStillStopsTheClientWithoutADeadLetter() throws Exception {
    IngestConfig config = config("jvm-error-it-");
    try (Ingest ingest = Ingest.start(config, ErrorsInStepsIT::fetch);
        var producer = producer();
        var dlq = new Committed<>(broker.bootstrapServers(), ingest.topics().dlq())) {
      send(
          producer,
          ingest.topics().images().name(),
          "jvm",
          TestEvents.uri("jvm", JVM, List.of(new CaptionTask())));

      Optional<Throwable> failure =
          assertTimeoutPreemptively(Duration.ofSeconds(90), ingest::awaitStop);
      assertTrue(failure.isPresent(), "the client stopped without a failure");
      Throwable root = failure.get();
      while (!(root instanceof InternalError) && root.getCause() != null) {
        root = root.getCause();
      }
      assertTrue(root instanceof InternalError, "stopped on " + failure.get());
      assertEquals(KafkaStreams.State.ERROR, ingest.state());
      assertEquals(List.of(), dlq.drain(), "the record is not to blame");
    }
  }

  private IngestConfig config(String prefix) {
    String app = prefix + UUID.randomUUID();
    return IngestConfig.from(
        TestIngestSettings.of(
            broker.bootstrapServers(),
            app,
            "it-model",
            // ingest leaves its group on close; should a close time out, the restart waits out
            // the old member's session, so keep it short
            "kafka.session.timeout.ms",
            "6000"));
  }

  private KafkaProducer<String, byte[]> producer() {
    return new KafkaProducer<>(
        Map.<String, Object>of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            broker.bootstrapServers(),
            ProducerConfig.ACKS_CONFIG,
            "all"),
        new StringSerializer(),
        new ByteArraySerializer());
  }

  private static void send(
      KafkaProducer<String, byte[]> producer, String topic, String key, ImageEvent event)
      throws Exception {
    producer.send(new ProducerRecord<>(topic, 0, key, TestEvents.encode(event))).get();
  }
}
