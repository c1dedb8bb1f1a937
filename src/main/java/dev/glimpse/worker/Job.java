package dev.glimpse.worker;

import dev.glimpse.contract.InferenceRequest;
import org.apache.kafka.common.TopicPartition;

/**
 * One consumed inference request and where it came from.
 *
 * @param original the record's value as consumed, for a dead letter
 * @param receivedAtMillis when the worker polled it
 * @param attempts times the model failed on it already (a request is retried once, alone)
 */
record Job(TopicPartition partition, long offset, String key, byte[] original, InferenceRequest request,
    long receivedAtMillis, int attempts) {

  Job retried() {
    return new Job(partition, offset, key, original, request, receivedAtMillis, attempts + 1);
  }
}
