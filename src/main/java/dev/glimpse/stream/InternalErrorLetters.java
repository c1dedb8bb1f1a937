package dev.glimpse.stream;

import dev.glimpse.contract.DeadLetter;
import dev.glimpse.contract.ErrorCode;
import dev.glimpse.kafka.CarriedHeaders;
import dev.glimpse.kafka.Contract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.ErrorHandlerContext;

/** Dead letters written by the exception handlers, outside the topology's own branching. */
final class InternalErrorLetters {
  static final String TOPIC_CONFIG = "glimpse.dlq.topic";
  static final String MAX_ORIGINAL_CONFIG = "glimpse.dlq.max.original.bytes";

  /** Always single-object encoded (no registry here): readers tell the framing by the bytes. */
  private static final String CONTENT_TYPE =
      Contract.current().contentType(DeadLetter.getClassSchema());

  private final String topic;
  private final long maxOriginalBytes;

  private InternalErrorLetters(String topic, long maxOriginalBytes) {
    this.topic = topic;
    this.maxOriginalBytes = maxOriginalBytes;
  }

  static InternalErrorLetters from(Map<String, ?> configs) {
    Object topic = configs.get(TOPIC_CONFIG);
    if (topic == null) {
      throw new IllegalArgumentException(
          TOPIC_CONFIG + " is not set: IngestConfig.streamsProperties sets it");
    }
    Object max = configs.get(MAX_ORIGINAL_CONFIG);
    return new InternalErrorLetters(
        topic.toString(), max == null ? 1 << 20 : Long.parseLong(max.toString()));
  }

  String topic() {
    return topic;
  }

  /** The source record of {@code context} as a dead letter, its bytes kept when small enough. */
  ProducerRecord<byte[], byte[]> letter(
      ErrorHandlerContext context, ErrorCode code, String message) {
    byte[] key = context.sourceRawKey();
    byte[] value = context.sourceRawValue();
    boolean keep = value == null || value.length <= maxOriginalBytes;
    DeadLetter letter =
        DeadLetter.newBuilder()
            .setCode(code)
            .setMessage(
                keep
                    ? message
                    : message
                        + " (the original value, "
                        + value.length
                        + " bytes, is not copied here: read it at the topic, partition and offset)")
            .setTopic(String.valueOf(context.topic()))
            .setPartition(context.partition())
            .setOffset(context.offset())
            .setOriginalKey(key == null ? null : ByteBuffer.wrap(key))
            .setOriginalValue(keep && value != null ? ByteBuffer.wrap(value) : null)
            .setTimestamp(Instant.now())
            .build();
    try {
      ByteBuffer encoded = DeadLetter.getEncoder().encode(letter);
      byte[] bytes = new byte[encoded.remaining()];
      encoded.get(bytes);
      // the source record's key and headers, as the topology's own dead letters keep them
      return new ProducerRecord<>(
          topic, null, key, bytes, CarriedHeaders.of(context.headers(), CONTENT_TYPE));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode a dead letter", e);
    }
  }
}
