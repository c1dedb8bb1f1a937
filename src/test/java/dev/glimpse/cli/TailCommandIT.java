package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contract.DeadLetter;
import dev.glimpse.contract.ErrorCode;
import dev.glimpse.kafka.Contract;
import dev.glimpse.kafka.CraftedRecords;
import dev.glimpse.kafka.EmbeddedKafkaBroker;
import dev.glimpse.kafka.TopicAdmin;
import dev.glimpse.kafka.Topics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * {@code tail} on a real broker: a record it cannot decode is reported where it is, and the tail
 * goes on; {@code --max} stops it at exactly that many results.
 */
class TailCommandIT {

  @Test
  void maxPrintsExactlyThatManyResultsWhenOnePollBringsMore() throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      try (Admin admin =
          Admin.create(
              Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
        TopicAdmin.ensureTopics(admin, Topics.bundledSpecs(), Duration.ofSeconds(30));
      }
      try (var producer =
          new KafkaProducer<>(
              Map.<String, Object>of(
                  ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
              new StringSerializer(),
              new ByteArraySerializer())) {
        // all in one partition before the tail starts: its first poll returns every one of them
        for (int i = 0; i < 24; i++) {
          DeadLetter letter =
              DeadLetter.newBuilder()
                  .setCode(ErrorCode.NOT_AN_IMAGE)
                  .setMessage("not an image")
                  .setTopic("glimpse.images")
                  .setPartition(0)
                  .setOffset(i)
                  .setEventId("event-" + i)
                  .setTimestamp(Instant.now())
                  .build();
          producer.send(
              new ProducerRecord<>(
                  "glimpse.dlq",
                  0,
                  "event-" + i,
                  Contract.current().deadLetters().serialize("glimpse.dlq", letter)));
        }
        producer.flush();
      }
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();

      int code =
          Main.run(
              new PrintWriter(out, true),
              new PrintWriter(err, true),
              "tail",
              "--bootstrap-servers",
              broker.bootstrapServers(),
              "--topic",
              "dead_letter",
              "--from-beginning",
              "--max",
              "5",
              "--timeout",
              "30");

      assertEquals(0, code, err.toString());
      List<String> lines = out.toString().strip().lines().toList();
      assertEquals(
          List.of("event-0", "event-1", "event-2", "event-3", "event-4"),
          lines.stream().map(l -> l.split(" ")[0]).toList(),
          out.toString());
    }
  }

  @Test
  void anUndecodableRecordIsPrintedWithItsPlaceAndTheNextResultStillArrives() throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      try (Admin admin =
          Admin.create(
              Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
        TopicAdmin.ensureTopics(admin, Topics.bundledSpecs(), Duration.ofSeconds(30));
      }
      DeadLetter letter =
          DeadLetter.newBuilder()
              .setCode(ErrorCode.NOT_AN_IMAGE)
              .setMessage("not an image")
              .setTopic("glimpse.images")
              .setPartition(0)
              .setOffset(7)
              .setEventId("after")
              .setTimestamp(Instant.now())
              .build();
      try (var producer =
          new KafkaProducer<>(
              Map.<String, Object>of(
                  ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
              new StringSerializer(),
              new ByteArraySerializer())) {
        producer
            .send(new ProducerRecord<>("glimpse.dlq", 0, "lying", CraftedRecords.hugeBytesLength()))
            .get();
        producer
            .send(
                new ProducerRecord<>(
                    "glimpse.dlq",
                    0,
                    "after",
                    Contract.current().deadLetters().serialize("glimpse.dlq", letter)))
            .get();
      }
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();

      int code =
          Main.run(
              new PrintWriter(out, true),
              new PrintWriter(err, true),
              "tail",
              "--bootstrap-servers",
              broker.bootstrapServers(),
              "--topic",
              "dead_letter",
              "--from-beginning",
              "--max",
              "2",
              "--timeout",
              "30");

      assertEquals(0, code, err.toString());
      List<String> lines = out.toString().strip().lines().toList();
      assertEquals(2, lines.size(), out.toString());
      assertTrue(
          lines.get(0).startsWith("lying")
              && lines.get(0).contains("UNDECODABLE glimpse.dlq-0@0: "),
          lines.get(0));
      assertTrue(
          lines.get(1).startsWith("after") && lines.get(1).contains("DEAD LETTER NOT_AN_IMAGE"),
          lines.get(1));
    }
  }
}
