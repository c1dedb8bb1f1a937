package dev.glimpse.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class SettingsTest {

  @Test
  void environmentOverridesTheFileAndNamesKafkaKeys() {
    Properties file = new Properties();
    file.setProperty("glimpse.model.id", "from-file");
    file.setProperty("glimpse.worker.max.batch.size", "4");
    Map<String, String> s =
        Settings.overlay(
            file,
            Map.of(
                "GLIMPSE_MODEL_ID", "from-env",
                "GLIMPSE_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "PATH", "/usr/bin"));
    assertEquals("from-env", s.get("glimpse.model.id"));
    assertEquals("4", s.get("glimpse.worker.max.batch.size"));
    assertEquals("SASL_SSL", s.get("kafka.security.protocol"));
    assertEquals(3, s.size(), "only GLIMPSE_* variables count: " + s);
  }

  @Test
  void kafkaKeysPassThroughUntouchedWithoutThePrefix() {
    assertEquals(
        Map.of("security.protocol", "SSL", "ssl.truststore.location", "/x"),
        Settings.kafkaClientProperties(
            Map.of(
                "kafka.security.protocol",
                "SSL",
                "kafka.ssl.truststore.location",
                "/x",
                "glimpse.model.id",
                "m")));
  }
}
