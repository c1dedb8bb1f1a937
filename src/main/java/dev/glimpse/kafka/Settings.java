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

  /**
   * A true/false setting ({@code fallback} where it is not set); any other value is refused, so
   * that a typo does not turn a setting off unseen.
   */
  public static boolean bool(Map<String, String> settings, String key, boolean fallback) {
    String value = settings.get(key);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    return switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw new IllegalArgumentException(
              "setting " + key + " must be true or false, got '" + value + "'");
    };
  }

  /** A whole-number setting ({@code fallback} where it is not set); anything else is refused. */
  public static int integer(Map<String, String> settings, String key, String fallback) {
    String value = valueOr(settings, key, fallback);
    long parsed = wholeNumber(key, value);
    if (parsed != (int) parsed) {
      throw notAWholeNumber(key, value);
    }
    return (int) parsed;
  }

  /** {@link #integer}, for values past an int's range (bytes). */
  public static long longValue(Map<String, String> settings, String key, String fallback) {
    return wholeNumber(key, valueOr(settings, key, fallback));
  }

  private static long wholeNumber(String key, String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw notAWholeNumber(key, value);
    }
  }

  private static IllegalArgumentException notAWholeNumber(String key, String value) {
    return new IllegalArgumentException(
        "setting " + key + " must be a whole number, got '" + value + "'");
  }

  private static String valueOr(Map<String, String> settings, String key, String fallback) {
    String value = settings.get(key);
    return value == null || value.isBlank() ? fallback : value.strip();
  }
}
