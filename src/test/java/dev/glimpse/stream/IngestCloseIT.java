package dev.glimpse.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.kafka.ClientThreads;
import dev.glimpse.kafka.EmbeddedKafkaBroker;
import java.time.Duration;
import java.util.UUID;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

/**
 * Closing ingest leaves nothing of its Kafka Streams client running: a stream thread, global thread
 * or client thread still alive after close() would reconnect to a broker that is gone for as long
 * as the JVM lives.
 */
class IngestCloseIT {

  @Test
  void afterCloseNoThreadOfTheApplicationIsAlive() throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      String app = "close-it-" + UUID.randomUUID();
      Ingest ingest =
          Ingest.start(
              IngestConfig.from(TestIngestSettings.of(broker.bootstrapServers(), app, "it-model")));
      awaitRunning(ingest);
      boolean closed = ingest.close(Duration.ofSeconds(30));
      assertEquals("none", ClientThreads.describe(app), "threads of " + app + " alive after close");
      assertTrue(closed, "close reported a timeout although no thread is left");
      assertEquals(KafkaStreams.State.NOT_RUNNING, ingest.state());
    }
  }

  private static void awaitRunning(Ingest ingest) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (ingest.state() != KafkaStreams.State.RUNNING) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("ingest not RUNNING within 2 min: " + ingest.state());
      }
      Thread.sleep(100);
    }
  }
}
