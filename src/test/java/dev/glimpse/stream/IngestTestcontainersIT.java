package dev.glimpse.stream;

import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/** The same scenario on the apache/kafka image; skipped where no Docker daemon is reachable. */
@Testcontainers(disabledWithoutDocker = true)
class IngestTestcontainersIT {
  @Container private static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.1.0");

  @Test
  void goodEventsBecomeRequestsAndEachBadInputOneDeadLetterExactlyOnce() throws Exception {
    IngestScenario.run(KAFKA.getBootstrapServers());
  }
}
