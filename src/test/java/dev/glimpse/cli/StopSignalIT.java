package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.kafka.BrokerWithTopics;
import dev.glimpse.stream.TestEvents;
import dev.glimpse.stream.TestImages;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ingest} and {@code worker} as real processes on a real broker: SIGTERM (what a supervisor
 * sends) closes them cleanly, says so, and they exit 0 well within 10 s.
 */
class StopSignalIT {
  private static final Duration STARTUP = Duration.ofSeconds(60);
  private static final Duration STOP = Duration.ofSeconds(10);

  private static BrokerWithTopics broker;

  @TempDir Path tmp;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = BrokerWithTopics.start();
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  @Test
  void ingestStopsCleanlyOnSigtermAfterItHasProcessedAnEvent() throws Exception {
    try (ChildProcess ingest =
            ChildProcess.start(
                tmp,
                "ingest",
                "--bootstrap-servers",
                broker.bootstrapServers(),
                "-p",
                "glimpse.ingest.state.dir=" + tmp.resolve("state"));
        var requests =
            new KafkaConsumer<>(
                Map.<String, Object>of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    broker.bootstrapServers(),
                    ConsumerConfig.GROUP_ID_CONFIG,
                    "stop-it-" + System.nanoTime(),
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                    "earliest",
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                    "read_committed"),
                new StringDeserializer(),
                new ByteArrayDeserializer())) {
      ingest.awaitLine("ingest running", STARTUP);
      broker.send(
          new ProducerRecord<>(
              "glimpse.images",
              "before-stop",
              TestEvents.encode(
                  TestEvents.inline("before-stop", TestImages.png(3), TestEvents.threeTasks()))));
      // a request out means the client is RUNNING with a transaction behind it
      requests.subscribe(List.of("glimpse.requests"));
      long deadline = System.nanoTime() + STARTUP.toNanos();
      while (requests.poll(Duration.ofMillis(200)).isEmpty()) {
        assertTrue(System.nanoTime() < deadline, "ingest made no request:\n" + ingest.output());
      }

      int code = ingest.terminate(STOP);

      assertEquals(0, code, ingest.output());
      assertTrue(ingest.output().contains("glimpse: ingest stopped cleanly"), ingest.output());
    }
  }

  @Test
  void workerWithTheBuiltinModelStopsCleanlyOnSigterm() throws Exception {
    try (ChildProcess worker =
        ChildProcess.start(tmp, "worker", "--bootstrap-servers", broker.bootstrapServers())) {
      worker.awaitLine("worker running", STARTUP);

      int code = worker.terminate(STOP);

      assertEquals(0, code, worker.output());
      assertTrue(worker.output().contains("glimpse: worker stopped cleanly"), worker.output());
    }
  }
}
