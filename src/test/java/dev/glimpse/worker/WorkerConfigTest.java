package dev.glimpse.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    assertEquals(List.of("warning_sign", "hazard"), c.moderationCategories());
    assertEquals("describe the image", c.captionQuestion());
    assertTrue(c.transactionalId().startsWith("glimpse-worker-"));
  }

  @Test
  void kafkaSettingsPassThroughAndWin() {
    WorkerConfig c = WorkerConfig.from(Map.of("glimpse.bootstrap.servers", "a:1",
        "kafka.security.protocol", "SSL", "kafka.max.poll.records", "3"));
    assertEquals("SSL", Worker.consumerProperties(c).get("security.protocol"));
    assertEquals("3", Worker.consumerProperties(c).get("max.poll.records"));
    assertEquals("SSL", Worker.producerProperties(c).get("security.protocol"));
    assertEquals("read_committed", Worker.consumerProperties(c).get("isolation.level"));
  }

  @Test
  void missingBootstrapServersSaysWhatToSet() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WorkerConfig.from(Map.of()));
    assertTrue(e.getMessage().contains("glimpse.bootstrap.servers"), e.getMessage());
  }

  @Test
  void aCategoryBecomesAYesNoQuestion() {
    assertEquals("is there a warning sign", WorkerConfig.moderationQuestion("warning_sign"));
    assertEquals("is there an explosion", WorkerConfig.moderationQuestion("explosion"));
  }
}
