package dev.glimpse.worker;

import dev.glimpse.model.VisionLanguageModel;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/** The same pipeline scenarios on a containerised broker, where Docker exists. */
@Testcontainers(disabledWithoutDocker = true)
class PipelineTestcontainersIT {
  @Container static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.1.1");

  @Test
  void everyTaskIsAnsweredExactlyOnceAndEveryBadInputIsOneDeadLetter() throws Exception {
    try (VisionLanguageModel model = PipelineScenario.tinyModel()) {
      new PipelineScenario(KAFKA.getBootstrapServers(), model)
          .everyTaskAnsweredOnceAndEveryBadInputDeadLettered(12);
    }
  }

  @Test
  void aWorkerKilledInsideATransactionLosesAndDuplicatesNothing() throws Exception {
    try (VisionLanguageModel model = PipelineScenario.tinyModel()) {
      new PipelineScenario(KAFKA.getBootstrapServers(), model)
          .aWorkerKilledInsideATransactionLosesAndDuplicatesNothing(16);
    }
  }

  @Test
  void aRebalanceMidStreamLosesAndDuplicatesNothing() throws Exception {
    try (VisionLanguageModel model = PipelineScenario.tinyModel()) {
      new PipelineScenario(KAFKA.getBootstrapServers(), model)
          .aRebalanceMidStreamLosesAndDuplicatesNothing(16);
    }
  }
}
