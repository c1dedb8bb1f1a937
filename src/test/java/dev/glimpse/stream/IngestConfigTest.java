package dev.glimpse.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
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
            file,
            Map.of(
                "GLIMPSE_MODEL_ID",
                "from-env",
                "GLIMPSE_KAFKA_SASL_MECHANISM",
                "PLAIN",
                "HOME",
                "/x"));

    assertEquals("from-env", config.modelId());
    Properties streams = config.streamsProperties("glimpse.dlq");
    assertEquals("SASL_SSL", streams.get("security.protocol"));
    assertEquals("PLAIN", streams.get("sasl.mechanism"));
    assertEquals("exactly_once_v2", streams.get("processing.guarantee"));
  }

  @Test
  void aBurstOfSlowFetchesStaysInsideTheTransactionAndThePollIntervalByDefault() {
    IngestConfig config = IngestConfig.from(Map.of("glimpse.bootstrap.servers", "b:9092"));
    Properties p = config.streamsProperties("glimpse.dlq");
    int threads = Integer.parseInt((String) p.get("num.stream.threads"));
    assertTrue(threads > 1, "one slow fetch must not stall every partition");
    // the bundled glimpse.images has 6 partitions; one instance spreads them over its threads
    int tasksPerThread = (6 + threads - 1) / threads;
    long perBatch =
        Integer.parseInt((String) p.get("max.poll.records"))
            + Integer.parseInt((String) p.get("buffered.records.per.partition"));
    long worstBetweenCommits = tasksPerThread * perBatch * config.uriPolicy().deadline().toMillis();
    assertTrue(
        worstBetweenCommits < Long.parseLong((String) p.get("transaction.timeout.ms")),
        worstBetweenCommits + " ms of fetches would outlive the transaction");
    assertTrue(
        2 * worstBetweenCommits < Long.parseLong((String) p.get("max.poll.interval.ms")),
        worstBetweenCommits + " ms of fetches would drop the thread from its group");
    // at most the broker's default transaction.max.timeout.ms (15 min), or the producer is refused
    assertTrue(Long.parseLong((String) p.get("transaction.timeout.ms")) <= 900_000);
    // and they reach the clients over Streams' own exactly-once defaults (10 s, 1000 records)
    var streams = new StreamsConfig(p);
    assertEquals(
        p.get("transaction.timeout.ms"),
        String.valueOf(streams.getProducerConfigs("c").get("transaction.timeout.ms")));
    assertEquals(
        p.get("max.poll.records"),
        String.valueOf(streams.getMainConsumerConfigs("g", "c", 0).get("max.poll.records")));
  }

  @Test
  void kafkaSettingsOverrideTheThreadAndPollDefaults() {
    IngestConfig config =
        IngestConfig.from(
            Map.of(
                "glimpse.bootstrap.servers", "b:9092",
                "kafka.num.stream.threads", "6",
                "kafka.max.poll.records", "50",
                "kafka.transaction.timeout.ms", "60000"));
    Properties p = config.streamsProperties("glimpse.dlq");
    assertEquals("6", p.get("num.stream.threads"));
    assertEquals("50", p.get("max.poll.records"));
    assertEquals("60000", p.get("transaction.timeout.ms"));
    var streams = new StreamsConfig(p);
    assertEquals(
        "50", String.valueOf(streams.getMainConsumerConfigs("g", "c", 0).get("max.poll.records")));
    assertEquals(
        "60000", String.valueOf(streams.getProducerConfigs("c").get("transaction.timeout.ms")));
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
