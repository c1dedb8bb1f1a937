package dev.glimpse.stream;

import dev.glimpse.kafka.EmbeddedKafkaBroker;
import org.junit.jupiter.api.Test;

/** The ingest scenario on the in-process KRaft broker the demo uses. */
class IngestEmbeddedBrokerIT {

  @Test
  void goodEventsBecomeRequestsAndEachBadInputOneDeadLetterExactlyOnce() throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      IngestScenario.run(broker.bootstrapServers());
    }
  }
}
