package dev.glimpse.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contract.AnswerResult;
import dev.glimpse.contract.CaptionResult;
import dev.glimpse.contract.CaptionTask;
import dev.glimpse.contract.DeadLetter;
import dev.glimpse.contract.ErrorCode;
import dev.glimpse.contract.ModerationResult;
import dev.glimpse.contract.ModerationTask;
import dev.glimpse.contract.QuestionTask;
import dev.glimpse.kafka.FromStart;
import dev.glimpse.model.Fixture;
import dev.glimpse.model.VisionLanguageModel;
import dev.glimpse.stream.BadInputs;
import dev.glimpse.stream.Ingest;
import dev.glimpse.stream.IngestConfig;
import dev.glimpse.stream.TestEvents;
import dev.glimpse.stream.TestIngestSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The whole pipeline on a real broker, whichever one: ingest and the worker running the tiny LLaVA
 * checkpoint. Every task of every good event is answered exactly once and every bad input is one
 * dead letter, counted with read_committed consumers; then a worker that dies inside a transaction
 * loses nothing and duplicates nothing once another takes over.
 */
final class PipelineScenario {
  static final int TASKS_PER_EVENT = 3;
  private static final Duration DEADLINE = Duration.ofSeconds(120);
  private static final String READER_GROUP = "pipeline-it-reader-";

  private final String bootstrap;
  private final String runId = UUID.randomUUID().toString().substring(0, 8);
  private final VisionLanguageModel model;

  PipelineScenario(String bootstrap, VisionLanguageModel model) {
    this.bootstrap = bootstrap;
    this.model = model;
  }

  static VisionLanguageModel tinyModel() {
    return VisionLanguageModel.load(
        Fixture.llavaTinyA().dir(), VisionLanguageModel.Options.cpuFloat32());
  }

  Ingest startIngest() {
    return startIngest(Map.of());
  }

  /** Ingest with these settings besides (or instead of) the scenario's own. */
  Ingest startIngest(Map<String, String> extra) {
    String app = "pipeline-it-" + runId;
    Map<String, String> settings =
        new HashMap<>(
            TestIngestSettings.of(
                bootstrap,
                app,
                model.modelId(),
                "glimpse.generate.max.new.tokens.default",
                "4",
                "glimpse.image.max.bytes",
                String.valueOf(BadInputs.MAX_IMAGE_BYTES)));
    settings.putAll(extra);
    return Ingest.start(IngestConfig.from(settings));
  }

  /** Unique to this run: event ids that contain it are the ones {@link Outputs} counts. */
  String runId() {
    return runId;
  }

  Worker worker(Ingest ingest, int maxBatch) {
    return worker(ingest, maxBatch, WorkerClients.KAFKA);
  }

  Worker worker(Ingest ingest, int maxBatch, WorkerClients clients) {
    return worker(ingest, maxBatch, clients, Map.of());
  }

  /** A worker with {@code settings} on top of the scenario's. */
  Worker worker(Ingest ingest, int maxBatch, WorkerClients clients, Map<String, String> settings) {
    Map<String, String> s =
        new HashMap<>(
            Map.of(
                "glimpse.bootstrap.servers",
                bootstrap,
                "glimpse.worker.group.id",
                "pipeline-it-worker-" + runId,
                "glimpse.worker.max.batch.size",
                String.valueOf(maxBatch),
                "glimpse.generate.max.new.tokens.default",
                "4",
                // a dead worker's partitions move on within seconds
                "kafka.session.timeout.ms",
                "6000",
                "kafka.heartbeat.interval.ms",
                "1000"));
    s.putAll(settings);
    return new Worker(
        WorkerConfig.from(s), ingest.topics(), model, new SimpleMeterRegistry(), clients);
  }

