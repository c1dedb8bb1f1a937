package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.kafka.BrokerWithTopics;
import dev.glimpse.kafka.EmbeddedKafkaBroker;
import dev.glimpse.model.Fixture;
import dev.glimpse.ops.Scrape;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --http-port 0} on real processes against a real broker: each prints the address it serves,
 * /health/ready turns 200 once the process can work, and /metrics carries its meters.
 */
class HttpPortIT {
  private static final Pattern URL =
      Pattern.compile("metrics and health at (http://127\\.0\\.0\\.1:\\d+/)");
  private static final Duration DEADLINE = Duration.ofSeconds(90);
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path tmp;

  @Test
  void ingestWithoutPyTorchNativesOnItsClassPathBecomesReadyAndServesItsMetrics() throws Exception {
    // the ingest image leaves these jars out: ingest must never need them
    String classPath =
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(entry -> !entry.contains("pytorch-native") && !entry.contains("pytorch-jni"))
            .collect(Collectors.joining(File.pathSeparator));
    assertFalse(classPath.contains("pytorch-native"));
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        ChildProcess ingest =
            ChildProcess.startOn(
                classPath,
                tmp,
                List.of("-Xmx512m"),
                "ingest",
                "--bootstrap-servers",
                broker.bootstrapServers(),
                "--http-port",
                "0",
                "-p",
                "glimpse.ingest.application.id=http-port-it-" + UUID.randomUUID(),
                "-p",
                "glimpse.ingest.state.dir=" + tmp.resolve("state"))) {
      String url = printedUrl(ingest);
      awaitStatus(url + "health/ready", 200, ingest);
      // its own meters and Kafka Streams'
      assertMetricsCarry(url, "glimpse_events_total", "kafka_stream_");
      assertEquals(0, ingest.terminate(Duration.ofSeconds(60)), ingest.output());
    }
  }

  @Test
  void aWorkerBecomesReadyOnceItsModelIsLoadedAndItOwnsPartitions() throws Exception {
    try (BrokerWithTopics broker = BrokerWithTopics.start()) {
      try (ChildProcess worker =
          ChildProcess.start(
              tmp,
              List.of("-Xmx1g"),
              "worker",
              "--bootstrap-servers",
              broker.bootstrapServers(),
              "--model",
              Fixture.llavaTinyA().dir().toString(),
              "--http-port",
              "0",
              "-p",
              "glimpse.worker.group.id=http-port-it-" + UUID.randomUUID())) {
        String url = printedUrl(worker);
        assertEquals(200, get(url + "health/live").statusCode());
        String ready = awaitStatus(url + "health/ready", 200, worker);
        assertTrue(ready.contains("\"model\":{\"status\":\"UP\""), ready);
        assertTrue(ready.contains("partition(s) of glimpse.requests assigned"), ready);
        // its own meters and its Kafka consumer's
        assertMetricsCarry(url, "glimpse_worker_assigned_partitions", "kafka_consumer_");
        assertEquals(0, worker.terminate(Duration.ofSeconds(60)), worker.output());
      }
    }
  }

  @Test
  void theDemoServesMetricsThatCountEveryCaptionItAnswered() throws Exception {
    int scenes = 3;
    try (ChildProcess demo =
        ChildProcess.start(
            tmp,
            List.of("-Xmx1g"),
            "demo",
            "--count",
            String.valueOf(scenes),
            "--http-port",
            "0")) {
      String url = printedUrl(demo);
      long deadline = System.nanoTime() + DEADLINE.toNanos();
      // a scrape reads the meters one after another while the worker counts a transaction's
      // results and their latencies one after another: wait until all three are there, then check
      // that none counted more
      Scrape scrape = Scrape.parse(get(url + "metrics").body());
      while (valueOrZero(scrape, "glimpse_results_total", "kind", "caption") < scenes
          || valueOrZero(scrape, "glimpse_end_to_end_latency_seconds_count") < scenes
          || valueOrZero(scrape, "glimpse_events_total") < scenes) {
        assertTrue(
            System.nanoTime() < deadline && demo.isAlive(),
            "captions, their latencies and the events not all counted in time: "
                + scrape
                + "\n"
                + demo.output());
        Thread.sleep(200);
        scrape = Scrape.parse(get(url + "metrics").body());
      }
      assertEquals(scenes, scrape.value("glimpse_results_total", "kind", "caption"));
      // every caption has its latency observed where it was answered: by the model, or by ingest
      // from the result cache (a scene the demo's cache already holds)
      assertEquals(
          scenes, scrape.value("glimpse_end_to_end_latency_seconds_count"), scrape.toString());
      assertEquals(scenes, scrape.value("glimpse_events_total"));
      assertEquals(200, get(url + "health/ready").statusCode());
    }
  }

  @Test
  void aPortOutOfRangeIsRefusedWithItsCode() {
    CommandRun r =
        CommandRun.of("ingest", "--bootstrap-servers", "127.0.0.1:1", "--http-port", "70000");
    assertEquals(1, r.exitCode(), r.err());
    assertTrue(r.err().contains("BAD_HTTP_PORT"), r.err());
  }

  /** The meter's value, 0 while the process has not registered it yet. */
  private static double valueOrZero(Scrape scrape, String name, String... labelPairs) {
    return scrape.names().contains(name) ? scrape.value(name, labelPairs) : 0;
  }

  private static String printedUrl(ChildProcess process) throws InterruptedException {
    process.awaitLine("metrics and health at", DEADLINE);
    Matcher m = URL.matcher(process.output());
    assertTrue(m.find(), process.output());
    return m.group(1);
  }

  /** The process's /metrics holds each of these meter names (a prefix stands for a family). */
  private static void assertMetricsCarry(String url, String... meterPrefixes) throws Exception {
    String metrics = get(url + "metrics").body();
    for (String prefix : meterPrefixes) {
      assertTrue(metrics.contains(prefix), prefix + " not in:\n" + metrics);
    }
  }

  /** Polls until the path answers this status; returns its body. */
  private static String awaitStatus(String url, int status, ChildProcess process) throws Exception {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    HttpResponse<String> last = get(url);
    while (last.statusCode() != status) {
      if (System.nanoTime() > deadline || !process.isAlive()) {
        throw new AssertionError(
            url + " answered " + last.statusCode() + " " + last.body() + "\n" + process.output());
      }
      Thread.sleep(200);
      last = get(url);
    }
    return last.body();
  }

  private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
