package dev.glimpse.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.ExpectedLog;
import dev.glimpse.contract.CaptionTask;
import dev.glimpse.kafka.ClientThreads;
import dev.glimpse.kafka.EmbeddedKafkaBroker;
import dev.glimpse.model.Fixture;
import dev.glimpse.model.VisionLanguageModel;
import dev.glimpse.stream.Ingest;
import dev.glimpse.stream.IngestConfig;
import dev.glimpse.stream.TestEvents;
import dev.glimpse.stream.TestIngestSettings;
import dev.glimpse.worker.Worker;
import dev.glimpse.worker.WorkerConfig;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Ingest and a worker on a real broker and the tiny LLaVA, with their meters in one registry served
 * over real HTTP: readiness follows the worker's partitions, /metrics counts exactly what the
 * pipeline served, and every metric the Grafana dashboard queries is one they export.
 */
class OpsEndpointsIT {
  private static final Duration DEADLINE = Duration.ofSeconds(120);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path RUNBOOK =
      Path.of(System.getProperty("glimpse.basedir", "."), "ops", "runbook.md");
  private static EmbeddedKafkaBroker broker;
  private static VisionLanguageModel model;

  @BeforeAll
  static void start() {
    broker = EmbeddedKafkaBroker.start();
    model =
        VisionLanguageModel.load(
            Fixture.llavaTinyA().dir(), VisionLanguageModel.Options.cpuFloat32());
  }

  @AfterAll
  static void stop() {
    model.close();
    broker.close();
  }

