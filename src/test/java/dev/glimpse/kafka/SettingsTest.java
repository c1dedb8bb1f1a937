package dev.glimpse.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

  @Test
  void numbersAndSwitchesAreReadOrRefusedNamingTheirKey() {
    Map<String, String> s =
        Map.of("a", " 12 ", "b", "", "c", "twelve", "d", "False", "e", "on", "f", "9000000000");
    assertEquals(12, Settings.integer(s, "a", "1"));
    assertEquals(1, Settings.integer(s, "b", "1"), "blank: the default");
    assertEquals(7, Settings.integer(s, "absent", "7"));
    assertEquals(9_000_000_000L, Settings.longValue(s, "f", "0"));
    assertFalse(Settings.bool(s, "d", true));
    assertTrue(Settings.bool(s, "absent", true));
    assertEquals(
        "setting c must be a whole number, got 'twelve'",
        assertThrows(IllegalArgumentException.class, () -> Settings.integer(s, "c", "1"))
            .getMessage());
    assertEquals(
        "setting f must be a whole number, got '9000000000'",
        assertThrows(IllegalArgumentException.class, () -> Settings.integer(s, "f", "1"))
            .getMessage());
    assertEquals(
        "setting e must be true or false, got 'on'",
        assertThrows(IllegalArgumentException.class, () -> Settings.bool(s, "e", false))
            .getMessage());
  }
}
