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

/** {@code tail} on a real broker: a record it cannot decode is reported where it is, and the tail goes on. */
class TailCommandIT {

  @Test
  void anUndecodableRecordIsPrintedWithItsPlaceAndTheNextResultStillArrives() throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      try (Admin admin = Admin.create(
          Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
        TopicAdmin.ensureTopics(admin, Topics.bundledSpecs(), Duration.ofSeconds(30));
      }
      DeadLetter letter = DeadLetter.newBuilder().setCode(ErrorCode.NOT_AN_IMAGE).setMessage("not an image")
          .setTopic("glimpse.images").setPartition(0).setOffset(7).setEventId("after")
          .setTimestamp(Instant.now()).build();
      try (var producer = new KafkaProducer<>(
          Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
          new StringSerializer(), new ByteArraySerializer())) {
        producer.send(new ProducerRecord<>("glimpse.dlq", 0, "lying", CraftedRecords.hugeBytesLength())).get();
        producer.send(new ProducerRecord<>("glimpse.dlq", 0, "after",
            Contract.current().deadLetters().serialize("glimpse.dlq", letter))).get();
      }
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();

      int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "tail", "--bootstrap-servers",
          broker.bootstrapServers(), "--topic", "dead_letter", "--from-beginning", "--max", "2", "--timeout", "30");

      assertEquals(0, code, err.toString());
      List<String> lines = out.toString().strip().lines().toList();
      assertEquals(2, lines.size(), out.toString());
      assertTrue(lines.get(0).startsWith("lying") && lines.get(0).contains("UNDECODABLE glimpse.dlq-0@0: "),
          lines.get(0));
      assertTrue(lines.get(1).startsWith("after") && lines.get(1).contains("DEAD LETTER NOT_AN_IMAGE"), lines.get(1));
    }
  }
}