  /**
   * A PNG unique to this run and index. Scenarios share a broker, and the compacted result topics
   * are ingest's result cache: an image another scenario already had answered would come back from
   * the cache and never reach the worker under test.
   */
  byte[] image(int i) {
    SplittableRandom random = new SplittableRandom((runId + "#" + i).hashCode());
    BufferedImage picture = new BufferedImage(32, 24, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < picture.getHeight(); y++) {
      for (int x = 0; x < picture.getWidth(); x++) {
        picture.setRGB(x, y, random.nextInt(1 << 24));
      }
    }
    var out = new ByteArrayOutputStream();
    try {
      ImageIO.write(picture, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static List<Object> tasks(int i) {
    return List.of(
        new CaptionTask(),
        new QuestionTask("what color is shape " + i),
        new ModerationTask(List.of("warning_sign", "hazard")));
  }

  void produceGood(Ingest ingest, int from, int count) {
    try (var producer = producer()) {
      for (int i = from; i < from + count; i++) {
        String id = "good-" + runId + "-" + i;
        producer.send(
            new ProducerRecord<>(
                ingest.topics().images().name(),
                id,
                TestEvents.encode(TestEvents.inline(id, image(i), tasks(i)))));
      }
      producer.flush();
    }
  }

  void produceBad(Ingest ingest) {
    try (var producer = producer()) {
      List<BadInputs> bad = BadInputs.all();
      for (int i = 0; i < bad.size(); i++) {
        producer.send(
            new ProducerRecord<>(
                ingest.topics().images().name(), "bad-" + runId + "-" + i, bad.get(i).value()));
      }
      producer.flush();
    }
  }

  /** What the result topics and the dead-letter topic hold, read committed. */
  final class Outputs implements AutoCloseable {
    final Map<String, Integer> resultsPerTask = new HashMap<>();
    final List<DeadLetter> deadLetters = new ArrayList<>();
    final List<String> captions = new ArrayList<>();
    final List<ModerationResult> moderation = new ArrayList<>();
    private final KafkaConsumer<String, CaptionResult> captionConsumer;
    private final KafkaConsumer<String, AnswerResult> answerConsumer;
    private final KafkaConsumer<String, ModerationResult> moderationConsumer;
    private final KafkaConsumer<String, DeadLetter> dlqConsumer;

    Outputs(Ingest ingest) {
      captionConsumer = FromStart.inOwnGroup(bootstrap, ingest.topics().captions(), READER_GROUP);
      answerConsumer = FromStart.inOwnGroup(bootstrap, ingest.topics().answers(), READER_GROUP);
      moderationConsumer =
          FromStart.inOwnGroup(bootstrap, ingest.topics().moderation(), READER_GROUP);
      dlqConsumer = FromStart.inOwnGroup(bootstrap, ingest.topics().dlq(), READER_GROUP);
    }

    int results() {
      return resultsPerTask.values().stream().mapToInt(Integer::intValue).sum();
    }

    void poll() {
      Duration t = Duration.ofMillis(100);
      // the broker may hold other scenarios' records: count this run's only
      captionConsumer
          .poll(t)
          .forEach(
              r -> {
                if (ours(r.value().getEventId())) {
                  count(r.value().getEventId(), r.value().getTaskIndex());
                  captions.add(r.value().getCaption());
                }
              });
      answerConsumer
          .poll(t)
          .forEach(
              r -> {
                if (ours(r.value().getEventId())) {
                  count(r.value().getEventId(), r.value().getTaskIndex());
                }
              });
      moderationConsumer
          .poll(t)
          .forEach(
              r -> {
                if (ours(r.value().getEventId())) {
                  count(r.value().getEventId(), r.value().getTaskIndex());
                  moderation.add(r.value());
                }
              });
      dlqConsumer
          .poll(t)
          .forEach(
              r -> {
                DeadLetter d = r.value();
                String key =
                    d.getOriginalKey() == null
                        ? ""
                        : StandardCharsets.UTF_8.decode(d.getOriginalKey().duplicate()).toString();
                if (ours(d.getEventId()) || key.contains(runId)) {
                  deadLetters.add(d);
                }
              });
    }

    private boolean ours(String eventId) {
      return eventId != null && eventId.contains(runId);
    }

    private void count(String eventId, int task) {
      resultsPerTask.merge(eventId + "#" + task, 1, Integer::sum);
    }

    void pollUntil(BooleanSupplier done, String what) throws InterruptedException {
      long deadline = System.nanoTime() + DEADLINE.toNanos();
      while (!done.getAsBoolean()) {
        assertTrue(
            System.nanoTime() < deadline,
            "timed out waiting for "
                + what
                + ": "
                + results()
                + " results, "
                + deadLetters.size()
                + " dead letters");
        poll();
      }
    }

    /** Keeps reading a while: late duplicates would show up here. */
    void settle(Duration duration) {
      long end = System.nanoTime() + duration.toNanos();
      while (System.nanoTime() < end) {
        poll();
      }
    }

    void assertEveryTaskOnce(int events) {
      assertEquals(events * TASKS_PER_EVENT, resultsPerTask.size(), "tasks answered");
      resultsPerTask.forEach((task, n) -> assertEquals(1, n, "results for " + task));
    }

    @Override
    public void close() {
      captionConsumer.close();
      answerConsumer.close();
      moderationConsumer.close();
      dlqConsumer.close();
    }
  }

  KafkaProducer<String, byte[]> producer() {
    return new KafkaProducer<>(
        Map.<String, Object>of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
            String.valueOf(12 << 20)),
        new StringSerializer(),
        new ByteArraySerializer());
  }

  /**
   * N good events with three tasks each (caption, question, moderation over two categories) and
   * every bad input: exactly once, exactly the letters, and one vision pass per image.
   */
  void everyTaskAnsweredOnceAndEveryBadInputDeadLettered(int events) throws Exception {
    try (Ingest ingest = startIngest();
        Outputs out = new Outputs(ingest);
        Worker worker = worker(ingest, 4)) {
      long visionBefore = model.model().imagesEncoded();
      worker.start();
      produceGood(ingest, 0, events);
      produceBad(ingest);
      int bad = BadInputs.all().size();
      out.pollUntil(
          () -> out.results() >= events * TASKS_PER_EVENT && out.deadLetters.size() >= bad,
          "every task and every dead letter");
      out.settle(Duration.ofSeconds(2));
      out.assertEveryTaskOnce(events);
      assertEquals(bad, out.deadLetters.size(), "dead letters");
      assertEquals(
          BadInputs.all().stream().map(BadInputs::expected).sorted().toList(),
          out.deadLetters.stream().map(DeadLetter::getCode).sorted().toList());
      out.moderation.forEach(
          m -> {
            assertEquals(2, m.getScores().size());
            m.getScores().values().forEach(p -> assertTrue(p >= 0 && p <= 1, "probability " + p));
          });
      assertEquals(events, out.captions.size());
      // the shared requests topic also holds earlier scenarios' requests, which this worker's new
      // group redoes: one accepted a moment ago may not be encoded yet
      assertTrue(
          worker.metrics().requests() >= events, "requests served: " + worker.metrics().requests());
      out.pollUntil(
          () -> worker.metrics().requests() == model.model().imagesEncoded() - visionBefore,
          "every accepted request encoded");
      assertEquals(
          worker.metrics().requests(),
          model.model().imagesEncoded() - visionBefore,
          "vision passes: one per image, whatever its three tasks");
    }
  }

  /**
   * Between good events, one whose question and one whose moderation category make prompts longer
   * than the model's context: those two tasks fail even alone and become MODEL_ERROR dead letters
   * with their task index; every other task, the poisoned events' own captions included, is
   * answered once.
   */
  void aTaskThatFailsIsRetriedAloneAndOnlyItIsDeadLettered(int events) throws Exception {
    String tooLong = "what is " + "the colour of the shape ".repeat(70);
    try (Ingest ingest = startIngest();
        Outputs out = new Outputs(ingest);
        Worker worker = worker(ingest, 4)) {
      worker.start();
      try (var producer = producer()) {
        for (int i = 0; i < events; i++) {
          String id = "good-" + runId + "-" + i;
          List<Object> tasks =
              i == events / 2
                  ? List.of(
                      new CaptionTask(),
                      new QuestionTask(tooLong),
                      new ModerationTask(List.of("hazard")))
                  : i == events / 2 + 1
                      ? List.of(
                          new CaptionTask(),
                          new QuestionTask("what color is shape " + i),
                          new ModerationTask(List.of("warning_sign", tooLong.replace(' ', '_'))))
                      : tasks(i);
          producer.send(
              new ProducerRecord<>(
                  ingest.topics().images().name(),
                  id,
                  TestEvents.encode(TestEvents.inline(id, image(i), tasks))));
        }
        producer.flush();
      }
      out.pollUntil(
          () -> out.results() + out.deadLetters.size() >= events * TASKS_PER_EVENT,
          "every task answered or dead-lettered");
      out.settle(Duration.ofSeconds(2));
      assertEquals(events * TASKS_PER_EVENT - 2, out.resultsPerTask.size(), "tasks answered");
      out.resultsPerTask.forEach((task, n) -> assertEquals(1, n, "results for " + task));
      assertEquals(2, out.deadLetters.size(), "dead letters: " + out.deadLetters);
      String poisoned = "good-" + runId + "-" + (events / 2);
      String poisonedToo = "good-" + runId + "-" + (events / 2 + 1);
      assertEquals(
          List.of(poisoned + "#1", poisonedToo + "#2"),
          out.deadLetters.stream()
              .map(d -> d.getEventId() + "#" + d.getTaskIndex())
              .sorted()
              .toList());
      out.deadLetters.forEach(
          d -> assertEquals(ErrorCode.MODEL_ERROR, d.getCode(), d.getMessage()));
      assertTrue(
          out.resultsPerTask.containsKey(poisoned + "#0")
              && out.resultsPerTask.containsKey(poisoned + "#2"),
          "the poisoned event's other tasks are answered");
    }
  }

  /** A second worker joins mid-stream: the first drops its revoked partitions' work; all once. */
  void aRebalanceMidStreamLosesAndDuplicatesNothing(int events) throws Exception {
    try (Ingest ingest = startIngest();
        Outputs out = new Outputs(ingest);
        Worker first = worker(ingest, 2)) {
      first.start();
      produceGood(ingest, 0, events / 2);
      out.pollUntil(() -> out.results() >= TASKS_PER_EVENT, "the first results");
      try (Worker second = worker(ingest, 2)) {
        second.start();
        // the first worker gives partitions up (dropping their uncommitted work), the second takes
        // them
        out.pollUntil(
            () -> !second.assignedPartitions().isEmpty(), "the second worker's partitions");
        produceGood(ingest, events / 2, events - events / 2);
        out.pollUntil(
            () -> out.results() >= events * TASKS_PER_EVENT, "every task after the rebalance");
        out.settle(Duration.ofSeconds(3));
      }
      out.assertEveryTaskOnce(events);
      assertEquals(0, out.deadLetters.size(), "dead letters");
    }
  }

  /** A worker dies inside a transaction; a second takes over: nothing lost, nothing twice. */
  void aWorkerKilledInsideATransactionLosesAndDuplicatesNothing(int events) throws Exception {
    try (Ingest ingest = startIngest();
        Outputs out = new Outputs(ingest)) {
      DyingClients dying = new DyingClients();
      Worker first = worker(ingest, 2, dying);
      Thread firstThread = first.start();
      // its death is expected: recorded and asserted here rather than printed into the build log
      // (set before the kill is armed, so the handler is in place when it comes)
      AtomicReference<Throwable> death = new AtomicReference<>();
      firstThread.setUncaughtExceptionHandler((thread, e) -> death.set(e));
      int half = events / 2;
      produceGood(ingest, 0, half);
      out.pollUntil(() -> out.results() >= half * TASKS_PER_EVENT, "the first half, committed");
      // armed before the second half exists: the transaction that would carry it is where the
      // worker dies
      dying.dieInNextTransaction();
      produceGood(ingest, half, events - half);
      firstThread.join(DEADLINE.toMillis());
      assertTrue(
          !firstThread.isAlive(), "the first worker should have died in its next transaction");
      assertInstanceOf(
          DyingClients.Killed.class, death.get(), "the first worker should end by the kill alone");
      assertTrue(
          out.results() < events * TASKS_PER_EVENT, "the first worker should die with work left");
      try (Worker second = worker(ingest, 4)) {
        second.start();
        out.pollUntil(
            () -> out.results() >= events * TASKS_PER_EVENT, "every task after the takeover");
        out.settle(Duration.ofSeconds(3));
      }
      out.assertEveryTaskOnce(events);
      assertEquals(0, out.deadLetters.size(), "dead letters");
    }
  }
}
