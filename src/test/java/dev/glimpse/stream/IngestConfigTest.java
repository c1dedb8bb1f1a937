package dev.glimpse.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class IngestConfigTest {

  @Test
  void environmentOverridesTheFileAndKafkaSettingsPassThrough() {
    Properties file = new Properties();
    file.setProperty("glimpse.bootstrap.servers", "file:9092");
    file.setProperty("glimpse.model.id", "from-file");
    file.setProperty("kafka.security.protocol", "SASL_SSL");

    IngestConfig config =
        IngestConfig.load(
            file, Map.of("GLIMPSE_MODEL_ID", "from-env", "GLIMPSE_KAFKA_SASL_MECHANISM", "PLAIN", "HOME", "/x"));

    assertEquals("from-env", config.modelId());
    Properties streams = config.streamsProperties("glimpse.dlq");
    assertEquals("SASL_SSL", streams.get("security.protocol"));
    assertEquals("PLAIN", streams.get("sasl.mechanism"));
    assertEquals("exactly_once_v2", streams.get("processing.guarantee"));
  }

  @Test
  void aMissingBootstrapServerSaysWhichSettingToSet() {
    var e = assertThrows(IllegalArgumentException.class, () -> IngestConfig.from(Map.of()));
    assertTrue(e.getMessage().contains("GLIMPSE_BOOTSTRAP_SERVERS"), e.getMessage());
  }

  @Test
  void theUriDeadlineDefaultsToThreeSecondsAndTheOldPerHopKeyStillSetsIt() {
    Map<String, String> base = Map.of("glimpse.bootstrap.servers", "b:9092");
    assertEquals(Duration.ofSeconds(3), IngestConfig.from(base).uriPolicy().deadline());
    var old = new HashMap<>(base);
    old.put("glimpse.uri.timeout.ms", "1500");
    assertEquals(Duration.ofMillis(1500), IngestConfig.from(old).uriPolicy().deadline());
    old.put("glimpse.uri.deadline.ms", "800");
    assertEquals(Duration.ofMillis(800), IngestConfig.from(old).uriPolicy().deadline());
  }
}
