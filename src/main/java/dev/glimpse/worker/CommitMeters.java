package dev.glimpse.worker;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * What each record waiting for its transaction counts as once that transaction commits: a result of
 * a kind (with its event time, for the latency), or a dead letter with a code. Counted only on
 * commit, so that work redone after an abort or a rebalance is counted once.
 */
final class CommitMeters {
  /** A released record: a result of this kind, or a dead letter with this code. */
  private record Written(TopicPartition partition, String kind, String code, long eventMillis) {}

  private final WorkerMetrics metrics;
  // by identity: two equal records are still two results
  private final Map<ProducerRecord<String, byte[]>, Written> written = new IdentityHashMap<>();

  CommitMeters(WorkerMetrics metrics) {
    this.metrics = metrics;
  }

  void result(
      ProducerRecord<String, byte[]> record, TopicPartition from, String kind, long eventMillis) {
    written.put(record, new Written(from, kind, null, eventMillis));
  }

  void deadLetter(ProducerRecord<String, byte[]> record, TopicPartition from, String code) {
    written.put(record, new Written(from, null, code, -1));
  }

  /**
   * Counts a committed transaction's records: results by kind with their latency, dead letters by
   * code.
   */
  void committed(List<ProducerRecord<String, byte[]>> records) {
    long now = System.currentTimeMillis();
    metrics.transactionCommitted();
    for (ProducerRecord<String, byte[]> record : records) {
      Written w = written.remove(record);
      if (w == null) {
        continue; // a cache entry
      }
      if (w.code() != null) {
        metrics.deadLetter(w.code());
      } else {
        metrics.result(w.kind(), w.eventMillis(), now);
      }
    }
  }

  /** An aborted transaction's records count for nothing: they are redone. */
  void aborted(List<ProducerRecord<String, byte[]>> records) {
    records.forEach(written::remove);
  }

  void forget(Set<TopicPartition> lost) {
    written.values().removeIf(w -> lost.contains(w.partition()));
  }
}
