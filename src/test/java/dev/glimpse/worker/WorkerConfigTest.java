package dev.glimpse.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkerConfigTest {

  @Test
  void defaultsServeTheDemo() {
    WorkerConfig c = WorkerConfig.from(Map.of("glimpse.bootstrap.servers", "localhost:9092"));
    assertEquals(8, c.maxBatchSize());
    assertEquals(List.of("warning_sign", "hazard"), c.taskDefaults().moderationCategories());
    assertEquals("describe the image", c.taskDefaults().captionQuestion());
    assertTrue(c.modelId().isEmpty(), "served under the checkpoint's own id unless set");
    assertEquals(64, c.budget().maxQueuedRequests());
    assertTrue(c.transactionalId().startsWith("glimpse-worker-"));
    assertFalse(c.idleClientThreads(), "Kafka client threads keep the normal class unless set");
  }

  @Test
  void idleClientThreadsIsTrueOrFalseAndNothingElse() {
    assertTrue(
        WorkerConfig.from(
                Map.of(
                    "glimpse.bootstrap.servers", "a:1",
                    "glimpse.worker.client.threads.idle", "TRUE"))
            .idleClientThreads());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                WorkerConfig.from(
                    Map.of(
                        "glimpse.bootstrap.servers", "a:1",
                        "glimpse.worker.client.threads.idle", "yes")));
    assertTrue(e.getMessage().contains("glimpse.worker.client.threads.idle"), e.getMessage());
    assertTrue(e.getMessage().contains("true or false"), e.getMessage());
  }

  @Test
  void kafkaSettingsPassThroughAndWin() {
    WorkerConfig c =
        WorkerConfig.from(
            Map.of(
                "glimpse.bootstrap.servers",
                "a:1",
                "kafka.security.protocol",
                "SSL",
                "kafka.max.poll.records",
                "3"));
    assertEquals("SSL", WorkerClients.consumerProperties(c).get("security.protocol"));
    assertEquals("3", WorkerClients.consumerProperties(c).get("max.poll.records"));
    assertEquals("SSL", WorkerClients.producerProperties(c).get("security.protocol"));
    assertEquals("read_committed", WorkerClients.consumerProperties(c).get("isolation.level"));
  }

  @Test
  void missingBootstrapServersSaysWhatToSet() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> WorkerConfig.from(Map.of()));
    assertTrue(e.getMessage().contains("glimpse.bootstrap.servers"), e.getMessage());
  }
}
