package dev.glimpse.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * How a command reaches Kafka: bootstrap servers, a properties file and single settings. Settings
 * are read in this order, later ones winning: the file, {@code GLIMPSE_*} environment variables,
 * {@code --property}, {@code --bootstrap-servers}. Keys starting with {@code kafka.} go to the
 * Kafka clients untouched, minus the prefix (security settings included).
 */
final class KafkaOptions {

  @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT,...", description = "The Kafka cluster.")
  String bootstrapServers;

  @Option(names = "--config", paramLabel = "FILE", description = "A properties file of glimpse.* and kafka.* settings.")
  Path config;

  @Option(names = {"-p", "--property"}, paramLabel = "KEY=VALUE",
      description = "One setting, e.g. kafka.security.protocol=SASL_SSL (repeatable).")
  Map<String, String> properties = new LinkedHashMap<>();

  /** Every setting, merged in order. */
  Map<String, String> settings() {
    Map<String, String> s = new LinkedHashMap<>();
    if (config != null) {
      Properties file = new Properties();
      try (InputStream in = Files.newInputStream(config)) {
        file.load(in);
      } catch (IOException e) {
        throw new Errors.UserError("BAD_CONFIG", "cannot read " + config + " (" + e.getMessage() + ")");
      }
      file.stringPropertyNames().forEach(k -> s.put(k, file.getProperty(k)));
    }
    System.getenv().forEach((k, v) -> {
      if (k.startsWith("GLIMPSE_")) {
        String key = k.toLowerCase(Locale.ROOT).replace('_', '.');
        s.put(key.startsWith("glimpse.kafka.") ? key.substring("glimpse.".length()) : key, v);
      }
    });
    s.putAll(properties);
    if (bootstrapServers != null) {
      s.put("glimpse.bootstrap.servers", bootstrapServers);
    }
    if (!s.containsKey("glimpse.bootstrap.servers") && !s.containsKey("kafka.bootstrap.servers")) {
      throw new Errors.UserError("NO_BOOTSTRAP_SERVERS",
          "say where Kafka is: --bootstrap-servers HOST:PORT (or glimpse.bootstrap.servers in --config)");
    }
    return s;
  }

  /** Kafka client properties: the kafka.* settings and the bootstrap servers. */
  Map<String, String> clientProperties() {
    Map<String, String> s = settings();
    Map<String, String> client = new LinkedHashMap<>();
    if (s.containsKey("glimpse.bootstrap.servers")) {
      client.put("bootstrap.servers", s.get("glimpse.bootstrap.servers"));
    }
    s.forEach((k, v) -> {
      if (k.startsWith("kafka.")) {
        client.put(k.substring("kafka.".length()), v);
      }
    });
    return client;
  }
}
