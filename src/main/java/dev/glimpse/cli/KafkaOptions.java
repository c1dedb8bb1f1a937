package dev.glimpse.cli;

import dev.glimpse.kafka.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * How a command reaches Kafka: bootstrap servers, a properties file and single settings. Settings
 * are read in this order, later ones winning: the file and {@code GLIMPSE_*} environment variables
 * ({@link Settings#overlay}), {@code --property}, {@code --bootstrap-servers}.
 */
final class KafkaOptions {

  @Option(
      names = "--bootstrap-servers",
      paramLabel = "HOST:PORT,...",
      description = "The Kafka cluster.")
  String bootstrapServers;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "A properties file of glimpse.* and kafka.* settings.")
  Path config;

  @Option(
      names = {"-p", "--property"},
      paramLabel = "KEY=VALUE",
      description = "One setting, e.g. kafka.security.protocol=SASL_SSL (repeatable).")
  Map<String, String> properties = new LinkedHashMap<>();

  /** Every setting, merged in order. */
  Map<String, String> settings() {
    Properties file = new Properties();
    if (config != null) {
      try (InputStream in = Files.newInputStream(config)) {
        file.load(in);
      } catch (IOException e) {
        throw new Errors.UserError(
            "BAD_CONFIG", "cannot read " + config + " (" + e.getMessage() + ")");
      }
    }
    Map<String, String> s = Settings.overlay(file, System.getenv());
    s.putAll(properties);
    if (bootstrapServers != null) {
      s.put("glimpse.bootstrap.servers", bootstrapServers);
    }
    if (!s.containsKey("glimpse.bootstrap.servers") && !s.containsKey("kafka.bootstrap.servers")) {
      throw new Errors.UserError(
          "NO_BOOTSTRAP_SERVERS",
          "say where Kafka is: --bootstrap-servers HOST:PORT (or glimpse.bootstrap.servers in --config)");
    }
    return s;
  }

  /**
   * Returns once a broker answers, or fails with one BROKER_UNREACHABLE line after 15 s ({@value
   * BrokerProbe#WAIT_SETTING} in milliseconds changes that).
   */
  void awaitBroker() {
    String wait = settings().get(BrokerProbe.WAIT_SETTING);
    Duration within;
    try {
      within =
          wait == null ? BrokerProbe.DEFAULT_WAIT : Duration.ofMillis(Long.parseLong(wait.trim()));
    } catch (NumberFormatException e) {
      throw new Errors.UserError(
          "BAD_CONFIG",
          BrokerProbe.WAIT_SETTING + " is '" + wait + "'; give a whole number of milliseconds");
    }
    BrokerProbe.await(clientProperties(), within);
  }

  /** Kafka client properties: the kafka.* settings and the bootstrap servers. */
  Map<String, String> clientProperties() {
    Map<String, String> s = settings();
    Map<String, String> client = new LinkedHashMap<>();
    if (s.containsKey("glimpse.bootstrap.servers")) {
      client.put("bootstrap.servers", s.get("glimpse.bootstrap.servers"));
    }
    client.putAll(Settings.kafkaClientProperties(s));
    return client;
  }
}
