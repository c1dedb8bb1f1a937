package dev.glimpse.kafka;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * How every Glimpse process reads its settings: a properties file overlaid with {@code GLIMPSE_*}
 * environment variables ({@code GLIMPSE_MODEL_ID} sets {@code glimpse.model.id}, {@code
 * GLIMPSE_KAFKA_SECURITY_PROTOCOL} sets {@code kafka.security.protocol}). Keys starting with {@code
 * kafka.} are Kafka client properties, passed through untouched minus the prefix.
 */
public final class Settings {
  private Settings() {}

  /** The file's settings with the environment's on top. */
  public static Map<String, String> overlay(Properties file, Map<String, String> env) {
    Map<String, String> settings = new LinkedHashMap<>();
    file.stringPropertyNames().forEach(k -> settings.put(k, file.getProperty(k)));
    env.forEach(
        (k, v) -> {
          if (k.startsWith("GLIMPSE_")) {
            String key = k.toLowerCase(Locale.ROOT).replace('_', '.');
            settings.put(
                key.startsWith("glimpse.kafka.") ? key.substring("glimpse.".length()) : key, v);
          }
        });
    return settings;
  }

  /** The {@code kafka.*} settings as Kafka client properties (prefix removed). */
  public static Map<String, String> kafkaClientProperties(Map<String, String> settings) {
    Map<String, String> kafka = new LinkedHashMap<>();
    settings.forEach(
        (k, v) -> {
          if (k.startsWith("kafka.")) {
            kafka.put(k.substring("kafka.".length()), v);
          }
        });
    return kafka;
  }
}
