package dev.glimpse.worker;

import dev.glimpse.contract.DeadLetter;
import dev.glimpse.contract.ErrorCode;
import dev.glimpse.contract.InferenceRequest;
import dev.glimpse.kafka.CarriedHeaders;
import dev.glimpse.kafka.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The dead letter of a request the worker cannot serve, or of one task of it: the code, what to do,
 * where the request came from and (up to a size a transaction still carries) its bytes.
 */
final class DeadLetters {
  /** Larger originals stay out of the letter, which points at topic, partition and offset. */
  private static final int MAX_ORIGINAL_BYTES = 12 << 20;

  private final Topics topics;
  private final CommitMeters meters;

  DeadLetters(Topics topics, CommitMeters meters) {
    this.topics = topics;
    this.meters = meters;
  }

  /** The letter of the whole request ({@code task} null) or of one task. */
  ProducerRecord<String, byte[]> of(Job job, Job.Task task, ErrorCode code, String message) {
    InferenceRequest r = job.request();
    byte[] original =
        job.original() != null && job.original().length <= MAX_ORIGINAL_BYTES
            ? job.original()
            : null;
    DeadLetter letter =
        new DeadLetter(
            code,
            message,
            job.partition().topic(),
            job.partition().partition(),
            job.offset(),
            job.key() == null ? null : ByteBuffer.wrap(job.key().getBytes(StandardCharsets.UTF_8)),
            original == null ? null : ByteBuffer.wrap(original),
            r == null ? null : r.getEventId(),
            task == null ? null : task.index(),
            Instant.now());
    String key = r == null ? job.key() : r.getEventId();
    ProducerRecord<String, byte[]> record =
        new ProducerRecord<>(
            topics.dlq().name(),
            null,
            key,
            topics.dlq().valueSerde().serializer().serialize(topics.dlq().name(), letter),
            CarriedHeaders.of(job.headers(), topics.dlq().contentType()));
    meters.deadLetter(record, job.partition(), code.name());
    return record;
  }
}
