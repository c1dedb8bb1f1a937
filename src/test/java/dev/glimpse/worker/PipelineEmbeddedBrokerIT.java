package dev.glimpse.worker;

import dev.glimpse.ExpectedLog;
import dev.glimpse.kafka.EmbeddedKafkaBroker;
import dev.glimpse.model.VisionLanguageModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The pipeline scenarios on a real KRaft broker started from the Maven Central jars. */
@ExpectedLog({
  "worker halted abruptly",
  "failed to join the decode batch",
  "moderation tasks from one prefix failed"
})
class PipelineEmbeddedBrokerIT {
  private static EmbeddedKafkaBroker broker;
  private static VisionLanguageModel model;

  @BeforeAll
  static void start() {
    broker = EmbeddedKafkaBroker.start();
    model = PipelineScenario.tinyModel();
  }

  @AfterAll
  static void stop() {
    model.close();
    broker.close();
  }

  @Test
  void everyTaskIsAnsweredExactlyOnceAndEveryBadInputIsOneDeadLetter() throws Exception {
    new PipelineScenario(broker.bootstrapServers(), model)
        .everyTaskAnsweredOnceAndEveryBadInputDeadLettered(12);
  }

  @Test
  void aTaskThatFailsIsRetriedAloneAndOnlyItIsDeadLettered() throws Exception {
    new PipelineScenario(broker.bootstrapServers(), model)
        .aTaskThatFailsIsRetriedAloneAndOnlyItIsDeadLettered(8);
  }

  @Test
  void aWorkerKilledInsideATransactionLosesAndDuplicatesNothing() throws Exception {
    new PipelineScenario(broker.bootstrapServers(), model)
        .aWorkerKilledInsideATransactionLosesAndDuplicatesNothing(16);
  }

  @Test
  void aRebalanceMidStreamLosesAndDuplicatesNothing() throws Exception {
    new PipelineScenario(broker.bootstrapServers(), model)
        .aRebalanceMidStreamLosesAndDuplicatesNothing(16);
  }
}
