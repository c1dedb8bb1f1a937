package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contract.CaptionResult;
import dev.glimpse.contract.CaptionTask;
import dev.glimpse.contract.DeadLetter;
import dev.glimpse.contract.InferenceRequest;
import dev.glimpse.contract.ModerationResult;
import dev.glimpse.contract.ModerationTask;
import dev.glimpse.contract.RequestTask;
import dev.glimpse.kafka.Contract;
import dev.glimpse.kafka.EmbeddedKafkaBroker;
import dev.glimpse.kafka.FromStart;
import dev.glimpse.kafka.Topic;
import dev.glimpse.kafka.TopicAdmin;
import dev.glimpse.kafka.Topics;
import dev.glimpse.model.Fixture;
import dev.glimpse.model.ModelId;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker process with a 384 MiB heap against a backlog whose images alone are larger than that
 * heap: it pauses its partitions at its queue budget, answers every task exactly once, and never
 * runs out of memory (it runs with -XX:+ExitOnOutOfMemoryError, so running out would end it; with
 * the budget lifted, it does within seconds).
 */
class WorkerBackpressureIT {
  private static final int REQUESTS = 44;
  private static final Duration DEADLINE = Duration.ofMinutes(4);
  private static final String READER_GROUP = "backpressure-reader-";

  @Test
  void aBacklogLargerThanTheHeapIsServedExactlyOnceWithoutRunningOutOfMemory(@TempDir Path tmp)
      throws Exception {
    Path fixture = Fixture.llavaTinyA().dir();
    String modelId = ModelId.of(fixture, "LLAVA_1_5", false);
    byte[] image = noisePng(1800, 1800); // about 9.7 MB: the images together exceed the heap
    String run = UUID.randomUUID().toString().substring(0, 8);
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      Topics topics = Topics.from(Topics.bundledSpecs(), Contract.current());
      try (Admin admin =
          Admin.create(Map.<String, Object>of("bootstrap.servers", broker.bootstrapServers()))) {
        TopicAdmin.ensureTopics(admin, topics.specs(), Duration.ofSeconds(30));
      }
      publish(broker.bootstrapServers(), topics, image, modelId, run);
      assertTrue((long) image.length * REQUESTS > 384L << 20, "the backlog must exceed the heap");

      try (ChildProcess worker =
          ChildProcess.start(
              tmp,
              List.of(
                  "-Xmx384m",
                  "-XX:+ExitOnOutOfMemoryError",
                  "-Dorg.slf4j.simpleLogger.log.dev.glimpse.worker.Budget=info"),
              "worker",
              "--bootstrap-servers",
              broker.bootstrapServers(),
              "--model",
              fixture.toString(),
              "-p",
              "glimpse.worker.max.batch.size=4",
              "-p",
              "glimpse.generate.max.new.tokens.default=4",
              "-p",
              "glimpse.worker.group.id=backpressure-" + run)) {
        Map<String, Integer> answered = readAll(broker.bootstrapServers(), topics, run, worker);
        assertEquals(2 * REQUESTS, answered.size(), "every (request, task) answered");
        answered.forEach((task, n) -> assertEquals(1, n, "results of " + task));
        assertTrue(worker.isAlive(), "the worker is still serving:\n" + worker.output());
        assertTrue(
            worker.output().matches("(?s).*paused \\d+ partition\\(s\\): \\d+ requests.*"),
            "the worker paused its partitions:\n" + worker.output());
        assertEquals(
            0, worker.terminate(Duration.ofSeconds(20)), "a clean stop:\n" + worker.output());
      }
    }
  }

  private static void publish(
      String bootstrap, Topics topics, byte[] image, String modelId, String run) {
    Topic<String, InferenceRequest> requests = topics.requests();
    try (var producer =
        new KafkaProducer<>(
            Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                String.valueOf(12 << 20)),
            requests.keySerde().serializer(),
            requests.valueSerde().serializer())) {
      for (int i = 0; i < REQUESTS; i++) {
        String id = run + "-" + i;
        // one image's bytes, a distinct hash each: no feature cache helps
        String sha = String.format("%064x", i);
        InferenceRequest request =
            InferenceRequest.newBuilder()
                .setRequestId(id)
                .setEventId(id)
                .setClientId("it")
                .setTasks(
                    List.of(
                        new RequestTask(0, new CaptionTask(), id + "#0"),
                        new RequestTask(1, new ModerationTask(List.of("hazard")), id + "#1")))
                .setImage(ByteBuffer.wrap(image))
                .setImageSha256(sha)
                .setImageFormat("png")
                .setModelId(modelId)
                .setEventTimestamp(Instant.now())
                .setEnqueuedAt(Instant.now())
                .build();
        producer.send(new ProducerRecord<>(requests.name(), sha, request));
      }
      producer.flush();
    }
  }

  /** Results of this run's requests, per (event, task), read committed, until all are in. */
  private static Map<String, Integer> readAll(
      String bootstrap, Topics topics, String run, ChildProcess worker)
      throws InterruptedException {
    Map<String, Integer> seen = new HashMap<>();
    try (KafkaConsumer<String, CaptionResult> captions =
            FromStart.inOwnGroup(bootstrap, topics.captions(), READER_GROUP);
        KafkaConsumer<String, ModerationResult> moderation =
            FromStart.inOwnGroup(bootstrap, topics.moderation(), READER_GROUP);
        KafkaConsumer<String, DeadLetter> dlq =
            FromStart.inOwnGroup(bootstrap, topics.dlq(), READER_GROUP)) {
      long deadline = System.nanoTime() + DEADLINE.toNanos();
      long settleUntil = Long.MAX_VALUE;
      while (System.nanoTime() < Math.min(deadline, settleUntil)) {
        captions
            .poll(Duration.ofMillis(100))
            .forEach(r -> count(seen, run, r.value().getEventId(), r.value().getTaskIndex()));
        moderation
            .poll(Duration.ofMillis(100))
            .forEach(r -> count(seen, run, r.value().getEventId(), r.value().getTaskIndex()));
        dlq.poll(Duration.ofMillis(10))
            .forEach(
                r -> {
                  throw new AssertionError(
                      "dead letter " + r.value().getCode() + ": " + r.value().getMessage());
                });
        if (!worker.isAlive()) {
          throw new AssertionError("the worker died:\n" + worker.output());
        }
        if (seen.size() == 2 * REQUESTS && settleUntil == Long.MAX_VALUE) {
          settleUntil =
              System.nanoTime() + Duration.ofSeconds(2).toNanos(); // late duplicates would show now
        }
      }
    }
    return seen;
  }

  private static void count(Map<String, Integer> seen, String run, String eventId, int task) {
    if (eventId.startsWith(run)) {
      seen.merge(eventId + "#" + task, 1, Integer::sum);
    }
  }

  private static byte[] noisePng(int width, int height) throws IOException {
    BufferedImage picture = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    SplittableRandom random = new SplittableRandom(7);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        picture.setRGB(x, y, random.nextInt(1 << 24));
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(picture, "png", out);
    return out.toByteArray();
  }
}
