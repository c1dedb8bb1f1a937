package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contract.DeadLetter;
import dev.glimpse.contract.ErrorCode;
import dev.glimpse.kafka.BrokerWithTopics;
import dev.glimpse.kafka.Contract;
import dev.glimpse.kafka.CraftedRecords;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * {@code tail} on a real broker: a record it cannot decode is reported where it is, and the tail
 * goes on; {@code --max} stops it at exactly that many results.
 */
class TailCommandIT {

  @Test
  void maxPrintsExactlyThatManyResultsWhenOnePollBringsMore() throws Exception {
    try (BrokerWithTopics broker = BrokerWithTopics.start()) {
      // all in one partition before the tail starts: its first poll returns every one of them
      List<ProducerRecord<String, byte[]>> letters = new ArrayList<>();
      for (int i = 0; i < 24; i++) {
        letters.add(notAnImageLetter("event-" + i, i));
      }
      broker.send(letters);

      List<String> lines = tailDeadLettersFromTheBeginning(broker, 5);

      assertEquals(
          List.of("event-0", "event-1", "event-2", "event-3", "event-4"),
          lines.stream().map(l -> l.split(" ")[0]).toList(),
          String.join("\n", lines));
    }
  }

  @Test
  void anUndecodableRecordIsPrintedWithItsPlaceAndTheNextResultStillArrives() throws Exception {
    try (BrokerWithTopics broker = BrokerWithTopics.start()) {
      broker.send(
          List.of(
              new ProducerRecord<>("glimpse.dlq", 0, "lying", CraftedRecords.hugeBytesLength()),
              notAnImageLetter("after", 7)));

      List<String> lines = tailDeadLettersFromTheBeginning(broker, 2);

      assertEquals(2, lines.size(), String.join("\n", lines));
      assertTrue(
          lines.get(0).startsWith("lying")
              && lines.get(0).contains("UNDECODABLE glimpse.dlq-0@0: "),
          lines.get(0));
      assertTrue(
          lines.get(1).startsWith("after") && lines.get(1).contains("DEAD LETTER NOT_AN_IMAGE"),
          lines.get(1));
    }
  }

  /** A NOT_AN_IMAGE dead letter for partition 0 of glimpse.dlq, keyed by its event id. */
  private static ProducerRecord<String, byte[]> notAnImageLetter(String eventId, long offset) {
    DeadLetter letter =
        DeadLetter.newBuilder()
            .setCode(ErrorCode.NOT_AN_IMAGE)
            .setMessage("not an image")
            .setTopic("glimpse.images")
            .setPartition(0)
            .setOffset(offset)
            .setEventId(eventId)
            .setTimestamp(Instant.now())
            .build();
    return new ProducerRecord<>(
        "glimpse.dlq",
        0,
        eventId,
        Contract.current().deadLetters().serialize("glimpse.dlq", letter));
  }

  /** What {@code tail --topic dead_letter --from-beginning --max max} printed; it exited 0. */
  private static List<String> tailDeadLettersFromTheBeginning(BrokerWithTopics broker, int max) {
    CommandRun tail =
        CommandRun.of(
            "tail",
            "--bootstrap-servers",
            broker.bootstrapServers(),
            "--topic",
            "dead_letter",
            "--from-beginning",
            "--max",
            String.valueOf(max),
            "--timeout",
            "30");
    assertEquals(0, tail.exitCode(), tail.err());
    return tail.outLines();
  }
}
