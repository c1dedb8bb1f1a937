package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code glimpse broker} as its own process: ready line, records in and out, clean stop, a kept
 * log.
 */
class BrokerCommandIT {
  private static final Duration START = Duration.ofSeconds(90);
  private static final Duration STOP = Duration.ofSeconds(30);
  private static final String TOPIC = "kept";

  @TempDir Path tmp;

  @Test
  void aRestartOnTheSameDataComesBackWithItsTopicsAndCommittedRecords() throws Exception {
    int port = freePort();
    String address = "127.0.0.1:" + port;
    Path data = tmp.resolve("kafka");
    try (ChildProcess broker =
        startBroker("--port", String.valueOf(port), "--data", data.toString())) {
      broker.awaitLine("broker ready at " + address, START);
      broker.awaitLine("data in ", START); // printed just after, in a write of its own
      assertTrue(
          broker.output().contains("data in " + data.toAbsolutePath() + " (kept across restarts)"),
          broker.output());
      try (Admin admin = admin(address)) {
        admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
      }
      produceCommitted(address, "k", "before the restart");
      assertEquals(List.of("k=before the restart"), readAll(address, 1));

      assertEquals(0, broker.terminate(STOP), broker.output());
      assertTrue(broker.output().contains("glimpse: broker stopped cleanly"), broker.output());
    }
    assertTrue(Files.isDirectory(data.resolve("logs")), "the log stays in --data");

    try (ChildProcess again =
        startBroker("--port", String.valueOf(port), "--data", data.toString())) {
      again.awaitLine("broker ready at " + address, START);
      try (Admin admin = admin(address)) {
        assertTrue(
            admin.listTopics().names().get().contains(TOPIC), "the topic survived the restart");
      }
      assertEquals(
          List.of("k=before the restart"), readAll(address, 1), "the committed record survived");
      assertEquals(0, again.terminate(STOP), again.output());
    }
  }

  @Test
  void withoutDataTheLogLivesInATemporaryDirectoryRemovedAtStop() throws Exception {
    int port = freePort();
    try (ChildProcess broker = startBroker("--port", String.valueOf(port))) {
      broker.awaitLine("broker ready at 127.0.0.1:" + port, START);
      broker.awaitLine("data in ", START); // printed just after, in a write of its own
      Matcher m =
          Pattern.compile("data in (\\S+) \\(temporary, removed at stop").matcher(broker.output());
      assertTrue(m.find(), broker.output());
      Path dir = Path.of(m.group(1));
      assertTrue(Files.isDirectory(dir.resolve("logs")), "the log is in " + dir);

      assertEquals(0, broker.terminate(STOP), broker.output());
      assertFalse(Files.exists(dir), dir + " is removed at stop");
    }
  }

  @Test
  void aTakenPortEndsTheBrokerWithPortInUseAndExitOne() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CommandRun run =
          CommandRun.of(
              "broker",
              "--port",
              String.valueOf(taken.getLocalPort()),
              "--data",
              tmp.resolve("unused").toString());

      assertEquals(1, run.exitCode(), run.err());
      List<String> lines = run.errLines();
      assertEquals(1, lines.size(), "one line: " + run.err());
      assertTrue(
          lines.get(0).startsWith("glimpse: PORT_IN_USE: 127.0.0.1:" + taken.getLocalPort() + " "),
          lines.get(0));
      assertTrue(lines.get(0).contains("choose another --port"), lines.get(0));
      assertFalse(Files.exists(tmp.resolve("unused").resolve("logs")), "nothing was formatted");
    }
  }

  private ChildProcess startBroker(String... options) throws IOException {
    List<String> args = new ArrayList<>(List.of("broker"));
    args.addAll(List.of(options));
    return ChildProcess.start(tmp, List.of("-Xmx512m"), args.toArray(String[]::new));
  }

  private static void produceCommitted(String address, String key, String value) {
    try (var producer =
        new KafkaProducer<>(
            Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                address,
                ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                "broker-it"),
            new StringSerializer(),
            new StringSerializer())) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(TOPIC, key, value));
      producer.commitTransaction();
    }
  }

  /**
   * Reads the topic from its start, read committed, until {@code expected} records came (or 30 s
   * passed).
   */
  private static List<String> readAll(String address, int expected) {
    List<String> seen = new ArrayList<>();
    try (var consumer =
        new KafkaConsumer<>(
            Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                address,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed"),
            new StringDeserializer(),
            new StringDeserializer())) {
      var partition = new TopicPartition(TOPIC, 0);
      consumer.assign(Set.of(partition));
      consumer.seekToBeginning(Set.of(partition));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (seen.size() < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          seen.add(r.key() + "=" + r.value());
        }
      }
    }
    return seen;
  }

  private static Admin admin(String address) {
    return Admin.create(
        Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, address));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
