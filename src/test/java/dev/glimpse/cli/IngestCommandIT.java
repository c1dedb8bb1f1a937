package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.ExpectedLog;
import dev.glimpse.kafka.BrokerWithTopics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndFailExceptionHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ingest} on a real broker: a Streams client that goes to ERROR ends the command non-zero.
 */
class IngestCommandIT {
  @TempDir Path tmp;

  @ExpectedLog({
    "Exception caught during Deserialization",
    "Error happened while",
    "Encountered the following exception during processing",
    "Global thread has died"
  })
  @Test
  void aStreamsClientInErrorEndsIngestWithIngestFailedAndExitOne() throws Exception {
    try (BrokerWithTopics broker = BrokerWithTopics.start()) {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      var ingest =
          Executors.newSingleThreadExecutor()
              .submit(
                  () ->
                      Main.run(
                          new PrintWriter(out, true),
                          new PrintWriter(err, true),
                          "ingest",
                          "--bootstrap-servers",
                          broker.bootstrapServers(),
                          "-p",
                          "glimpse.ingest.state.dir=" + tmp.resolve("state"),
                          "-p",
                          "kafka."
                              + StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG
                              + "="
                              + LogAndFailExceptionHandler.class.getName()));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!err.toString().contains("ingest running")) {
        assertTrue(
            System.nanoTime() < deadline && !ingest.isDone(), "ingest did not start: " + err);
        Thread.sleep(50);
      }
      // a record in the result cache that is not an entry; with the deserialization handler set to
      // fail (a setting a user may pass through), it kills the thread that reads it
      broker.send(
          new ProducerRecord<>(
              "glimpse.result-cache", "k", "not a result".getBytes(StandardCharsets.UTF_8)));

      int code = ingest.get(120, TimeUnit.SECONDS);

      assertEquals(1, code, err.toString());
      String last = err.toString().strip().lines().reduce((a, b) -> b).orElse("");
      assertTrue(
          last.startsWith("glimpse: INGEST_FAILED: Kafka Streams stopped on "), err.toString());
    }
  }
}
