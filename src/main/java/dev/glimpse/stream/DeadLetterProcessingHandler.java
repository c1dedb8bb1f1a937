package dev.glimpse.stream;

import dev.glimpse.contract.DeadLetter;
import dev.glimpse.contract.ErrorCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last line of defence (KIP-1033 with KIP-1034 dead-letter records): an unexpected exception in
 * any ingest step writes the source record to the dead-letter topic as INTERNAL_ERROR and the
 * stream goes on. Refusals the steps expect never get here; they are branched out explicitly.
 */
public final class DeadLetterProcessingHandler implements ProcessingExceptionHandler {
  public static final String TOPIC_CONFIG = "glimpse.dlq.topic";
  private static final Logger LOG = LoggerFactory.getLogger(DeadLetterProcessingHandler.class);

  private String topic;

  @Override
  public void configure(Map<String, ?> configs) {
    Object value = configs.get(TOPIC_CONFIG);
    if (value == null) {
      throw new IllegalArgumentException(
          TOPIC_CONFIG + " is not set: IngestConfig.streamsProperties sets it");
    }
    this.topic = value.toString();
  }

  @Override
  public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception e) {
    LOG.error(
        "ingest failed on {}-{}@{} in {}; the record goes to {}",
        context.topic(), context.partition(), context.offset(), context.processorNodeId(), topic, e);
    byte[] key = context.sourceRawKey();
    byte[] value = context.sourceRawValue();
    DeadLetter letter =
        DeadLetter.newBuilder()
            .setCode(ErrorCode.INTERNAL_ERROR)
            .setMessage(
                "ingest failed in step " + context.processorNodeId() + " (" + e
                    + "): this is a bug in glimpse; report it with the topic, partition and offset")
            .setTopic(String.valueOf(context.topic()))
            .setPartition(context.partition())
            .setOffset(context.offset())
            .setOriginalKey(key == null ? null : ByteBuffer.wrap(key))
            .setOriginalValue(value == null ? null : ByteBuffer.wrap(value))
            .setTimestamp(Instant.now())
            .build();
    try {
      ByteBuffer encoded = DeadLetter.getEncoder().encode(letter);
      byte[] bytes = new byte[encoded.remaining()];
      encoded.get(bytes);
      return Response.resume(List.of(new ProducerRecord<>(topic, null, bytes)));
    } catch (IOException encodeFailure) {
      e.addSuppressed(encodeFailure);
      return Response.fail();
    }
  }
}