  @Test
  void readinessWaitsForTheWorkersPartitionsAndMetricsCountWhatThePipelineServed()
      throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    int events = 5;
    try (Metrics metrics = new Metrics();
        Ingest ingest = Ingest.start(ingestConfig(run), metrics.registry());
        Worker worker = new Worker(workerConfig(run), ingest.topics(), model, metrics.registry())) {
      Health health =
          new Health().check("streams", ingest::readiness).check("worker", worker::readiness);
      try (OpsServer server = OpsServer.start("127.0.0.1", 0, metrics, health)) {
        await(() -> ingest.readiness().up(), "ingest's streams RUNNING");
        HttpResponse<String> before = OpsHttp.get(server.url(), "/health/ready");
        assertEquals(503, before.statusCode(), before.body());
        JsonNode down = JSON.readTree(before.body());
        assertEquals("UP", down.at("/checks/streams/status").asText(), before.body());
        assertTrue(
            down.at("/checks/worker/detail").asText().startsWith("no partitions"), before.body());
        assertEquals(200, OpsHttp.get(server.url(), "/health/live").statusCode());

        worker.start();
        await(
            () -> OpsHttp.get(server.url(), "/health/ready").statusCode() == 200,
            "/health/ready 200");

        try (KafkaProducer<String, byte[]> producer = producer()) {
          for (int i = 0; i < events; i++) {
            String id = "ops-" + run + "-" + i;
            producer.send(
                new ProducerRecord<>(
                    ingest.topics().images().name(),
                    id,
                    TestEvents.encode(
                        TestEvents.inline(id, image(run, i), List.of(new CaptionTask())))));
          }
          producer.send(
              new ProducerRecord<>(
                  ingest.topics().images().name(),
                  "junk-" + run,
                  "not an ImageEvent".getBytes(StandardCharsets.UTF_8)));
          producer.flush();
        }
        await(() -> worker.metrics().results("caption") >= events, events + " captions written");
        // a result's count and its latency are recorded one after the other, and the junk record
        // can be on another partition and stream thread: wait until one scrape holds them all
        await(
            () -> runCounted(Scrape.parse(metricsBody(server)), events),
            "the run's results, latencies, events and dead letter in one scrape");

        Scrape scrape = Scrape.parse(metricsBody(server));
        assertEquals(
            events, scrape.value("glimpse_results_total", "kind", "caption", "source", "model"));
        assertEquals(
            events, scrape.value("glimpse_end_to_end_latency_seconds_count", "source", "model"));
        assertEquals(
            events,
            scrape.value(
                "glimpse_end_to_end_latency_seconds_bucket", "source", "model", "le", "+Inf"));
        assertEquals(events + 1, scrape.value("glimpse_events_total"));
        assertEquals(events, scrape.value("glimpse_ingest_requests_total"));
        assertEquals(events, scrape.value("glimpse_worker_requests_total"));
        assertEquals(
            1, scrape.value("glimpse_dead_letters_total", "code", "NOT_AVRO", "stage", "ingest"));
        assertEquals(
            events,
            scrape.value("glimpse_cache_requests_total", "cache", "result", "result", "miss"));
        assertEquals(
            events,
            scrape.value("glimpse_cache_requests_total", "cache", "feature", "result", "miss"));
        assertEquals(
            worker.metrics().tokensGenerated(), scrape.value("glimpse_tokens_generated_total"));
        assertTrue(scrape.value("glimpse_tokens_generated_total") > 0);
        assertTrue(scrape.value("glimpse_decode_batch_rows_count") > 0);
        assertTrue(scrape.value("glimpse_vision_encode_seconds_count") > 0);
        assertTrue(scrape.value("glimpse_prefill_seconds_count", "part", "prefix") > 0);
        // captions alone on their images: whole prompts prefilled as they join, no suffixes
        assertEquals(0, scrape.value("glimpse_prefill_seconds_count", "part", "suffix"));
        assertTrue(scrape.value("glimpse_worker_assigned_partitions") > 0);
        assertTrue(
            scrape.names().stream().anyMatch(n -> n.startsWith("kafka_consumer_")),
            "Kafka consumer binder");
        assertTrue(
            scrape.names().stream().anyMatch(n -> n.startsWith("kafka_producer_")),
            "Kafka producer binder");
        assertTrue(
            scrape.names().stream().anyMatch(n -> n.startsWith("kafka_stream_")),
            "Kafka Streams binder");

        TreeSet<String> missing = new TreeSet<>();
        for (String expr : DashboardQueries.expressions()) {
          var names = DashboardQueries.metricNames(expr);
          assertFalse(names.isEmpty(), "a dashboard query that reads no metric: " + expr);
          names.stream().filter(n -> !scrape.names().contains(n)).forEach(missing::add);
        }
        assertEquals(new TreeSet<>(), missing, "dashboard queries of metrics nobody exports");

        String runbook = Files.readString(RUNBOOK);
        TreeSet<String> unlisted = new TreeSet<>();
        scrape.names().stream()
            .filter(n -> n.startsWith("glimpse_"))
            .map(n -> n.replaceAll("_(bucket|count|sum|max)$", ""))
            .filter(n -> !runbook.contains("`" + n + "`"))
            .forEach(unlisted::add);
        assertEquals(new TreeSet<>(), unlisted, "metrics ops/runbook.md does not list");

        worker.stop();
        await(
            () -> OpsHttp.get(server.url(), "/health/ready").statusCode() == 503,
            "/health/ready 503 once stopped");
      }
    }
    assertEquals(
        "none",
        ClientThreads.describe("ops-it-" + run + "-"),
        "ingest's threads alive after close");
  }

  @ExpectedLog({
    "ProducerFencedException",
    // fenced mid-transaction, the worker may first have a send refused for its old epoch, abort
    // and redo, before the fence itself stops it
    "InvalidProducerEpochException",
    "Aborting producer batches",
    "This Gauge has been already registered"
  })
  @Test
  void aWorkerFencedByAnotherWithItsTransactionalIdIsNotReadyAndStopsWithoutLeavingAClient()
      throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    Map<String, String> shared = Map.of("glimpse.worker.transactional.id", "ops-it-txn-" + run);
    AtomicReference<Throwable> uncaught = new AtomicReference<>();
    Worker fenced;
    try (Metrics metrics = new Metrics();
        Ingest ingest = Ingest.start(ingestConfig(run), metrics.registry());
        Worker first =
            new Worker(
                workerConfig(run + "-a", shared), ingest.topics(), model, metrics.registry());
        Worker second =
            new Worker(
                workerConfig(run + "-b", shared), ingest.topics(), model, metrics.registry())) {
      try (OpsServer server =
          OpsServer.start(
              "127.0.0.1", 0, metrics, new Health().check("worker", first::readiness))) {
        Thread firstLoop = first.start();
        firstLoop.setUncaughtExceptionHandler((thread, e) -> uncaught.set(e));
        await(
            () -> OpsHttp.get(server.url(), "/health/ready").statusCode() == 200,
            "the first worker ready");
        second.start(); // its initTransactions fences the first's producer
        await(() -> second.readiness().up(), "the second worker ready");
        try (KafkaProducer<String, byte[]> producer = producer()) {
          String id = "fenced-" + run;
          producer.send(
              new ProducerRecord<>(
                  ingest.topics().images().name(),
                  id,
                  TestEvents.encode(
                      TestEvents.inline(id, image(run, 0), List.of(new CaptionTask())))));
        }
        // both groups get the request; the first finds out it is fenced when it commits
        await(
            () -> OpsHttp.get(server.url(), "/health/ready").statusCode() == 503,
            "the fenced worker unready");
        JsonNode body = JSON.readTree(OpsHttp.get(server.url(), "/health/ready").body());
        assertTrue(body.at("/checks/worker/detail").asText().startsWith("fenced"), body.toString());
      }
      fenced = first;
    }
    // fencing ends the loop like a stop: no stack trace on the thread, the cause kept for the exit
    // code
    assertNull(uncaught.get(), "the fenced worker's thread died of an uncaught exception");
    // the broker says fenced, or, when the takeover's abort races the commit, an invalid state
    RuntimeException failure = fenced.failure().orElseThrow();
    assertTrue(
        failure instanceof ProducerFencedException || failure instanceof InvalidTxnStateException,
        failure.toString());
    assertEquals(
        "none",
        ClientThreads.describe("ops-it-" + run + "-"),
        "ingest's threads alive after close");
    assertEquals(
        "none",
        ClientThreads.describe("ops-it-txn-" + run),
        "the workers' producers alive after close");
    assertEquals(
        "none",
        ClientThreads.describe("ops-it-worker-" + run),
        "the workers' consumers alive after close");
  }

  private static IngestConfig ingestConfig(String run) {
    String app = "ops-it-" + run;
    return IngestConfig.from(
        TestIngestSettings.of(
            broker.bootstrapServers(),
            app,
            model.modelId(),
            "glimpse.generate.max.new.tokens.default",
            "4"));
  }

  private static WorkerConfig workerConfig(String run) {
    return workerConfig(run, Map.of());
  }

  private static WorkerConfig workerConfig(String run, Map<String, String> more) {
    Map<String, String> settings =
        new HashMap<>(
            Map.of(
                "glimpse.bootstrap.servers",
                broker.bootstrapServers(),
                "glimpse.worker.group.id",
                "ops-it-worker-" + run,
                "glimpse.worker.max.batch.size",
                "4",
                "glimpse.generate.max.new.tokens.default",
                "4"));
    settings.putAll(more);
    return WorkerConfig.from(settings);
  }

  private static KafkaProducer<String, byte[]> producer() {
    return new KafkaProducer<>(
        Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
        new StringSerializer(),
        new ByteArraySerializer());
  }

  /** A PNG of noise unique to this run and index, so that no result cache answers it. */
  private static byte[] image(String run, int i) throws Exception {
    SplittableRandom random = new SplittableRandom((run + "#" + i).hashCode());
    BufferedImage picture = new BufferedImage(32, 24, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < picture.getHeight(); y++) {
      for (int x = 0; x < picture.getWidth(); x++) {
        picture.setRGB(x, y, random.nextInt(1 << 24));
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(picture, "png", out);
    return out.toByteArray();
  }

  private static String metricsBody(OpsServer server) {
    return OpsHttp.get(server.url(), "/metrics").body();
  }

  /** Whether the scrape counts the run's results, latencies, events and its one dead letter. */
  private static boolean runCounted(Scrape scrape, int events) {
    try {
      return scrape.value("glimpse_results_total", "kind", "caption", "source", "model") == events
          && scrape.value("glimpse_end_to_end_latency_seconds_count", "source", "model") == events
          && scrape.value(
                  "glimpse_end_to_end_latency_seconds_bucket", "source", "model", "le", "+Inf")
              == events
          && scrape.value("glimpse_events_total") == events + 1
          && scrape.value("glimpse_dead_letters_total", "code", "NOT_AVRO", "stage", "ingest") == 1;
    } catch (AssertionError notYetExported) {
      return false;
    }
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + DEADLINE.toSeconds() + " s: " + what);
      }
      Thread.sleep(100);
    }
  }
}
