package dev.glimpse.worker;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Results waiting for their transaction. Requests finish out of order (a short caption before a
 * long answer), but a partition's offset can only be committed up to the first request still in
 * flight. So each partition releases its results in offset order: a transaction carries the results
 * of every partition's completed prefix together with the offsets after it. Whatever is not yet
 * released is redone by whoever owns the partition next, and has not been written, so nothing is
 * lost and nothing is written twice.
 */
final class Outbox {

  /** What one transaction sends and commits. */
  record Release(
      List<ProducerRecord<String, byte[]>> records,
      Map<TopicPartition, OffsetAndMetadata> offsets) {
    boolean isEmpty() {
      return offsets.isEmpty();
    }
  }

  // per partition: offset -> its records once complete, null while in flight
  private final Map<TopicPartition, TreeMap<Long, List<ProducerRecord<String, byte[]>>>>
      partitions = new HashMap<>();

  /** A request was consumed from this offset. */
  void track(TopicPartition partition, long offset) {
    partitions.computeIfAbsent(partition, p -> new TreeMap<>()).put(offset, null);
  }

  /** The request at this offset is done: these records (results or a dead letter) carry it. */
  void complete(
      TopicPartition partition, long offset, List<ProducerRecord<String, byte[]>> records) {
    TreeMap<Long, List<ProducerRecord<String, byte[]>>> offsets = partitions.get(partition);
    if (offsets != null && offsets.containsKey(offset)) {
      offsets.put(offset, List.copyOf(records));
    }
  }

  boolean hasRelease() {
    return partitions.values().stream()
        .anyMatch(o -> !o.isEmpty() && o.firstEntry().getValue() != null);
  }

  /** Takes every partition's completed prefix out of the outbox. */
  Release release() {
    List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
    Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
    partitions.forEach(
        (partition, offsets) -> {
          long next = -1;
          while (!offsets.isEmpty() && offsets.firstEntry().getValue() != null) {
            var first = offsets.pollFirstEntry();
            records.addAll(first.getValue());
            next = first.getKey() + 1;
          }
          if (next >= 0) {
            commits.put(partition, new OffsetAndMetadata(next));
          }
        });
    return new Release(records, commits);
  }

  /** Forgets partitions this worker no longer owns: their work is redone by the new owner. */
  void forget(Collection<TopicPartition> revoked) {
    revoked.forEach(partitions::remove);
  }
}
