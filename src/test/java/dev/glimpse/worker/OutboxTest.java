package dev.glimpse.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class OutboxTest {
  private static final TopicPartition P0 = new TopicPartition("glimpse.requests", 0);
  private static final TopicPartition P1 = new TopicPartition("glimpse.requests", 1);

  private static List<ProducerRecord<String, byte[]>> result(String key) {
    return List.of(new ProducerRecord<>("glimpse.captions", key, new byte[0]));
  }

  @Test
  void aResultWaitsForEveryEarlierRequestOfItsPartition() {
    Outbox outbox = new Outbox();
    outbox.track(P0, 10);
    outbox.track(P0, 11);
    outbox.complete(P0, 11, result("b"));
    assertFalse(outbox.hasRelease(), "offset 10 is still in flight");
    outbox.complete(P0, 10, result("a"));
    Outbox.Release release = outbox.release();
    assertEquals(List.of("a", "b"), release.records().stream().map(ProducerRecord::key).toList());
    assertEquals(Map.of(P0, new OffsetAndMetadata(12)), release.offsets());
    assertTrue(outbox.release().isEmpty(), "nothing is left to release");
  }

  @Test
  void partitionsReleaseIndependently() {
    Outbox outbox = new Outbox();
    outbox.track(P0, 5);
    outbox.track(P1, 7);
    outbox.track(P1, 8);
    outbox.complete(P1, 7, result("x"));
    Outbox.Release release = outbox.release();
    assertEquals(Map.of(P1, new OffsetAndMetadata(8)), release.offsets());
    // P0@5 and P1@8 remain, and release once complete
    outbox.complete(P0, 5, result("y"));
    outbox.complete(P1, 8, result("z"));
    assertEquals(
        Map.of(P0, new OffsetAndMetadata(6), P1, new OffsetAndMetadata(9)),
        outbox.release().offsets());
  }

  @Test
  void forgottenPartitionsReleaseNothing() {
    Outbox outbox = new Outbox();
    outbox.track(P0, 1);
    outbox.complete(P0, 1, result("lost"));
    outbox.forget(List.of(P0));
    assertFalse(outbox.hasRelease());
    assertTrue(outbox.release().isEmpty());
    outbox.complete(P0, 1, result("late"));
    assertFalse(outbox.hasRelease(), "a result of a forgotten request is dropped, not written");
  }
}
